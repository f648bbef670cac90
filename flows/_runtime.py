"""Prefect's environment for an ecocluster run: state in the home folder, quiet, no phoning home.

Prefect reads most settings once, when it is imported, so :func:`configure` runs before the
first ``import prefect``. With no ``PREFECT_API_URL`` Prefect starts a temporary local server for
the run (a subprocess with a SQLite database): its database and the persisted task results live
under ``<home>/prefect``, so caching survives between runs and a wiped home folder forgets it.
"""

from __future__ import annotations

import logging
import os
import warnings

from warehouse.home import Home


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


def quiet() -> None:
    """Keep the terminal for the coordinator: library chatter and warnings go nowhere."""
    for name in ("great_expectations", "prefect", "httpx", "uvicorn", "fontTools", "weasyprint", "pyhanko"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
