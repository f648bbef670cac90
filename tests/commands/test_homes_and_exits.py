"""Homes are made only by the commands that make one; unknown ids and usage errors are refused
at once with their own exit codes; the README's exit-code table is the code's (issue 14, item 4)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from ecocluster.core.errors import EXIT_CODES, CheckFailed, UnknownId
from tests.cli import Run, run_cli
from tests.warehouse.builders import roster, submission, write_json

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def home(tmp_path: Path, capsys, monkeypatch) -> Path:
    write_json(tmp_path / "in" / "cluster.json", roster())
    write_json(tmp_path / "in" / "h01.json", submission())
    done = run_cli(capsys, monkeypatch, tmp_path / "home", "ingest", str(tmp_path / "in"))
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path / "home"


READ_ONLY = (
    ("status",),
    ("status", "--rejected"),
    ("check",),
    ("check", "report"),
    ("statement", "show", "ab12"),
    ("rerun", "--member", "IT-H01"),
    ("review", "export", "--member", "IT-H01", "--out", "x"),
    ("register",),
    ("draft", "--no-pdf"),
    ("runner", "stop"),
    ("serve",),
)


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_mistyped_home_is_refused_and_not_created(args, tmp_path, capsys, monkeypatch):
    typo = tmp_path / "hmoe"
    done = run_cli(capsys, monkeypatch, typo, *args)
    assert done.returncode == 78, done.stdout + done.stderr
    assert f"no ecocluster home at {typo}" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert not typo.exists()


def test_verify_without_trust_does_not_create_a_home_in_the_working_directory(tmp_path, capsys, monkeypatch):
    from ecocluster.flows.cli import main

    envelope = write_json(tmp_path / "approval.json", {"payload": "x"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ECOCLUSTER_HOME", raising=False)
    monkeypatch.setattr(sys, "argv", ["ecocluster", "verify", str(envelope)])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 78
    assert not (tmp_path / ".ecocluster").exists()


def test_verify_of_a_missing_file_is_refused_without_traceback(home, capsys, monkeypatch):
    done = run_cli(capsys, monkeypatch, home, "verify", "missing.tar")
    assert done.returncode == 65, done.stdout + done.stderr  # InputUnreadable, as docs/security.md finding 20
    assert "PATH missing.tar does not exist" in done.stderr and "Traceback" not in done.stderr


def _cli(capsys, monkeypatch, home: Path, *args: str) -> Run:
    return run_cli(capsys, monkeypatch, home, *args)


@pytest.mark.parametrize(
    "args",
    [
        ("rerun", "--member", "NOPE"),
        ("check", "--member", "NOPE"),
        ("check", "--cluster", "NOPE"),
        ("check", "report", "--member", "NOPE"),
        ("status", "--cluster", "NOPE"),
        ("register", "--member", "NOPE"),
        ("review", "export", "--member", "NOPE", "--out", "out"),
        ("draft", "--member", "NOPE"),
    ],
    ids=" ".join,
)
def test_unknown_ids_are_refused_at_once_with_65(args, home, capsys, monkeypatch):
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    done = _cli(capsys, monkeypatch, home, *args)
    assert done.returncode == UnknownId.exit_code == 65, done.stdout + done.stderr
    assert "'NOPE'" in done.stderr and "roster" in done.stderr
    assert (
        sorted(p.relative_to(home) for p in home.rglob("*")) == before
    )  # no prefect/ folder, nothing written


def test_an_unknown_stage_is_a_usage_error_before_anything_starts(home, capsys, monkeypatch):
    done = _cli(capsys, monkeypatch, home, "rerun", "--member", "IT-H01", "--stage", "foo")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "foo" in done.stderr and not (home / "prefect").exists()


def test_rerun_stage_choices_are_the_flows_stages():
    from typing import get_args

    from ecocluster.flows._outcome import RERUN_STAGES
    from ecocluster.flows.cli._cycle import RerunStage

    assert get_args(RerunStage) == RERUN_STAGES


def test_blocking_checks_do_not_share_the_usage_exit_code_and_a_report_exits_0(home, capsys, monkeypatch):
    assert CheckFailed.exit_code not in (0, 1, 2)
    sub = submission()
    sub["nonconformities"] = [
        {
            "nc_id": "NC1",
            "severity": "major",
            "description": "open",
            "opened_on": "2025-02-01",
            "closed_on": None,
        }
    ]
    write_json(home.parent / "fix" / "h01.json", sub)
    assert _cli(capsys, monkeypatch, home, "ingest", str(home.parent / "fix")).returncode == 0
    assert _cli(capsys, monkeypatch, home, "check").returncode == CheckFailed.exit_code
    report = _cli(capsys, monkeypatch, home, "check", "report")
    assert report.returncode == 0 and "blocking" in report.stdout, report.stdout + report.stderr
    assert "its value in m²" in report.stdout and "m**" not in report.stdout  # units as people write them
    asked = _cli(capsys, monkeypatch, home, "check", "report", "--fail-on", "blocking")
    assert asked.returncode == CheckFailed.exit_code
    assert _cli(capsys, monkeypatch, home, "check", "report", "--format", "xml").returncode == 2


def test_the_readme_exit_code_table_is_the_codes():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Exit codes") :]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, flags=re.MULTILINE))
    assert {int(k): v for k, v in rows.items()} == EXIT_CODES
