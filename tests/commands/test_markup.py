"""Member text never acts as terminal markup: ``[/]`` prints as ``[/]`` instead of crashing rich,
``[bold]`` and ``[signing]`` stay visible, and ANSI escapes are shown, not obeyed (issue 14, item 3)."""

from __future__ import annotations

import pytest

from ecocluster.flows.cli._context import plain
from tests.cli import run_cli
from tests.signing.test_package_attacks import HOSTILE as PACKAGE_NAMES
from tests.warehouse.builders import ROSTER, roster, submission, write_csv, write_json

HOSTILE = "[/] [bold]x [signing] \x1b[31mRED\x1b[0m"
MEMBER = "IT-H01"  # ids are letters and digits (roster schema); names, values, titles and file names are free


def _visible(text: str) -> None:
    """What every command must show of HOSTILE, and never the raw escape."""
    flat = " ".join(text.split())
    assert "[/] [bold]x [signing]" in flat, text
    assert "\x1b" not in text and "\\x1b[31mRED" in flat, text


def test_plain_leaves_markup_and_escapes_inert():
    from rich.console import Console

    console = Console(record=True, width=200, force_terminal=False)
    console.print("[bold]ok[/] " + plain(HOSTILE) + " " + plain("end with a backslash \\"))
    shown = console.export_text()
    assert shown.startswith("ok [/] [bold]x [signing] \\x1b[31mRED\\x1b[0m end with a backslash \\"), shown
    assert plain("\u202eevil") == "\\u202eevil"  # a bidi override cannot reorder the line


@pytest.fixture
def hostile_home(tmp_path, capsys, monkeypatch):
    """A warehouse whose cluster, member, file names and values all carry markup and escapes."""
    doc = roster()
    doc["cluster"] = {**ROSTER["cluster"], "name": HOSTILE}
    first = {**ROSTER["members"][0], "member_id": MEMBER, "legal_name": HOSTILE}
    doc["members"] = [first, ROSTER["members"][1]]
    write_json(tmp_path / "in" / "cluster.json", doc)
    sub = submission(member_id=MEMBER)
    sub["nonconformities"] = [
        {
            "nc_id": "NC1",
            "severity": "major",
            "description": HOSTILE,
            "opened_on": "2025-02-01",
            "closed_on": None,
        }
    ]
    write_json(tmp_path / "in" / f"{HOSTILE}.json", sub)
    home = tmp_path / "home"
    done = run_cli(capsys, monkeypatch, home, "ingest", str(tmp_path / "in"))
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def test_collect_and_check_commands_print_member_text_verbatim(hostile_home, tmp_path, capsys, monkeypatch):
    def cli(*args: str):
        return run_cli(capsys, monkeypatch, hostile_home, *args)

    bad = write_csv(
        tmp_path / f"bad {HOSTILE}.csv",
        "member_id,reporting_year,site_id,indicator,value,unit,"
        f"period_start,period_end,justification\n{MEMBER},2025,,water.total,{HOSTILE},m3,,,\n",
    )
    refused = cli("ingest", str(bad))
    assert refused.returncode == 65, refused.stdout + refused.stderr
    _visible(refused.stdout)
    for args in (("status",), ("status", "--cluster", "IT-TEST"), ("status", "--rejected")):
        shown = cli(*args)
        assert shown.returncode == 0, (args, shown.stdout + shown.stderr)
        _visible(shown.stdout)
    assert MEMBER in cli("status", "--cluster", "IT-TEST").stdout
    checked = cli("check")
    assert checked.returncode == 4, checked.stdout + checked.stderr  # the open major nonconformity blocks
    assert MEMBER in checked.stdout or "member" in checked.stdout
    report = cli("check", "report")
    assert report.returncode == 0, report.stdout + report.stderr
    _visible(report.stdout)
    assert MEMBER in report.stdout
    unknown = cli("check", "--member", HOSTILE)  # an id typed on the command line is quoted back verbatim
    assert unknown.returncode == 65
    _visible(unknown.stderr)


@pytest.mark.slow
def test_cycle_commands_print_member_text_and_a_copied_home_its_own_paths(tmp_path, capsys, monkeypatch):
    """run-cycle and rerun (through the runner) on the bundled Italian cluster with a hostile file
    name and names; then a copy of the home prints paths under the copy, not the original's (the
    Prefect result cache is keyed by the home)."""
    import json
    import shutil

    from ecocluster.core.home import Home
    from ecocluster.flows import _runner
    from ecocluster.warehouse.sample import write_bundled

    write_bundled(tmp_path / "s")
    for other in (tmp_path / "s").glob("LV-*"):
        shutil.rmtree(other)
    roster_file = tmp_path / "s" / "IT-CERRETO" / "cluster.json"
    doc = json.loads(roster_file.read_text(encoding="utf-8"))
    doc["cluster"]["name"] = HOSTILE
    for m in doc["members"]:
        if m["member_id"] == "IT-CL-CERRETO-H02":
            m["legal_name"] = HOSTILE
    write_json(roster_file, doc)
    year = tmp_path / "s" / "IT-CERRETO" / "2025"
    hostile_file = year / f"H02 {HOSTILE}.xlsx"  # the "/" of "[/]" makes a folder "H02 [" in the path
    hostile_file.parent.mkdir()
    (year / "IT-CL-CERRETO-H02.xlsx").rename(hostile_file)  # its path is named in its blocking reasons
    home = tmp_path / "home"
    assert run_cli(capsys, monkeypatch, home, "ingest", str(tmp_path / "s")).returncode in (0, 65)
    cycle = run_cli(capsys, monkeypatch, home, "run-cycle")
    assert cycle.returncode == 0, cycle.stdout + cycle.stderr
    _visible(cycle.stdout)
    assert str(home / "objects") in cycle.stdout  # drafts waiting for the verifier, by absolute path
    try:
        again = run_cli(capsys, monkeypatch, home, "rerun", "--member", "IT-CL-CERRETO-H02")
        assert again.returncode == 0, again.stdout + again.stderr
        _visible(again.stdout)
    finally:
        _runner.stop(Home.locate(home))
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    moved = run_cli(capsys, monkeypatch, copy, "run-cycle")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert str(copy / "objects") in moved.stdout and str(home) + "/" not in moved.stdout, moved.stdout


@pytest.mark.parametrize("text", PACKAGE_NAMES)
def test_untrusted_text_is_inert_for_rich(text) -> None:
    """The package names `verify` prints (tests/signing/test_package_attacks.py), one line each."""
    from rich.console import Console

    from ecocluster.flows.cli._signing import safe

    shown = safe(text)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x202E for ch in shown)
    console = Console(record=True, width=500, color_system=None)
    console.print(shown, emoji=False)  # a "[/]" would raise MarkupError
    assert console.export_text().rstrip("\n") == shown.replace("\\[", "[")
