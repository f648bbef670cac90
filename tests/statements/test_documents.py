"""What a reader of a published statement sees (issue 14, "Documents"): pages that keep together
what belongs together, values with their units, charts and peer tables that cannot be misread,
a visible signature block, and DEMO written on what a DEMO verifier signed."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pytest

from ecocluster import statements
from ecocluster.core.home import Home
from ecocluster.core.store import open_store
from ecocluster.statements._publish import render_statement
from ecocluster.statements._view import build_view

SIGNED = datetime(2026, 3, 2, 9, 41, 7, tzinfo=UTC)
REAL = statements.VerifierBlock(
    "Dott.ssa Anna Verdi", "IT-V-0042", date(2026, 3, 2), signed_at=SIGNED, place="Bologna"
)
DEMO = statements.VerifierBlock(
    "DEMO Verifier", "DEMO-V-0001", date(2026, 3, 2), signed_at=SIGNED, place="DEMO", demo=True
)


def _pages(pdf: bytes) -> list[str]:
    """The text of each page as poppler reads it (an independent reader)."""
    done = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8").split("\f")


@pytest.fixture
def documents(cluster_con: duckdb.DuckDBPyConnection, home: Home) -> dict[str, dict[str, Any]]:
    run = statements.draft(cluster_con, home, workers=1, pdf=False)
    store = open_store(home)
    return {a.member_id or f"joint:{a.cluster_id}": json.loads(store.get(a.json_key)) for a in run.statements}


def test_the_validated_pdf_shows_who_signed_where_and_when(documents: dict[str, dict[str, Any]]) -> None:
    text = "".join(_pages(render_statement(documents["IT-HOT-1"], REAL).pdf or b""))
    assert "Firma elettronica" in text and "Firmato da Dott.ssa Anna Verdi (IT-V-0042)" in text
    assert "Luogo Bologna" in text and "Ora della firma 2 marzo 2026, 09:41:07 UTC" in text
    assert "DEMO" not in text


def test_a_demo_validation_says_demo_on_every_page(documents: dict[str, dict[str, Any]]) -> None:
    pages = [p for p in _pages(render_statement(documents["IT-HOT-1"], DEMO).pdf or b"") if p.strip()]
    assert len(pages) > 1 and all("DEMO" in p for p in pages)
    assert "Non valida per la registrazione EMAS" in "".join(pages)
    html = render_statement(documents["IT-HOT-1"], DEMO).html.decode()
    assert "Non valida per la registrazione EMAS" in html and "Firma elettronica" in html


@pytest.mark.parametrize("padding", range(0, 24, 3))
def test_the_verifier_heading_table_and_signature_stay_on_one_page(
    documents: dict[str, dict[str, Any]], padding: int
) -> None:
    """Legal requirements push the verifier's section down the page step by step; wherever the
    page ends, the heading, the table and the signature block are printed on the same page."""
    doc = json.loads(json.dumps(documents["IT-HOT-1"]))
    extra = doc["legal_requirements"][-1]
    doc["legal_requirements"] += [
        dict(extra, obligation_id=f"X{n:02d}", title=f"Norma {n}") for n in range(padding)
    ]
    pages = _pages(render_statement(doc, REAL).pdf or b"")
    [page] = [
        p for p in pages if "Verificatore ambientale" in p and "Il verificatore ambientale indicato" in p
    ]
    assert "Data di convalida" in page and "Ora della firma" in page


@pytest.mark.parametrize("padding", range(0, 40, 4))
def test_a_table_row_is_never_split_across_pages(documents: dict[str, dict[str, Any]], padding: int) -> None:
    doc = json.loads(json.dumps(documents["IT-HOT-1"]))
    long = " ".join(["ROWSTART"] + ["azione correttiva lunga"] * 40 + ["ROWEND"])
    nc = doc["compliance"]["nonconformities"][0]
    doc["compliance"]["nonconformities"] = [
        dict(nc, nc_id=f"NC-{n:02d}", corrective_action=long if n == padding else "Fatto")
        for n in range(padding + 1)
    ]
    pages = _pages(render_statement(doc).pdf or b"")
    [page] = [p for p in pages if "ROWSTART" in p]
    assert "ROWEND" in page


def test_objective_values_show_their_unit(documents: dict[str, dict[str, Any]]) -> None:
    view = build_view(documents["IT-HOT-1"], "0" * 64)
    [row] = view["objectives"]
    baseline, target, current = row[2], row[3], row[5]
    assert all(v.endswith(" MWh") for v in (baseline, target, current)), row


def test_chart_labels_keep_the_digits_that_tell_years_apart(documents: dict[str, dict[str, Any]]) -> None:
    doc = json.loads(json.dumps(documents["IT-HOT-1"]))
    [water] = [i for i in doc["indicators"] if i["code"] == "water.total"]
    for value, a in zip(water["values"], (73.41, 73.38, 73.4), strict=False):
        value.update(a=a, r=a)
    chart = next(c for c in build_view(doc, "0" * 64)["charts"] if "idrico" in c)
    assert ">73,41<" in chart and ">73,38<" in chart and ">73,4<" in chart


def test_the_peer_table_never_compares_a_lone_member_with_itself(
    documents: dict[str, dict[str, Any]],
) -> None:
    """Nor a member with one other (the median of two discloses the other's figure): the view
    shows only sectors of three or more, even from a document that lists smaller ones."""
    doc = json.loads(json.dumps(documents["joint:CL-IT"]))
    assert doc["peer_benchmark"] == []  # two hotels and a restaurant: no sector of three
    first = {
        "member_id": "IT-HOT-1",
        "sector": "hotel",
        "b_indicator": "output.overnight_stays",
        "indicator": "energy.total_direct",
        "r_unit": "MWh/overnight_stay",
    }
    lone = dict(first, member_id="IT-EVIL", sector="restaurant", peers=1, r=3.2, median_r=3.2, ratio=1.0)
    two = dict(first, member_id="IT-HOT-2", r=1.2, median_r=1.1, ratio=1.09, peers=2)
    pair = dict(first, r=1.548, median_r=1.0, ratio=1.548, peers=3)
    doc["peer_benchmark"] = [lone, two, pair]
    rows = build_view(doc, "0" * 64)["benchmark"]
    assert [r[0] for r in rows] == [
        next(m["legal_name"] for m in doc["members"] if m["member_id"] == pair["member_id"])
    ]
    [row] = rows
    assert row[4] == "×1,55" and row[5] == "3"
    assert row[2].split(" ", 1)[1] == row[3].split(" ", 1)[1] != ""  # R and the median in the same unit
    doc["peer_benchmark"] = [lone]
    text = " ".join("".join(_pages(render_statement(doc).pdf or b"")).split())
    assert "Nessun settore ha tre o più membri" in text


def test_published_statements_carry_no_internal_check_wording(documents: dict[str, dict[str, Any]]) -> None:
    for doc in documents.values():
        rendered = render_statement(doc, REAL)
        for text in ("".join(_pages(rendered.pdf or b"")), rendered.html.decode()):
            for internal in (
                "plausibility.",
                "compliance.",
                "data_quality.",
                "completeness.",
                "SELECT",
                " IS NULL",
            ):
                assert internal not in text, internal


def test_units_in_the_json_are_written_as_people_write_them(documents: dict[str, dict[str, Any]]) -> None:
    """m³ and m², not pint's m**3: the JSON is what a verifier signs and an ESRS reader reads."""
    hotel = documents["IT-HOT-1"]
    water = next(i for i in hotel["indicators"] if i["code"] == "water.total")
    assert (water["unit"], water["r_unit"]) == ("m³", "m³/overnight_stay")
    assert next(i for i in hotel["indicators"] if i["code"] == "energy.renewable_share")["unit"] == "%"
    joint = documents["joint:CL-IT"]
    assert {t["unit"] for t in joint["trends"] if t["indicator"] == "water.total"} == {"m³"}
    for key, doc in documents.items():
        assert "**" not in json.dumps(doc, ensure_ascii=False), key
