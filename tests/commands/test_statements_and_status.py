"""Honest output of `status`, `statement list/show`, `approve`, `serve` and the help texts (issue 14)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.signing.rows import drafted_member
from tests.warehouse.builders import roster, submission, write_csv, write_json

ENV = {
    "ECOCLUSTER_CA_PASSWORD": "ca-password-12",
    "ECOCLUSTER_KEY_PASSWORD": "key-password-12",
    "ECOCLUSTER_CB_PASSWORD": "cb-password-12",
}
BAD_CSV = (
    "member_id,reporting_year,site_id,indicator,value,unit,period_start,period_end,justification\n"
    "IT-H01,2025,,water.total,a lot,m3,,,\n"
)


def _cells(table: str, key: str) -> list[str]:
    """The cells of the table row that starts with ``key``."""
    line = next(line for line in table.splitlines() if line.strip().startswith(key))
    return [cell.strip() for cell in line.replace("┃", "│").split("│")]


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    return lambda *args: run_cli(capsys, monkeypatch, tmp_path / "home", *args)


def test_status_before_any_submission_lists_the_roster_as_missing(cli, tmp_path):
    write_json(tmp_path / "in" / "cluster.json", roster())
    assert cli("ingest", str(tmp_path / "in")).returncode == 0
    clusters = cli("status")
    assert clusters.returncode == 0, clusters.stdout + clusters.stderr
    assert "reporting year 2025" in clusters.stdout
    assert _cells(clusters.stdout, "IT-TEST")[2:] == [
        "2",
        "0",
        "0",
        "2",
        "0",
    ]  # members, submitted, partial, missing
    members = cli("status", "--cluster", "IT-TEST")
    h01 = _cells(members.stdout, "IT-H01")
    assert h01[2] == "missing" and h01[4].startswith("profile, indicators"), h01  # required sections first


def test_status_clears_a_refused_file_once_a_later_file_resolves_it(cli, tmp_path):
    write_json(tmp_path / "in" / "cluster.json", roster())
    assert cli("ingest", str(tmp_path / "in")).returncode == 0
    bad = write_csv(tmp_path / "bad.csv", BAD_CSV)
    assert cli("ingest", str(bad)).returncode == 65
    listed = cli("status", "--rejected", "--cluster", "IT-TEST")
    assert "bad.csv" in listed.stdout and "is not a number" in listed.stdout
    assert re.search(r"rejected \d{4}-\d\d-\d\d \d\d:\d\d \S+:", listed.stdout), (
        listed.stdout
    )  # with its zone
    write_json(tmp_path / "fix" / "h01.json", submission())
    assert cli("ingest", str(tmp_path / "fix")).returncode == 0
    after = cli("status", "--rejected", "--cluster", "IT-TEST")
    assert "bad.csv" not in after.stdout, after.stdout
    h01 = _cells(after.stdout, "IT-H01")
    assert h01[-1] == "0" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", h01[-2]), (
        h01
    )  # no open refusal; zone


def test_refused_files_are_counted_and_listed_per_year(cli, tmp_path):
    """`rejected_file` had no year: a 2024 refusal counted and listed under 2025. Files refused
    before the year was recorded (NULL) show as "year unknown" and count in every year."""
    from ecocluster.warehouse.db import connect

    write_json(tmp_path / "in" / "cluster.json", roster())
    assert cli("ingest", str(tmp_path / "in")).returncode == 0
    assert cli("ingest", str(write_csv(tmp_path / "bad2025.csv", BAD_CSV))).returncode == 65
    assert (
        cli(
            "ingest", str(write_csv(tmp_path / "bad2024.csv", BAD_CSV.replace(",2025,", ",2024,")))
        ).returncode
        == 65
    )
    assert (
        cli("ingest", str(write_csv(tmp_path / "old.csv", BAD_CSV.replace("a lot", "lots")))).returncode == 65
    )
    con = connect(tmp_path / "home" / "warehouse.duckdb")
    try:
        assert dict(con.execute("SELECT filename, reporting_year FROM rejected_file").fetchall()) == {
            str(tmp_path / "bad2025.csv"): 2025,
            str(tmp_path / "bad2024.csv"): 2024,
            str(tmp_path / "old.csv"): 2025,
        }
        con.execute(
            "UPDATE rejected_file SET reporting_year = NULL WHERE filename LIKE '%old.csv'"
        )  # before 017
    finally:
        con.close()
    of_2024 = cli("status", "--rejected", "--cluster", "IT-TEST", "--year", "2024")
    assert of_2024.returncode == 0, of_2024.stdout + of_2024.stderr
    assert "bad2024.csv (2024) rejected" in of_2024.stdout and "bad2025.csv" not in of_2024.stdout, (
        of_2024.stdout
    )
    assert "old.csv (year unknown) rejected" in of_2024.stdout
    assert _cells(of_2024.stdout, "IT-H01")[-1] == "2"  # 2024's and the one of unknown year
    every = cli("status", "--rejected", "--cluster", "IT-TEST")
    assert all(
        f"{name} rejected" in every.stdout
        for name in ("bad2025.csv (2025)", "bad2024.csv (2024)", "old.csv (year unknown)")
    ), every.stdout
    clusters = cli("status", "--year", "2025")
    assert _cells(clusters.stdout, "IT-TEST")[-1] == "2", clusters.stdout


def test_statement_list_show_and_approve_by_prefix_with_any_key_paths(
    con, home, tmp_path, capsys, monkeypatch
):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    sid = drafted_member(con, home)
    con.close()

    def cli(*args: str):
        return run_cli(capsys, monkeypatch, home.root, *args)

    listed = cli("statement", "list", "--member", "IT-HOT-1", "--year", "2025")
    assert listed.returncode == 0 and sid[:16] in listed.stdout and "draft" in listed.stdout, listed.stdout
    assert cli("statement", "list", "--member", "NOPE").returncode == 65
    assert cli("pki", "init", "--name", "TEST Accreditation Body").returncode == 0
    issued = tmp_path / "issued"
    assert (
        cli(
            "pki",
            "issue-verifier",
            "--name",
            "Giulia Verdi",
            "--accreditation-no",
            "IT-V-0007",
            "--nace",
            "55.10,84.11",
            "--out",
            str(issued),
        ).returncode
        == 0
    )
    mine = tmp_path / "elsewhere"
    mine.mkdir()
    shutil.copy(issued / "key.pem", mine / "giulia-private.pem")
    shutil.copy(issued / "cert.pem", mine / "giulia.crt")
    keys = ("--key", str(mine / "giulia-private.pem"), "--cert", str(mine / "giulia.crt"))
    rejected = cli(
        "approve", "--statement", sid[:12], *keys, "--reject", "--reason", "water [/] figure unclear"
    )
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    approved = cli("approve", "--statement", sid[:12], *keys)
    assert approved.returncode == 0 and "approved: member IT-HOT-1" in approved.stdout, (
        approved.stdout + approved.stderr
    )
    shown = cli("statement", "show", sid[:12])
    text = " ".join(shown.stdout.split())
    assert re.search(
        r"rejected by Giulia Verdi \(IT-V-0007\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC: water \[/\] figure "
        "unclear",
        text,
    ), text
    assert "approved by Giulia Verdi (IT-V-0007)" in text and re.search(
        r"drafted \d{4}-\d\d-\d\d \d\d:\d\d \S+", text
    )


def test_draft_member_alone_drafts_the_joint_statement_that_sums_its_figures(con, home, capsys, monkeypatch):
    """`draft --member` after a correction used to leave the cluster's joint statement with the old
    figures and nothing saying it was out of date: it is drafted again (in the cluster's language)."""
    from ecocluster import statements
    from tests.statements import warehouse_rows

    warehouse_rows.build(con)
    [old] = [
        a
        for a in statements.draft(con, home, cluster="CL-IT", workers=1, pdf=False).statements
        if a.subject == "cluster"
    ]
    con.execute(
        "UPDATE indicator_value SET value = value * 2 WHERE member_id = 'IT-HOT-2' "
        "AND indicator = 'water.total' AND reporting_year = 2025"
    )
    con.close()
    drafted = run_cli(
        capsys, monkeypatch, home.root, "draft", "--member", "IT-HOT-2", "--lang", "en", "--no-pdf"
    )
    assert drafted.returncode == 0, drafted.stdout + drafted.stderr
    assert "CL-IT (joint): drafted again with IT-HOT-2" in " ".join(drafted.stdout.split())
    from ecocluster.warehouse.db import connect

    again = connect(home.warehouse_path, read_only=True)
    try:
        newer = statements.superseded_by(again, old.statement_id)
        assert newer is not None, "the joint statement still shows IT-HOT-2's old water figure"
        joint = statements.show(again, newer)
        assert (joint.subject, joint.cluster_id, joint.language) == ("cluster", "CL-IT", old.language)
    finally:
        again.close()


def test_serve_without_a_server_refuses(cli, tmp_path, monkeypatch):
    write_json(tmp_path / "in" / "cluster.json", roster())
    assert cli("ingest", str(tmp_path / "in")).returncode == 0
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    refused = cli("serve")
    assert refused.returncode == 78, refused.stdout + refused.stderr
    assert "infra/prefect-server.sh start" in refused.stderr


def test_a_rerun_publishes_its_own_artifact_key():
    from ecocluster.flows._summary import CycleSummary

    summary = CycleSummary("annual", 2025, (), ())
    assert summary.artifact_key() == "annual-cycle-2025"
    assert summary.artifact_key(["IT-CL-CERRETO-H02"]) == "rerun-2025-it-cl-cerreto-h02"


def test_every_command_option_and_argument_has_help():
    from typer.main import get_command

    from ecocluster.flows.cli import app

    missing = []

    def walk(command, path: str) -> None:
        if not (command.help or "").strip():
            missing.append(path)
        for param in command.params:
            if not (getattr(param, "help", None) or "").strip() and param.name != "help":
                missing.append(f"{path} {param.name}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(get_command(app), "ecocluster")
    assert not missing, missing


def test_help_shows_every_word_of_every_help_text():
    """No help text loses a word on its way to the terminal: ``[signing]`` in the --tsa text is a section
    name (rich markup took it for a style tag and dropped it). Each command's --help is compared with
    its own and its options' texts, whitespace aside (the help is wrapped, long words at hyphens)."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from ecocluster.flows.cli import app

    runner = CliRunner()
    lost: dict[str, list[str]] = {}
    bracketed = 0

    def walk(command, path: list[str]) -> None:
        nonlocal bracketed
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
        assert shown.exit_code == 0, (path, shown.output)
        flat = "".join(shown.output.split())
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        words = [w for text in texts for w in text.split()]
        bracketed += sum(w.startswith("[") and w.endswith("]") for w in words)
        if missing := [w for w in words if w not in flat]:
            lost[" ".join(path)] = missing
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), [])
    assert not lost, lost
    assert bracketed, "no help text names a [section]: the check would not see one vanish"


def test_every_command_is_a_module_level_function():
    """The house rule for the CLI: commands are module-level functions on per-module Typers, not closures
    made by a factory (``<locals>`` in their qualified name)."""
    from typer.main import get_command

    from ecocluster.flows.cli import app

    found = {}

    def walk(command, path: str) -> None:
        if command.callback is not None and path != "ecocluster":
            found[path] = command.callback.__qualname__
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(get_command(app), "ecocluster")
    assert len(found) > 40 and "ecocluster finding accept" in found, sorted(found)
    made = {path: name for path, name in found.items() if "<locals>" in name}
    assert not made, made


def test_the_demo_names_the_key_password_and_how_to_approve(tmp_path: Path) -> None:
    """The demo's closing text, from a summary with a member waiting for its verifier."""
    from ecocluster.flows._summary import CycleSummary, MemberOutcome, MemberState
    from ecocluster.flows.cli import _cycle
    from ecocluster.flows.cli._context import console

    summary = CycleSummary(
        "annual", 2025, (MemberOutcome("LV-M1", "LV-C", "update", "verify", MemberState.WAITING),), ()
    )
    ingested = type(
        "Ingested",
        (),
        {"sample": tmp_path, "collect": type("C", (), {"notes": ()})(), "rejections": (), "unintended": ()},
    )()
    tour = type(
        "Tour",
        (),
        {
            "ingested": ingested,
            "summary": summary,
            "signed": (),
            "datadocs": None,
            "showcase": None,
            "bodies": (),
        },
    )()
    from ecocluster.core.home import Home

    with console.capture() as captured:
        _cycle._print_tour(tour, Home(tmp_path / "h"))
    from ecocluster.signing import DEMO_PASSWORD

    text = " ".join(captured.get().split())
    password = DEMO_PASSWORD.decode()
    assert f"key password: {password}" in text
    assert re.search(
        rf"ECOCLUSTER_KEY_PASSWORD={password} \S+ --home \S+ approve "
        r"--statement ID --key \S+/DEMO-V-0001/key.pem "
        r"--cert \S+/DEMO-V-0001/cert.pem",
        text,
    ), text
    assert "statement list --member LV-M1" in text
