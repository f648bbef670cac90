"""The collect-stage commands as a coordinator runs them: real entry point, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli import run_cli
from tests.warehouse.builders import roster, submission, write_csv, write_json


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    return lambda *args: run_cli(capsys, monkeypatch, tmp_path / "home", *args)


def test_ingest_status_and_a_malformed_file(cli, tmp_path):
    write_json(tmp_path / "in" / "cluster.json", roster())
    write_json(tmp_path / "in" / "h01.json", submission())
    good = cli("ingest", str(tmp_path / "in"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ingested" in good.stdout

    bad = write_csv(
        tmp_path / "bad.csv",
        "member_id,reporting_year,site_id,indicator,value,unit,period_start,"
        "period_end,justification\nIT-H02,2025,,water.total,a lot,m3,,,\n",
    )
    refused = cli("ingest", str(bad))
    assert refused.returncode == 65
    assert f"{bad}, row 2, column value: is not a number" in refused.stdout
    assert "nothing of it was stored" in refused.stdout

    shown = cli("status")
    assert shown.returncode == 0 and "IT-TEST" in shown.stdout
    per_member = cli("status", "--cluster", "IT-TEST", "--rejected")
    assert "IT-H01" in per_member.stdout and "submitted" in per_member.stdout
    assert "is not a number" in per_member.stdout


def test_every_command_has_help(cli):
    from ecocluster.flows.cli import app

    listing = cli("--help")
    assert listing.returncode == 0
    commands = [c.name or getattr(c.callback, "__name__", None) for c in app.registered_commands]
    assert {"ingest", "status", "sample", "template"} <= set(commands)
    for command in commands + [g.name for g in app.registered_groups]:
        shown = cli(command, "--help")
        assert shown.returncode == 0 and "Usage" in shown.stdout, command


def test_the_installed_entry_point_exits_with_the_rejection_code(tmp_path):
    bad = write_csv(tmp_path / "bad.csv", "no,such,section\n1,2,3\n")
    done = subprocess.run(
        [sys.executable, "-c", "from ecocluster.flows.cli import main; main()", "ingest", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ECOCLUSTER_HOME": str(tmp_path / "h")},
        timeout=120,
    )
    assert done.returncode == 65, done.stderr
    assert "does not match any section" in done.stdout


def test_a_warehouse_short_of_memory_says_which_setting_to_raise(cli, tmp_path, monkeypatch):
    write_json(tmp_path / "in" / "cluster.json", roster())
    write_json(tmp_path / "in" / "h01.json", submission())
    monkeypatch.setenv("ECOCLUSTER_MEMORY_LIMIT", "1MB")
    short = cli("ingest", str(tmp_path / "in"))
    assert short.returncode == 78, short.stdout + short.stderr
    message = " ".join(short.stderr.split())
    assert "memory_limit" in message and "[warehouse]" in message and "ECOCLUSTER_MEMORY_LIMIT" in message
    monkeypatch.delenv("ECOCLUSTER_MEMORY_LIMIT")
    assert cli("ingest", str(tmp_path / "in")).returncode == 0  # the rerun with room goes through


# What a member or coordinator reads, per language: a file refused whole (empty, unsupported, a CSV
# whose structure is broken, a path that is not there), a roster refused by its validation, and the
# words that say where an error is (row, column, value, sheet, key). They were English whatever
# --lang asked for.
WORDED = {
    "it": (
        "il file è vuoto",
        "tipo di file '.pdf' non supportato",
        "file o cartella inesistente",
        "la struttura del CSV è danneggiata",
        "riga 2, colonna value: non è un numero",
        "(valore 'a lot')",
        "chiave members, riga 1, colonna country: deve essere un "
        "codice paese di due lettere (valore 'Italy')",
    ),
    "lv": (
        "fails ir tukšs",
        "neatbalstīts faila tips '.pdf'",
        "šāda faila vai mapes nav",
        "CSV struktūra ir bojāta",
        "rinda 2, kolonna value: nav skaitlis",
        "(vērtība 'a lot')",
        "atslēga members, rinda 1, kolonna country: jābūt divu burtu valsts kodam (vērtība 'Italy')",
    ),
}
_HEADER = "member_id,reporting_year,site_id,indicator,value,unit,period_start,period_end,justification\n"


@pytest.mark.parametrize("lang", sorted(WORDED))
def test_file_level_roster_and_location_words_follow_the_language_asked_for(cli, tmp_path, lang):
    write_json(tmp_path / "in" / "cluster.json", roster())
    assert cli("ingest", str(tmp_path / "in")).returncode == 0
    bad_roster = roster()
    bad_roster["cluster"] = dict(bad_roster["cluster"], cluster_id="IT-OTHER")
    bad_roster["members"] = [dict(bad_roster["members"][0], member_id="IT-X1", country="Italy")]
    files = tmp_path / "files"
    write_json(files / "r" / "cluster.json", bad_roster)
    write_csv(files / "empty.csv", "")
    pdf = write_csv(tmp_path / "notes.pdf", "%PDF-1.7")
    write_csv(files / "quote.csv", _HEADER + 'IT-H01,2025,,water.total,"1,m3,,,\n')
    write_csv(files / "value.csv", _HEADER + "IT-H01,2025,,water.total,a lot,m3,,,\n")
    refused = cli("ingest", "--lang", lang, str(files), str(pdf), str(tmp_path / "nowhere"))
    assert refused.returncode == 65, refused.stdout + refused.stderr
    text = " ".join(refused.stdout.split())
    missing = [w for w in WORDED[lang] if w not in text]
    assert not missing, text
    assert "is empty" not in text and "row 2" not in text and "column" not in text.replace("colonna", "")
    listed = " ".join(cli("status", "--rejected").stdout.split())  # as recorded, in the same language
    assert WORDED[lang][4] in listed and WORDED[lang][-1] in listed, listed
