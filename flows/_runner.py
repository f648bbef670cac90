"""A long-lived runner per home folder, so that a one-member ``ecocluster rerun`` takes seconds.

A rerun's own work is about two seconds even on the 120,290-member warehouse, but a fresh
process spends 20-40 s before it: importing Great Expectations, Prefect and the stage packages
(10-15 s of one core here) and starting Prefect's temporary API server with its migrations. The
first rerun of a home therefore starts this runner in the background: it imports everything once,
keeps Prefect's server up (or uses ``PREFECT_API_URL``) and waits on a Unix socket in
``<home>/prefect``; every later rerun is a light client that sends its request there, streams
the progress lines and prints the summary. Prefect records each rerun as a flow run, as before.

The runner answers one request at a time (the warehouse has one writer anyway), refuses a
client from a different code version or Prefect API (it exits and the client starts a fresh
one), and exits after ``ECOCLUSTER_RUNNER_IDLE_SECONDS`` without a request (default 30 min) or
when its home folder is gone. ``ecocluster runner stop`` stops it. Messages are JSON lines; the
summary is rebuilt on the client side through one typed decoder (:func:`ecocluster.flows._summary.decode`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ecocluster.core.errors import (
    ConfigurationError,
    EcoclusterError,
    RunnerFailure,
    RunnerTransientFailure,
    TransientError,
)
from ecocluster.core.home import Home

DEFAULT_IDLE_SECONDS = 1800.0
START_TIMEOUT = 240.0  # a cold start on two busy cores: imports + Prefect server migrations
_PACKAGES = ("flows", "warehouse", "checks", "statements", "signing")
_MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 107 bytes on Linux


def socket_path(home: Home) -> Path:
    return home.root / "prefect" / "runner.sock"


def usable(home: Home) -> bool:
    """A Unix socket can live in this home (its path is short enough)."""
    return len(str(socket_path(home)).encode()) <= _MAX_SOCKET_PATH


def fingerprint(home: Home) -> str:
    """What a runner must share with its client: the code it runs, the home, the Prefect API."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{home.root}\0{os.environ.get('PREFECT_API_URL', '')}".encode())
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(f"{path}\0{path.stat().st_mtime_ns}\0".encode())
    return digest.hexdigest()


# --- the client side: what `ecocluster rerun` runs -------------------------------------------------


def request(home: Home, message: dict[str, Any], progress: Callable[[str], None]) -> dict[str, Any]:
    """Send ``message`` to the home's runner (starting one if none answers) and return its result.

    Progress lines are passed to ``progress`` as they come; a failure in the runner is raised
    here as :class:`RunnerFailure` with the exit code it would have had in-process.
    """
    message = {**message, "fingerprint": fingerprint(home)}
    for _attempt in range(3):
        with _connection(home, progress) as conn:
            conn.sendall(json.dumps(message).encode() + b"\n")
            for reply in _lines(conn):
                if "progress" in reply:
                    progress(str(reply["progress"]))
                elif "restart" in reply:
                    progress("the runner runs other code or another Prefect API: starting a fresh one…")
                    _wait_gone(home)
                    break
                elif "error" in reply:
                    kind = RunnerTransientFailure if reply.get("transient") else RunnerFailure
                    raise kind(str(reply["error"]), int(reply.get("exit_code", 1)))
                else:
                    return reply
            else:
                raise ConfigurationError(
                    f"the ecocluster runner of {home.root} ended without an answer; see "
                    f"{home.root / 'prefect' / 'runner.log'} and run the command again"
                )
    raise ConfigurationError(
        f"no ecocluster runner of {home.root} took the request; see {home.root / 'prefect' / 'runner.log'}"
    )


def stop(home: Home) -> bool:
    """Ask the home's runner to exit; False when none was running."""
    try:
        conn = _connect(home)
    except OSError:
        return False
    with conn:
        conn.sendall(json.dumps({"command": "stop", "fingerprint": ""}).encode() + b"\n")
        for _ in _lines(conn):
            pass
    _wait_gone(home)
    return True


@contextmanager
def _connection(home: Home, progress: Callable[[str], None]) -> Iterator[socket.socket]:
    try:
        conn = _connect(home)
    except OSError:
        conn = _start(home, progress)
    with conn:
        yield conn


def _connect(home: Home) -> socket.socket:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(socket_path(home)))
    except OSError:
        conn.close()
        raise
    return conn


