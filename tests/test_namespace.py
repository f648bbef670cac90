"""The import names are ecocluster.* while the folders stay at the root (issue 15; written by namespace.py).

No generic top-level module (``warehouse``, ``checks``, ...) may be importable from an installed ecocluster,
and no code may import one: in the repository folder the bare names would still import, as a second copy of
every module, with error classes that ``except`` clauses of the other copy do not catch.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = tuple(
    p
    for p in ("warehouse", "checks", "statements", "signing", "flows", "portal", "core")
    if (REPO / p).is_dir()
)
BARE_IMPORT = re.compile(rf"^\s*(?:from|import) ({'|'.join(FOLDERS)})\b", re.M)


@pytest.mark.parametrize("name", FOLDERS)
def test_only_the_namespace_is_importable_outside_the_repository(name: str, tmp_path: Path) -> None:
    bare = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert bare.returncode != 0 and f"No module named '{name}'" in bare.stderr, bare.stderr
    namespaced = subprocess.run(
        [sys.executable, "-c", f"import ecocluster.{name} as m; print(m.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert namespaced.returncode == 0, namespaced.stderr
    assert Path(namespaced.stdout.strip()).parent == REPO / name


def test_no_code_imports_a_bare_package_name() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{text[: m.start()].count(chr(10)) + 1}"
        for folder in (*FOLDERS, "tests", "benchmarks", "tools")
        if (REPO / folder).is_dir()
        for path in sorted((REPO / folder).rglob("*.py"))
        for text in [path.read_text(encoding="utf-8")]
        for m in BARE_IMPORT.finditer(text)
    ]
    assert offenders == [], f"import them as ecocluster.<package> (namespace.py rewrites them): {offenders}"


def test_every_package_folder_is_mapped_in_pyproject() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = sorted(
        ".".join(("ecocluster", *p.relative_to(REPO).parts))
        for name in FOLDERS
        for p in [REPO / name, *(REPO / name).rglob("*")]
        if p.is_dir() and "__pycache__" not in p.parts
    )
    assert sorted(config["packages"]) == folders, "run namespace.py again: it regenerates the list"
    assert config["package-dir"] == {f"ecocluster.{name}": name for name in FOLDERS}
