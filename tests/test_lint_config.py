"""`make lint` covers the tests and benchmarks, and the pre-commit hooks install without a network (issue 15,
"habits in CI")."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent


def test_mypy_checks_the_packages_the_tests_and_the_benchmarks() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert mypy["strict"] is True
    assert {"tests", "benchmarks"} <= set(mypy["packages"])
    assert {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "benchmarks")
    } <= {name.removeprefix("ecocluster.") for name in mypy["packages"]}
    relaxed = [o for o in mypy["overrides"] if o.get("disallow_untyped_defs") is False]
    assert [o["module"] for o in relaxed] == [["tests", "tests.*"]]  # and the tests' bodies are still checked
    assert relaxed[0]["check_untyped_defs"] is True


def test_pre_commit_runs_the_fast_linters_from_the_venv_without_downloading() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in config["repos"])
    assert all(
        hook["language"] == "system" and hook["entry"].startswith(".venv/bin/") for hook in hooks.values()
    )
    assert hooks["ruff"]["entry"].startswith(".venv/bin/ruff check")
    assert hooks["ruff-format"]["entry"].startswith(".venv/bin/ruff format --check")