def _start(home: Home, progress: Callable[[str], None]) -> socket.socket:
    """Start the runner and wait until it listens; one starter at a time per home (a lock)."""
    prefect_dir = home.subdir("prefect")
    with (prefect_dir / "runner-start.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _connect(home)  # another client started it while this one waited
        except OSError:
            pass
        progress("starting the ecocluster runner for this home (once; later commands reuse it)…")
        socket_path(home).unlink(missing_ok=True)  # left by a runner that was killed, or a copied home
        with (prefect_dir / "runner.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "ecocluster.flows._runner", str(home.root)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # outlives this command, and its Ctrl-C
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ConfigurationError(
                    f"the ecocluster runner exited with code {process.returncode}; "
                    f"see {prefect_dir / 'runner.log'}"
                )
            try:
                return _connect(home)
            except OSError:
                time.sleep(0.1)
        raise ConfigurationError(
            f"the ecocluster runner did not start within {START_TIMEOUT:.0f} s; "
            f"see {prefect_dir / 'runner.log'}"
        )


def _wait_gone(home: Home, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while socket_path(home).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _lines(conn: socket.socket) -> Iterator[dict[str, Any]]:
    with conn.makefile("rb") as stream:
        for line in stream:
            yield json.loads(line)


# --- the runner side -------------------------------------------------------------------------------


def serve(home: Home) -> None:
    """Import everything, bring Prefect up, then answer requests until idle or stopped."""
    from ecocluster.flows import _runtime

    me = fingerprint(home)  # before Prefect's start-up sets PREFECT_API_URL to its temporary server
    _runtime.configure(home)
    _runtime.start_temporary_server(home)
    _runtime.quiet()
    from ecocluster import (
        checks,  # noqa: F401 - imported now, not during the first request
        statements,  # noqa: F401
    )
    from ecocluster.flows import cycles  # noqa: F401

    _runtime.wait_for_server()
    _runtime.quiet()
    path = socket_path(home)
    idle = float(os.environ.get("ECOCLUSTER_RUNNER_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        path.unlink(missing_ok=True)
        server.bind(str(path))
        os.chmod(path, 0o600)
        server.listen(8)
        server.settimeout(5.0)
        last = time.monotonic()
        try:
            while home.warehouse_path.exists() and time.monotonic() - last < idle:
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                with conn:
                    keep_going = _answer(conn, home, me)
                last = time.monotonic()
                if not keep_going:
                    break
        finally:
            path.unlink(missing_ok=True)


def _answer(conn: socket.socket, home: Home, me: str) -> bool:
    """Run one request; False when the runner must exit (asked to, or out of date)."""
    conn.settimeout(30.0)  # a client that connects and says nothing does not hold the runner
    try:
        line = conn.makefile("rb").readline()
        message = json.loads(line) if line else None
    except (OSError, ValueError):
        return True
    if not isinstance(message, dict):
        return True
    conn.settimeout(None)

    def send(reply: dict[str, Any]) -> None:
        try:
            conn.sendall(json.dumps(reply).encode() + b"\n")
        except OSError:
            pass  # the client went away (Ctrl-C): the run goes on, Prefect records it

    if message.get("command") == "stop":
        send({"stopped": True})
        return False
    if message.get("fingerprint") != me:
        send({"restart": True})
        return False
    send(_run(message, home, lambda text: send({"progress": text})))
    return True


def _run(message: dict[str, Any], home: Home, progress: Callable[[str], None]) -> dict[str, Any]:
    from ecocluster.flows import _progress
    from ecocluster.flows.cycles import rerun

    _progress.listen(progress)
    try:
        if message.get("command") != "rerun":
            raise ConfigurationError(f"the runner does not know the command {message.get('command')!r}")
        summary = rerun(
            str(message["member"]),
            str(message["stage"]),
            message.get("year"),
            str(home.root),
            [str(p) for p in message.get("submissions", ())],
        )
        return {"summary": summary.to_json()}
    except EcoclusterError as e:
        return {"error": str(e), "exit_code": e.exit_code, "transient": isinstance(e, TransientError)}
    except Exception:
        return {"error": "the rerun failed in the runner:\n" + traceback.format_exc(), "exit_code": 1}
    finally:
        _progress.forget(progress)


if __name__ == "__main__":
    serve(Home.locate(sys.argv[1]).existing())
