"""A small cluster written straight into a real warehouse with SQL, for the statement tests.

Three members of an Italian tourist cluster over 2023–2025 (one with hostile text in every free
field), plus one Latvian council in its own cluster: enough to exercise R = A/B, trends, peers,
exclusions, missing values and escaping without waiting for the sample generator.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

import duckdb

HOSTILE = "<script>alert('x')</script> #strong[owned] ] $x^2$ *bold* {{ 7*7 }} & \\ \"q\""
YEAR = 2025

# (member, b_indicator, sector, language, cluster)
MEMBERS = (
    ("IT-HOT-1", "output.overnight_stays", "hotel", "it", "CL-IT"),
    ("IT-HOT-2", "output.overnight_stays", "hotel", "it", "CL-IT"),
    ("IT-EVIL", "output.employees", "restaurant", "it", "CL-IT"),
    ("LV-NOV-1", "output.inhabitants", "municipality", "lv", "CL-LV"),
)

# A per member and year (2023, 2024, 2025), in canonical units; None = not reported.
ENERGY = {
    "IT-HOT-1": (812.5, 790.25, 1234.5),
    "IT-HOT-2": (400.0, 410.0, 395.75),
    "IT-EVIL": (55.0, 54.0, 53.5),
    "LV-NOV-1": (15234.5, 14876.0, 14120.25),
}
WATER = {
    "IT-HOT-1": (10500.0, 10200.0, 9876.5),
    "IT-HOT-2": (5100.0, 4900.0, 4750.0),
    "IT-EVIL": (800.0, 780.0, 760.0),
    "LV-NOV-1": (250000.0, 245000.0, 240500.0),
}
B = {
    "IT-HOT-1": (24000.0, 25000.0, 26150.0),
    "IT-HOT-2": (12000.0, 12500.0, 12800.0),
    "IT-EVIL": (6.0, 6.0, 7.0),
    "LV-NOV-1": (9800.0, 9750.0, 9700.0),
}


def _submission(con: duckdb.DuckDBPyConnection, member: str, year: int, section: str) -> str:
    sid = hashlib.sha256(f"{member}/{year}/{section}".encode()).hexdigest()
    con.execute(
        "INSERT INTO submission VALUES (?, 'member', ?, 'json', 'utf-8', 1, ?, ?, NULL)",
        [sid, f"{member}-{year}.json", datetime(year + 1, 1, 10), f"raw/{sid}"],
    )
    con.execute(
        "INSERT INTO submission_part VALUES (?, ?, ?, ?, nextval('submission_seq'), NULL)",
        [sid, member, year, section],
    )
    return sid


def _insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    member: str,
    year: int,
    section: str,
    rows: list[dict[str, Any]],
) -> None:
    sid = _submission(con, member, year, section)
    for n, row in enumerate(rows, start=2):
        full = {"submission_id": sid, "member_id": member, "reporting_year": year, **row, "source_row": n}
        cols = ", ".join(full)
        con.execute(
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in full)})", list(full.values())
        )


def _indicator(code: str, value: float | None, unit: str, justification: str | None = None) -> dict[str, Any]:
    return {
        "indicator": code,
        "value_submitted": value,
        "unit_submitted": unit,
        "value": value,
        "unit": unit,
        "justification": justification,
    }


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Write the roster, cycles and three years of submissions."""
    con.execute(
        "INSERT INTO cluster VALUES ('CL-IT', 'Distretto turistico Cerreto Laghi', 'IT', 'it', "
        "'Appennino tosco-emiliano', 'tourist district', 'Ente Parco', 'Alberghi e impianti', 'r')"
    )
    con.execute(
        "INSERT INTO cluster VALUES ('CL-LV', 'Vidzemes pašvaldības', 'LV', 'lv', 'Vidzeme', "
        "'municipalities', 'Vidzemes plānošanas reģions', NULL, 'r')"
    )
    con.execute(
        "INSERT INTO cycle VALUES ('CL-IT', 2025, 'three-year', DATE '2026-01-15'), "
        "('CL-LV', 2025, 'annual', DATE '2026-02-01')"
    )
    con.execute(
        "INSERT INTO cluster_programme VALUES ('CL-IT', 'P1', 'Ridurre i consumi energetici del 10%', "
        "'energy.total_direct', 1800.0, 2027)"
    )
    for mid, b_code, sector, lang, cluster in MEMBERS:
        evil = mid == "IT-EVIL"
        name = f"Ristorante {HOSTILE}" if evil else f"{mid.title()} S.r.l."
        con.execute(
            "INSERT INTO member VALUES (?, ?, ?, ?, ?, ?, 12, 'small', ?, ?, ?, ?, false, false, ?, ?, 'r')",
            [
                mid,
                cluster,
                name,
                mid[:2],
                "56.10" if evil else "55.10",
                sector,
                mid.startswith("LV"),
                lang,
                "IT-000576" if mid == "IT-HOT-1" else None,
                date(2020, 5, 4) if mid == "IT-HOT-1" else None,
                b_code,
                HOSTILE if evil else "Via Roma 1",
            ],
        )
        con.execute(
            "INSERT INTO site VALUES (?, ?, ?, ?, 'r')",
            [f"{mid}-S1", mid, HOSTILE if evil else "Sede principale", "Via Roma 1"],
        )
        for i, year in enumerate((2023, 2024, 2025)):
            rows = [
                _indicator("energy.total_direct", ENERGY[mid][i], "MWh"),
                _indicator("water.total", WATER[mid][i], "m**3"),
                _indicator(b_code, B[mid][i], "person" if "overnight" not in b_code else "overnight_stay"),
                _indicator("land.nature_off_site", None, "m**2", "Nessuna area fuori sito"),
            ]
            _insert(con, "indicator_value", mid, year, "indicators", rows)
        text = HOSTILE if evil else "Gestione alberghiera con 40 camere."
        _insert(
            con,
            "member_profile",
            mid,
            YEAR,
            "profile",
            [
                {
                    "activities": text,
                    "policy": text if evil else "Ridurre energia e acqua.",
                    "governance": text if evil else "Direzione e responsabile ambientale.",
                    "contact": None,
                }
            ],
        )
        _insert(
            con,
            "aspect",
            mid,
            YEAR,
            "aspects",
            [
                {
                    "aspect_id": "A1",
                    "aspect": HOSTILE if evil else "Consumo di energia",
                    "kind": "direct",
                    "impact": "Emissioni di gas serra",
                    "significant": True,
                },
                {
                    "aspect_id": "A2",
                    "aspect": "Acquisti",
                    "kind": "indirect",
                    "impact": "Rifiuti",
                    "significant": True,
                },
                {
                    "aspect_id": "A3",
                    "aspect": "Rumore",
                    "kind": "direct",
                    "impact": "Disturbo",
                    "significant": False,
                },
            ],
        )
        _insert(
            con,
            "objective",
            mid,
            YEAR,
            "objectives",
            [
                {
                    "objective_id": "O1",
                    "description": HOSTILE if evil else "Ridurre l'energia",
                    "indicator": "energy.total_direct",
                    "baseline_value": ENERGY[mid][0],
                    "target_value": ENERGY[mid][0] * 0.9,
                    "target_year": 2026,
                    "status": "in_progress",
                }
            ],
        )
        _insert(
            con,
            "obligation",
            mid,
            YEAR,
            "obligations",
            [
                {
                    "obligation_id": "L1",
                    "kind": "law",
                    "title": HOSTILE if evil else "Testo unico ambientale",
                    "legal_reference": "D.Lgs. 152/2006",
                    "authority": "Regione",
                },
                {
                    "obligation_id": "P1",
                    "kind": "permit",
                    "title": "Autorizzazione scarichi",
                    "legal_reference": "AUA 12/2021",
                    "authority": "SUAP",
                    "parameter": "COD",
                    "limit_value_submitted": 160.0,
                    "limit_unit_submitted": "mg/l",
                    "valid_until": date(2027, 3, 1),
                },
            ],
        )
        _insert(
            con,
            "nonconformity",
            mid,
            YEAR,
            "nonconformities",
            [
                {
                    "nc_id": "NC1",
                    "severity": "minor",
                    "description": HOSTILE if evil else "Registro incompleto",
                    "opened_on": date(2025, 3, 1),
                    "closed_on": date(2025, 4, 1),
                    "corrective_action": "Aggiornato",
                }
            ],
        )
        _insert(
            con,
            "ems_milestone",
            mid,
            YEAR,
            "milestones",
            [{"milestone": f"step_{n}", "completed_on": date(2025, n, 1)} for n in range(1, 5)],
        )
