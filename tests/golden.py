"""Golden files: outputs pinned byte for byte under ``tests/golden/``.

A golden file is compared, never rewritten, unless the run is started with
``ECOCLUSTER_REGENERATE_GOLDEN=1`` (then the test writes the new bytes and fails, so a
regenerated file is always looked at and committed on purpose).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).parent / "golden"
REGENERATE = "ECOCLUSTER_REGENERATE_GOLDEN"


def assert_golden(relative: str, data: bytes) -> None:
    """``data`` equals ``tests/golden/<relative>`` byte for byte (a final newline in the file aside)."""
    path = ROOT / relative
    if os.environ.get(REGENERATE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data + b"\n")
        pytest.fail(f"regenerated {path}: look at the diff, commit it, run again without {REGENERATE}")
    assert path.is_file(), f"no golden file {path}; create it with {REGENERATE}=1"
    expected = path.read_bytes().removesuffix(b"\n")
    assert data == expected, f"{path} differs; if the change is intended, regenerate with {REGENERATE}=1"
