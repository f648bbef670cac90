"""The machine a figure was measured on: figures without it cannot be compared or reproduced."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path

_PACKAGES = ("duckdb", "great-expectations", "prefect", "typst", "jinja2", "cryptography", "pyarrow")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return float("nan")


def describe() -> dict[str, str]:
    """nproc, memory, CPU model, Python and the versions of the engines the figures depend on."""
    load = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{_memory_gib():.1f} GiB",
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load average at start": f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
        **{name: version(name) for name in _PACKAGES},
    }
