"""The bundled sample clusters' statements as a reader gets them: Cerreto Laghi (it) and Latvian
councils (lv), after real ingestion and checks. Numbers are read back from the PDF with poppler
and compared with the warehouse, spelled by Babel directly (not by the statement's formatter)."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from ecocluster import statements
from ecocluster.core.store import open_store
from ecocluster.warehouse import connect
from ecocluster.warehouse.indicators import CORE
from tests.statements.conftest import pdf_key, pdf_text

CLUSTERS = ("IT-CERRETO", "LV-PRE", "LV-DGV")
# The Annex IV core indicators (energy by carrier is not among them: the statement shows it in its
# CO2e section, tests/statements/test_co2e_statement.py).
CORE_CODES = frozenset(i.code for i in CORE)


def _words(text: str) -> str:
    return " ".join(text.split())  # also folds the no-break spaces of Latvian thousands


@pytest.fixture(scope="module")
def drafted(bundled_sample):
    """(pdf text by member id or 'joint:<cluster>', language by the same key, warehouse values)."""
    con = connect(bundled_sample.home.warehouse_path)
    try:
        renders = [
            a
            for cluster in CLUSTERS
            for a in statements.draft(con, bundled_sample.home, cluster=cluster, workers=1).statements
        ]
        values = con.execute(
            "SELECT v.member_id, v.indicator, v.value, m.b_indicator = v.indicator, m.sector, m.cluster_id "
            "FROM current_indicator_value v JOIN member m USING (member_id) "
            "WHERE v.reporting_year = 2025 AND v.value IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    store = open_store(bundled_sample.home)
    key = {a.statement_id: a.member_id or f"joint:{a.cluster_id}" for a in renders}
    texts = {key[a.statement_id]: _words(pdf_text(store.get(pdf_key(a)))) for a in renders}
    return texts, {key[a.statement_id]: a.language for a in renders}, values


def test_member_statements_print_the_warehouse_values(drafted) -> None:
    texts, languages, values = drafted
    checked = 0
    for member, indicator, value, is_b, _sector, _cluster in values:
        if member in texts and (indicator in CORE_CODES or is_b):
            spelled = _words(format_decimal(value, format="#,##0.######", locale=languages[member]))
            assert spelled in texts[member], (member, indicator, value, spelled)
            checked += 1
    assert {languages[m] for m in texts} == {"it", "lv"} and checked > 200


def test_joint_statements_print_sector_totals(drafted) -> None:
    texts, languages, values = drafted
    totals: dict[tuple[str, str], tuple[float, int]] = {}
    for _member, indicator, value, _is_b, sector, cluster in values:
        if indicator == "water.total" and f"joint:{cluster}" in texts:
            total, n = totals.get((cluster, sector), (0.0, 0))
            totals[(cluster, sector)] = (total + value, n + 1)
    assert len(totals) >= 6
    for (cluster, _sector), (total, n) in totals.items():
        key = f"joint:{cluster}"
        spelled = _words(format_decimal(round(total), format="#,##0", locale=languages[key]))
        assert f"{spelled} ({n})" in texts[key], (cluster, total, n)


def test_codes_are_translated_and_coordinator_notes_stay_out(drafted) -> None:
    texts, _languages, _values = drafted
    italian = texts["joint:IT-CERRETO"]
    assert "distretto turistico" in italian and "albergo" in italian and "impianti di risalita" in italian
    assert "tourist district" not in italian and "ski lift" not in italian
    latvian = texts["joint:LV-DGV"]
    assert "pašvaldības" in latvian and "municipalit" not in latvian
    flagged = texts["LV-PRE-02"]  # water ×10 year on year: two warnings
    assert "Neparasta izmaiņa salīdzinājumā ar iepriekšējo gadu" in flagged
    for raw in ("plausibility.", ".json row", "bundled-sample", "check the unit"):
        assert raw not in flagged
