from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date

import duckdb
import pypdf
import pytest

from ecocluster import checks, statements
from ecocluster.core.errors import ApprovalRefused
from ecocluster.core.home import Home
from ecocluster.core.store import open_store
from ecocluster.statements._i18n import Formatter
from tests.statements import warehouse_rows
from tests.statements.conftest import pdf_key, pdf_text
from tests.statements.warehouse_rows import HOSTILE, YEAR


def _by_member(run: statements.DraftRun) -> dict[str, statements.Artefacts]:
    return {a.member_id or f"joint:{a.cluster_id}": a for a in run.statements}


def _warehouse_a(con: duckdb.DuckDBPyConnection, member: str, indicator: str) -> float:
    row = con.execute(
        "SELECT sum(value) FROM current_indicator_value WHERE member_id = ? AND indicator = ? "
        "AND reporting_year = ?",
        [member, indicator, YEAR],
    ).fetchone()
    assert row is not None
    return float(row[0])


def test_pdf_numbers_are_the_warehouse_numbers_in_italian(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    run = statements.draft(cluster_con, home, cluster="CL-IT", workers=1)
    store = open_store(home)
    text = pdf_text(store.get(pdf_key(_by_member(run)["IT-HOT-1"])))
    fmt = Formatter("it")
    energy = _warehouse_a(cluster_con, "IT-HOT-1", "energy.total_direct")
    water = _warehouse_a(cluster_con, "IT-HOT-1", "water.total")
    stays = _warehouse_a(cluster_con, "IT-HOT-1", "output.overnight_stays")
    assert fmt.exact(energy) == "1.234,5" and fmt.exact(energy) in text
    assert fmt.exact(water) in text and fmt.exact(stays) in text
    assert fmt.number(energy / stays) in text  # R = A/B, to three significant digits
    assert "Dichiarazione ambientale" in text and "Pagina 1 / 3" in text
    assert "BOZZA" in text  # the DRAFT mark until validated


def test_language_on_request_changes_words_numbers_and_pdf_metadata(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    store = open_store(home)
    english = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", language="en", workers=1))
    latvian = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", language="lv", workers=1))
    en_text = pdf_text(store.get(pdf_key(english["IT-HOT-1"])))
    lv_text = pdf_text(store.get(pdf_key(latvian["IT-HOT-1"])))
    assert "1,234.5" in en_text and "Environmental statement" in en_text and "DRAFT" in en_text
    assert "1\u00a0234,5" in lv_text or "1 234,5" in lv_text
    assert "Vides pārskats" in lv_text and "Galvenie rādītāji" in lv_text
    for artefact, lang in ((english["IT-HOT-1"], "en"), (latvian["IT-HOT-1"], "lv")):
        reader = pypdf.PdfReader(store.location(pdf_key(artefact)))
        assert str(reader.root_object["/Lang"]) == lang
        assert f'<html lang="{lang}">' in store.get(artefact.html_key).decode()
    assert english["IT-HOT-1"].statement_id != latvian["IT-HOT-1"].statement_id


def test_hostile_member_text_stays_text_in_html_and_pdf(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    evil = _by_member(statements.draft(cluster_con, home, member="IT-EVIL", workers=1))["IT-EVIL"]
    store = open_store(home)
    html = store.get(evil.html_key).decode()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html  # not evaluated as a template either
    text = " ".join(pdf_text(store.get(pdf_key(evil))).split())
    # typst markup in member text is printed, not executed: no bold "owned", the brackets survive
    assert "#strong[owned] ] $x^2$ *bold*" in text
    assert json.loads(store.get(evil.json_key))["organisation"]["address"] == HOSTILE


def test_reruns_are_byte_identical_and_add_nothing(
    cluster_con: duckdb.DuckDBPyConnection, home: Home, tmp_path: object
) -> None:
    first = statements.draft(cluster_con, home, workers=1)
    again = statements.draft(cluster_con, home, workers=1)
    assert first.statements == again.statements and again.new == 0 and first.new == len(first.statements) == 6
    store = open_store(home)
    for artefact in first.statements:
        data = store.get(artefact.json_key)
        assert hashlib.sha256(data).hexdigest() == artefact.statement_id
        assert hashlib.sha256(store.get(pdf_key(artefact))).hexdigest() == artefact.pdf_sha256
    # a second, independent warehouse with the same rows gives the same bytes
    from ecocluster.warehouse.db import connect
    from tests.statements import warehouse_rows

    other_home = Home.resolve(tmp_path / "other")  # type: ignore[operator]
    other = connect(other_home.warehouse_path)
    warehouse_rows.build(other)
    elsewhere = statements.draft(other, other_home, workers=1)
    other.close()
    assert [(a.statement_id, a.pdf_key, a.html_key) for a in elsewhere.statements] == [
        (a.statement_id, a.pdf_key, a.html_key) for a in first.statements
    ]


def test_changed_data_gives_a_new_statement_that_supersedes_the_old(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    old = _by_member(statements.draft(cluster_con, home, member="IT-HOT-2", workers=1))["IT-HOT-2"]
    cluster_con.execute(
        "UPDATE indicator_value SET value = 500 WHERE member_id = 'IT-HOT-2' "
        "AND indicator = 'energy.total_direct' AND reporting_year = 2025"
    )
    new = _by_member(statements.draft(cluster_con, home, member="IT-HOT-2", workers=1))["IT-HOT-2"]
    assert new.statement_id != old.statement_id
    assert statements.show(cluster_con, new.statement_id).supersedes == old.statement_id
    with pytest.raises(statements.TransitionRefused, match="superseded by"):
        statements.submit(cluster_con, old.statement_id)


def test_validated_render_fills_the_verifier_block_and_drops_the_draft_mark(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    store = open_store(home)
    draft = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1))["IT-HOT-1"]
    block = statements.VerifierBlock("Dott.ssa Anna Verdi", "IT-V-0042", date(2026, 3, 2))
    with pytest.raises(statements.TransitionRefused, match="is draft"):
        statements.render_validated(cluster_con, store, draft.statement_id, block)
    statements.submit(cluster_con, draft.statement_id)
    final = statements.render_validated(cluster_con, store, draft.statement_id, block)
    assert (final.version, final.status, final.statement_id) == (2, "validated", draft.statement_id)
    assert final.pdf_key != draft.pdf_key and store.exists(pdf_key(draft))  # the draft stays as history
    text = pdf_text(store.get(pdf_key(final)))
    assert (
        "BOZZA" not in text
        and "Dott.ssa Anna Verdi" in text
        and "IT-V-0042" in text
        and "2 marzo 2026" in text
    )
    metadata = pypdf.PdfReader(store.location(pdf_key(final))).metadata
    assert metadata is not None and metadata.creation_date is not None
    assert metadata.creation_date.date() == date(2026, 3, 2)
    assert statements.render_validated(cluster_con, store, draft.statement_id, block) == final  # idempotent
    with pytest.raises(statements.TransitionRefused, match="already validated"):
        statements.render_validated(
            cluster_con,
            store,
            draft.statement_id,
            statements.VerifierBlock("Someone Else", "X-1", date(2026, 3, 3)),
        )


def test_a_tampered_statement_json_is_not_validated(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    draft = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1))["IT-HOT-1"]
    statements.submit(cluster_con, draft.statement_id)
    store = open_store(home)
    path = store.location(draft.json_key)
    with open(path, "r+b") as f:  # failure injection: the local store cannot be altered through its API
        data = f.read()
        f.seek(0)
        f.write(data.replace(b"1234.5", b"1034.5"))
    with pytest.raises(ApprovalRefused, match="altered"):
        statements.render_validated(
            cluster_con, store, draft.statement_id, statements.VerifierBlock("A", "B", date(2026, 1, 1))
        )


def test_rejection_only_after_submission(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> None:
    draft = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1))["IT-HOT-1"]
    with pytest.raises(statements.TransitionRefused):
        statements.reject(cluster_con, draft.statement_id)
    statements.submit(cluster_con, draft.statement_id)
    assert statements.reject(cluster_con, draft.statement_id[:12]).status == "rejected"


def test_unknown_language_and_empty_selection_are_explained(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    with pytest.raises(statements.UnsupportedLanguage, match="en, it, lv"):
        statements.draft(cluster_con, home, member="IT-HOT-1", language="de", workers=1)
    with pytest.raises(statements.NothingToDraft, match="no cycle"):
        statements.draft(cluster_con, home, member="IT-HOT-1", year=2019, workers=1)


def test_parallel_drafting_equals_serial(
    cluster_con: duckdb.DuckDBPyConnection, home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecocluster.statements import _drafting

    serial = statements.draft(cluster_con, home, workers=1)
    monkeypatch.setattr(_drafting, "CHUNK", 1)  # force several chunks onto two real worker processes
    seen: list[tuple[int, int]] = []
    parallel = statements.draft(cluster_con, home, workers=2, progress=lambda n, t: seen.append((n, t)))
    assert parallel.statements == serial.statements
    assert seen[-1] == (6, 6) and len(seen) > 2


def test_statement_ids_appear_in_the_pdf(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> None:
    run = statements.draft(cluster_con, home, cluster="CL-LV", workers=1)
    text = pdf_text(open_store(home).get(pdf_key(_by_member(run)["LV-NOV-1"])))
    assert re.search(_by_member(run)["LV-NOV-1"].statement_id, " ".join(text.split()).replace(" ", ""))


def test_a_statement_naming_its_checks_by_rule_still_renders_as_it_was_signed(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    """Statements drafted before findings were worded for the reader name the rule: their packages
    are verified by rebuilding the validated PDF from that JSON, so it must still validate and
    render the same title."""
    from ecocluster.statements._publish import render_statement

    _add_check_results(cluster_con)
    run = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1, pdf=False))
    doc = json.loads(open_store(home).get(run["IT-HOT-1"].json_key))
    [finding] = doc["compliance"]["checks"]["findings"]
    doc["compliance"]["checks"]["findings"] = [
        {
            "suite": "plausibility",
            "rule": "plausibility.yoy_jump",
            "severity": "warning",
            "indicator": finding["indicator"],
        }
    ]
    old = render_statement(doc, pdf=False)
    assert finding["finding"] in html.unescape(old.html.decode())
    doc["compliance"]["checks"]["findings"] = [{**finding, "rule": "plausibility.yoy_jump"}]
    with pytest.raises(statements.StatementInvalid):  # a new finding never carries the code beside it
        render_statement(doc, pdf=False)


def _add_check_results(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO check_member VALUES (2025, 'IT-HOT-1', 'run-1'), (2025, 'IT-HOT-2', 'run-1')")
    con.execute("""INSERT INTO check_result (run_id, reporting_year, member_id, suite, expectation, severity,
                   indicator, observed, expected, explanation) VALUES
        ('run-1', 2025, 'IT-HOT-1', 'plausibility', 'plausibility.yoy_jump', 'warning', 'energy.total_direct',
         '1234.5', '<= 3 x 790.25', 'energy rose 56 % on 2024; confirm the meter reading')""")


def test_check_results_become_the_compliance_summary(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    _add_check_results(cluster_con)
    run = _by_member(statements.draft(cluster_con, home, cluster="CL-IT", workers=1))
    store = open_store(home)
    data = store.get(run["IT-HOT-1"].json_key).decode()
    hot1 = json.loads(data)["compliance"]["checks"]
    assert (hot1["blocking"], hot1["warnings"]) == (0, 1)
    # named for the reader, in the statement's language; no rule or suite code reaches the JSON
    assert hot1["findings"] == [
        {
            "finding": "Variazione insolita rispetto all'anno precedente",
            "severity": "warning",
            "indicator": "energy.total_direct",
        }
    ]
    assert not [r.name for r in checks.all_rules(checks.CheckConfig()) if r.name in data]
    text = " ".join(pdf_text(store.get(pdf_key(run["IT-HOT-1"]))).split())
    assert "Variazione insolita rispetto all'anno precedente" in text and "Avvertenze: 1" in text
    clean = " ".join(pdf_text(store.get(pdf_key(run["IT-HOT-2"]))).split())
    assert "Nessun rilievo" in clean
    unchecked = " ".join(pdf_text(store.get(pdf_key(run["IT-EVIL"]))).split())
    assert "non sono ancora stati eseguiti" in unchecked


def test_statements_work_without_the_checks_stage(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> None:
    cluster_con.execute(
        "DROP VIEW IF EXISTS check_verdict"
    )  # a warehouse where the checks were never installed
    run = _by_member(statements.draft(cluster_con, home, member="IT-HOT-1", workers=1))
    doc = json.loads(open_store(home).get(run["IT-HOT-1"].json_key))
    assert doc["compliance"]["checks"] is None


def _third_hotel(con: duckdb.DuckDBPyConnection) -> None:
    """IT-HOT-3: a copy of IT-HOT-2 with its own 2025 figures, so that the hotels are three; both
    agreed to be published (IT-HOT-1 is registered)."""
    con.execute(
        "INSERT INTO member SELECT 'IT-HOT-3', * EXCLUDE (member_id) FROM member WHERE member_id = 'IT-HOT-2'"
    )
    con.execute("INSERT INTO member_consent VALUES ('IT-HOT-2', true, 'r'), ('IT-HOT-3', true, 'r')")
    warehouse_rows._insert(
        con,
        "indicator_value",
        "IT-HOT-3",
        2025,
        "indicators",
        [
            warehouse_rows._indicator("energy.total_direct", 500.0, "MWh"),
            warehouse_rows._indicator("output.overnight_stays", 10000.0, "overnight_stay"),
        ],
    )


def test_joint_statement_benchmarks_members_against_the_sector_median(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    _third_hotel(cluster_con)
    run = _by_member(statements.draft(cluster_con, home, cluster="CL-IT", workers=1))
    store = open_store(home)
    doc = json.loads(store.get(run["joint:CL-IT"].json_key))
    expected = cluster_con.execute("""
        SELECT median(e.value / b.value) FROM current_indicator_value e
        JOIN current_indicator_value b ON b.member_id = e.member_id AND b.reporting_year = e.reporting_year
         AND b.indicator = 'output.overnight_stays'
        WHERE e.indicator = 'energy.total_direct' AND e.reporting_year = 2025""").fetchone()
    assert expected is not None
    hotel = [
        b for b in doc["peer_benchmark"] if b["sector"] == "hotel" and b["indicator"] == "energy.total_direct"
    ]
    assert len(hotel) == 3 and all(b["median_r"] == pytest.approx(expected[0], rel=1e-9) for b in hotel)
    assert {b["sector"] for b in doc["peer_benchmark"]} == {"hotel"}  # the lone restaurant is not compared
    totals = {(t["sector"], t["indicator"]): t["value"] for t in doc["sector_totals"]}
    assert totals[("hotel", "energy.total_direct")] == pytest.approx(1234.5 + 395.75 + 500.0)
    text = " ".join(pdf_text(store.get(pdf_key(run["joint:CL-IT"]))).split())
    assert "Dichiarazione ambientale congiunta del distretto" in text
    assert "Ridurre i consumi energetici del 10%" in text and "2.130 (3)" in text  # sector total (members)


def test_no_peer_statistic_is_published_over_fewer_than_three_members(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    """Disclosure control (issue 19): with two hotels, the median is their mean and each could work
    out the other's energy per overnight stay; the published JSON carries no peer row at all."""
    run = _by_member(statements.draft(cluster_con, home, cluster="CL-IT", workers=1, pdf=False))
    doc = json.loads(open_store(home).get(run["joint:CL-IT"].json_key))
    assert doc["peer_benchmark"] == []


def test_an_unregistered_member_without_consent_shows_no_figure(
    cluster_con: duckdb.DuckDBPyConnection, home: Home
) -> None:
    """Disclosure control (issue 19): IT-HOT-2 is not registered and withdrew its `publish`
    consent. It still counts in the hotels' median and total (three members), but has no row of
    its own; the lone restaurant (not registered, no consent) has no sector total either."""
    _third_hotel(cluster_con)
    cluster_con.execute("UPDATE member_consent SET publish = false WHERE member_id = 'IT-HOT-2'")
    run = _by_member(statements.draft(cluster_con, home, cluster="CL-IT", workers=1, pdf=False))
    doc = json.loads(open_store(home).get(run["joint:CL-IT"].json_key))
    shown = {b["member_id"] for b in doc["peer_benchmark"]}
    assert shown == {"IT-HOT-1", "IT-HOT-3"} and all(b["peers"] == 3 for b in doc["peer_benchmark"])
    assert {t["sector"] for t in doc["sector_totals"]} == {"hotel"}
    cluster_con.execute("INSERT INTO member_consent VALUES ('IT-EVIL', true, 'r')")
    run = _by_member(statements.draft(cluster_con, home, cluster="CL-IT", workers=1, pdf=False))
    doc = json.loads(open_store(home).get(run["joint:CL-IT"].json_key))
    assert {t["sector"] for t in doc["sector_totals"]} == {"hotel", "restaurant"}


def test_documents_match_the_published_schema(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> None:
    run = statements.draft(cluster_con, home, workers=1)
    store = open_store(home)
    for artefact in run.statements:
        data = store.get(artefact.json_key)
        doc = json.loads(data)
        statements.validate(doc)
        assert statements.canonical_bytes(doc) == data  # canonical form is a fixed point
        land = [i for i in doc.get("indicators", []) if i["group"] == "land"]
        assert all("VSME B5" in i["esrs"] for i in land)
    broken = json.loads(store.get(run.statements[-1].json_key))
    broken["indicators"][0]["status"] = "guessed"
    with pytest.raises(statements.StatementInvalid, match="indicators/0/status"):
        statements.validate(broken)
