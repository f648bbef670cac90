"""Prefect's environment for an ecocluster run: state in the home folder, quiet, no phoning home.

Prefect reads most settings once, when it is imported, so :func:`configure` runs before the
first ``import prefect``. With no ``PREFECT_API_URL`` an embedded run needs a temporary local
API server (a subprocess with a SQLite database, what Prefect itself starts for a run without a
server). Starting it takes 10-20 s of one core, mostly imports and database migrations, so
:func:`start_temporary_server` launches it first, in its own process, and the command imports,
writes and ingests on the other core meanwhile; :func:`wait_for_server` joins before the first
flow. Its database and the persisted task results live under ``<home>/prefect``, so caching
survives between runs and a wiped home folder forgets it.
"""

from __future__ import annotations

import _thread
import atexit
import fcntl
import logging
import os
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ecocluster.core.errors import ConfigurationError, TransientError
from ecocluster.core.home import Home
from ecocluster.core.processes import free_port, stop_process

_server: subprocess.Popen[bytes] | None = None
_start_lock: TextIO | None = None


def configure(home: Home) -> None:
    """Set Prefect's defaults for this home folder (explicit environment variables still win)."""
    prefect_home = home.subdir("prefect")
    defaults = {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_LOCAL_STORAGE_PATH": str(prefect_home / "results"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",  # two busy cores can be slow
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def start_temporary_server(home: Home) -> None:
    """Start the run's temporary API server now, unless a server is configured (``PREFECT_API_URL``).

    Embedded runs do not send their logs to it (nobody reads a server that stops with the run;
    the cycle summary is the record), which also keeps the shutdown free of "Error logging to
    API" noise. The server's own output goes to ``<home>/prefect/server.log``.
    """
    global _server
    if os.environ.get("PREFECT_API_URL") or _server is not None:
        return
    configure(home)
    _hold_start_lock(home)
    port = free_port()
    log = (home.subdir("prefect") / "server.log").open("ab")
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    _server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
    atexit.register(stop_temporary_server)


def configured_api_url() -> str | None:
    """The Prefect API this process would use (environment or the home's Prefect profile), if any."""
    from prefect.settings import PREFECT_API_URL

    return os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value() or None


class ServerGone(TransientError):
    """The Prefect server a long-running command was serving to stopped answering."""


def while_server_answers(url: str, run: Callable[[], None], every: float = 5.0, misses: int = 3) -> None:
    """Run ``run`` (a serve loop) until it returns, or until the server at ``url`` misses ``misses``
    health checks in a row: then ``run`` is interrupted and :class:`ServerGone` raised, so the
    command ends with one plain message (exit 75) rather than the client's retry tracebacks."""
    gone = threading.Event()

    def answers() -> bool:
        import urllib.request  # here: `ecocluster --help` loads the CLI modules but not http and ssl

        try:
            with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=every):
                return True
        except OSError:
            return False

    def watch() -> None:
        missed = 0
        while not gone.is_set():
            time.sleep(every)
            missed = 0 if answers() else missed + 1
            if missed >= misses and not gone.is_set():
                gone.set()
                _thread.interrupt_main()

    threading.Thread(target=watch, name="prefect-server-watch", daemon=True).start()
    try:
        run()
    except BaseException as e:  # the interrupt, or what the client raised as its server went away
        if gone.is_set() or not answers():
            raise ServerGone(
                f"the Prefect server at {url} stopped answering; start it again "
                "(`infra/prefect-server.sh start`) and run `ecocluster serve` again"
            ) from e
        raise
    finally:
        gone.set()


def wait_for_server(timeout: float = 180.0) -> None:
    """Block until the temporary server answers (a no-op when none was started here)."""
    if _server is None:
        return
    import urllib.request  # here: `ecocluster --help` loads the CLI modules but not http and ssl

    url = os.environ["PREFECT_API_URL"] + "/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _server.poll() is not None:
            raise ConfigurationError(
                f"the temporary Prefect server exited with code {_server.returncode}; "
                f"see {Path(os.environ['PREFECT_HOME']) / 'server.log'}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                _release_start_lock()
                return
        except OSError:
            time.sleep(0.1)
    raise ConfigurationError(
        f"the temporary Prefect server did not answer within {timeout:.0f} s; see "
        f"{Path(os.environ['PREFECT_HOME']) / 'server.log'}, or start one with "
        "infra/prefect-server.sh and set PREFECT_API_URL"
    )


def _hold_start_lock(home: Home) -> None:
    """Queue behind another run of this home whose server is still starting.

    A fresh server migrates the SQLite database in ``<home>/prefect``; two starting at once (two
    reruns at the same moment) both migrate it and one dies ("duplicate column"). Holding an
    exclusive lock from start until the server answers lets the second start on a ready database.
    """
    global _start_lock
    _start_lock = (home.subdir("prefect") / "server-start.lock").open("a")
    fcntl.flock(_start_lock, fcntl.LOCK_EX)  # released by the kernel too if this process dies


def _release_start_lock() -> None:
    global _start_lock
    if _start_lock is not None:
        _start_lock.close()
        _start_lock = None


def server_pid() -> int | None:
    """The temporary server's process id (the orchestration benchmark counts its CPU time)."""
    return _server.pid if _server is not None else None


def stop_temporary_server() -> None:
    """Let Prefect deliver its last events, then stop the server (registered at exit)."""
    global _server
    if _server is None:
        return
    if "prefect.events.worker" in sys.modules:
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all(timeout=10)
    stop_process(_server)
    _server = None
    _release_start_lock()


def quiet() -> None:
    """Keep the terminal for the coordinator: library chatter and warnings go nowhere.

    Call it again after importing the stage packages: some set their loggers' level on import.
    """
    chatty = ("great_expectations", "prefect", "httpx", "uvicorn", "fontTools", "weasyprint", "pyhanko")
    loggers = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in chatty]
    for name in (*chatty, *loggers):  # children too: GX sets INFO on some of its modules' loggers
        logging.getLogger(name).setLevel(logging.ERROR)
    # GX is imported when the checks first run (ecocluster.checks loads it lazily), after this, and
    # sets INFO on its modules' loggers then: its records stop at its top logger, errors passed on.
    gx = logging.getLogger("great_expectations")
    if not any(isinstance(h, _ErrorsOnly) for h in gx.handlers):
        gx.addHandler(_ErrorsOnly())
    gx.propagate = False
    warnings.filterwarnings("ignore")


class _ErrorsOnly(logging.Handler):
    """Hands a library's errors on to the root logger's handlers and drops the rest, whatever level
    its modules' loggers set themselves."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger().handle(record)
