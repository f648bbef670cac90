"""The two bundled sample clusters: Cerreto Laghi (Italy) and the Latvian municipalities.

Members are described by hand (names, sizes, registration, how they submit); their rows come
from the shared generator, so magnitudes follow the sector profiles. They submit the way real
members do: some fill in the XLSX template, some send JSON, and some clusters' coordinators send
batch CSV exports (Italian Excel: ';', decimal comma, Windows-1252; Baltic Excel: Windows-1257;
UTF-8 with and without BOM). A few members carry the deliberate faults listed in faults.json;
every other member is clean.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecocluster.warehouse.sample._faults import Fault, incompatible_unit_rows, inject, write_manifest
from ecocluster.warehouse.sample._files import (
    BALTIC_EXCEL,
    ITALIAN_EXCEL,
    ROSTER_FORMAT,
    UTF8,
    UTF8_BOM,
    Dialect,
    member_tables,
    section_rows,
    submission_document,
    write_csv,
    write_json,
)
from ecocluster.warehouse.sample._population import COUNTRIES, SECTOR_KEYS, STEPS_ALL, Population, generate
from ecocluster.warehouse.sample._sectors import LANGUAGES, SECTORS
from ecocluster.warehouse.template import write_template

XLSX, JSON, CSV = "xlsx", "json", "csv"


@dataclass(frozen=True)
class Member:
    member_id: str
    legal_name: str
    sector: str
    employees: int
    b_base: float  # B in the first history year: overnight stays, inhabitants or FTE
    address: str
    submits: str  # xlsx | json | csv
    registered_on: str | None = None
    emas_reg_no: str | None = None
    derogation: bool = False
    stepwise: bool = False
    fault: str | None = None


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    name: str
    country: str
    language: str
    territory: str
    kind: str
    promoting_body: str
    description: str
    programme: tuple[tuple[str, str, str, float, int], ...]
    members: tuple[Member, ...]
    csv_dialect: Dialect = UTF8


_CERRETO_ADDR = "Cerreto Laghi, 42032 Ventasso (RE)"
CERRETO = Cluster(
    "IT-CERRETO",
    "Cluster turistico Cerreto Laghi",
    "IT",
    "it",
    "Cerreto Laghi, Parco Nazionale dell'Appennino Tosco-Emiliano",
    "tourist district",
    "Ente Parco Nazionale dell'Appennino Tosco-Emiliano",
    "Località turistica montana interamente compresa nel Parco Nazionale dell'Appennino Tosco-Emiliano: "
    "alberghi, impianti di risalita, ristoranti, il Comune di Ventasso e l'Ente Parco (progetto LIFE "
    "Eco-Cluster, LIFE 09 ENV/IT/000188).",
    (
        ("CP-01", "Ridurre del 10% l'energia per presenza turistica", "energy.total_direct", 0.90, 2027),
        ("CP-02", "Portare al 40% la quota di acquisti verdi", "purchasing.green_share", 40.0, 2027),
        (
            "CP-03",
            "Portare al 25% gli spostamenti con mezzi sostenibili",
            "mobility.sustainable_share",
            25.0,
            2027,
        ),
    ),
    (
        Member(
            "IT-CL-CERRETO-H01",
            "Albergo Il Faggio di Ferrari Anna & C. S.n.c.",
            "hotel",
            9,
            9800,
            f"Via del Lago 12, {_CERRETO_ADDR}",
            XLSX,
            "2016-05-10",
            "IT-001842",
            derogation=True,
        ),
        Member(
            "IT-CL-CERRETO-H02",
            "Hotel Lago Verde S.r.l.",
            "hotel",
            16,
            14500,
            f"Piazzale delle Piste 3, {_CERRETO_ADDR}",
            XLSX,
            "2016-05-10",
            "IT-001843",
            fault="expired_permit",
        ),
        Member(
            "IT-CL-CERRETO-H03",
            "Residence Monte Alto S.r.l.",
            "hotel",
            7,
            8200,
            f"Via Monte La Nuda 5, {_CERRETO_ADDR}",
            JSON,
            "2017-09-22",
            "IT-001911",
            fault="missing_indicator",
        ),
        Member(
            "IT-CL-CERRETO-H04",
            "Rifugio Lago Cerretano di Bertucci Marco",
            "hotel",
            4,
            3100,
            f"Lago Cerretano, {_CERRETO_ADDR}",
            JSON,
            "2018-04-03",
            "IT-001987",
            derogation=True,
        ),
        Member(
            "IT-CL-CERRETO-S01",
            "Funivie Cerreto Laghi S.p.A.",
            "ski_lift",
            62,
            62,
            f"Piazzale della Seggiovia 1, {_CERRETO_ADDR}",
            XLSX,
            "2015-11-30",
            "IT-001755",
            derogation=True,
            fault="derogation_risk",
        ),
        Member(
            "IT-CL-CERRETO-S02",
            "Sciovie Monte Casarola S.r.l.",
            "ski_lift",
            14,
            14,
            f"Località Casarola, {_CERRETO_ADDR}",
            CSV,
            "2017-09-22",
            "IT-001912",
        ),
        Member(
            "IT-CL-CERRETO-R01",
            "Ristorante La Baita S.a.s.",
            "restaurant",
            6,
            6,
            f"Via del Lago 30, {_CERRETO_ADDR}",
            CSV,
            "2018-04-03",
            "IT-001988",
            derogation=True,
        ),
        Member(
            "IT-CL-CERRETO-R02",
            "Trattoria del Passo del Cerreto S.n.c.",
            "restaurant",
            5,
            5,
            "Passo del Cerreto, 54013 Fivizzano (MS)",
            CSV,
            "2018-04-03",
            "IT-001989",
            fault="unit_implausible",
        ),
        Member(
            "IT-CL-CERRETO-R03",
            "Pizzeria Alpe di Rossi Luca",
            "restaurant",
            4,
            4,
            f"Via delle Ginestre 2, {_CERRETO_ADDR}",
            CSV,
            "2019-06-18",
            "IT-002044",
            derogation=True,
        ),
        Member(
            "IT-CL-CERRETO-M01",
            "Comune di Ventasso",
            "municipality",
            48,
            4050,
            "Via della Libertà 1, 42032 Ventasso (RE)",
            JSON,
            "2015-11-30",
            "IT-001756",
            fault="permit_exceedance",
        ),
        Member(
            "IT-CL-CERRETO-P01",
            "Ente Parco Nazionale dell'Appennino Tosco-Emiliano",
            "park_authority",
            32,
            32,
            "Via Comunale Sassalbo 23, 54013 Sassalbo di Fivizzano (MS)",
            JSON,
            "2015-11-30",
            "IT-001757",
        ),
    ),
    ITALIAN_EXCEL,
)

_LV_PROGRAMME = (
    ("KP-01", "Samazināt pašvaldības ēku enerģijas patēriņu par 10%", "energy.total_direct", 0.90, 2027),
    ("KP-02", "Palielināt zaļā iepirkuma īpatsvaru līdz 40%", "purchasing.green_share", 40.0, 2027),
)
_LV_DESCRIPTION = (
    "Pašvaldības, kas EMAS ievieš pa soļiem klasterī ar savstarpējiem auditiem "
    "(projekts EMAS4NewStates, LIFE05 ENV/LV/000179)."
)


def _lv(cluster_id: str, name: str, territory: str, dialect: Dialect, *members: Member) -> Cluster:
    return Cluster(
        cluster_id,
        name,
        "LV",
        "lv",
        territory,
        "municipalities",
        "Latvijas Vides pārvaldības asociācija",
        _LV_DESCRIPTION,
        _LV_PROGRAMME,
        members,
        dialect,
    )


def _council(
    member_id: str,
    name: str,
    employees: int,
    inhabitants: int,
    address: str,
    submits: str,
    reg_no: int | None,
    fault: str | None = None,
) -> Member:
    registered = "2008-08-28" if reg_no else None
    return Member(
        member_id,
        name,
        "municipality",
        employees,
        inhabitants,
        address,
        submits,
        registered,
        f"LV-{reg_no:06d}" if reg_no else None,
        stepwise=True,
        fault=fault,
    )


LATVIA = (
    _lv(
        "LV-DGV",
        "Daugavpils EMAS klasteris",
        "Latgale, Daugavpils apkaime",
        UTF8,
        _council(
            "LV-DGV-01",
            "Daugavpils pilsētas dome",
            320,
            79000,
            "Krišjāņa Valdemāra iela 1, Daugavpils, LV-5401",
            XLSX,
            1,
        ),
        _council(
            "LV-DGV-02", "Naujenes pagasta padome", 22, 5100, "Skolas iela 6, Naujene, LV-5451", XLSX, 2
        ),
        _council(
            "LV-DGV-03",
            "Kalkūnes pagasta padome",
            14,
            3900,
            "Dzirnavu iela 1, Kalkūne, LV-5449",
            XLSX,
            8,
            "open_major_nc",
        ),
    ),
    _lv(
        "LV-PRE",
        "Preiļu EMAS klasteris",
        "Latgale, Preiļu apkaime",
        UTF8,
        _council("LV-PRE-01", "Preiļu novada dome", 60, 6900, "Raiņa bulvāris 19, Preiļi, LV-5301", JSON, 3),
        _council(
            "LV-PRE-02",
            "Vārkavas novada dome",
            12,
            2000,
            "Skolas iela 5, Vārkava, LV-5335",
            JSON,
            4,
            "yoy_jump",
        ),
    ),
    _lv(
        "LV-JEL",
        "Zemgales EMAS klasteris",
        "Zemgale, Jelgavas apkaime",
        BALTIC_EXCEL,
        _council("LV-JEL-01", "Glūdas pagasta padome", 10, 2600, "Nākotnes iela 2, Nākotne, LV-3040", CSV, 5),
        _council(
            "LV-JEL-02",
            "Bērzes pagasta padome",
            9,
            1700,
            "Bērzes iela 2, Bērze, LV-3043",
            CSV,
            6,
            "incompatible_unit",
        ),
        _council(
            "LV-JEL-03", "Līvbērzes pagasta padome", 11, 2500, "Jelgavas iela 12, Līvbērze, LV-3014", CSV, 7
        ),
    ),
    _lv(
        "LV-VID",
        "Vidzemes EMAS klasteris",
        "Vidzeme, Cēsu apkaime",
        UTF8_BOM,
        _council(
            "LV-VID-01",
            "Priekuļu pagasta padome",
            13,
            3400,
            "Cēsu prospekts 5, Priekuļi, LV-4126",
            CSV,
            None,
            "unfinished_step",
        ),
        _council("LV-VID-02", "Raunas pagasta padome", 8, 1900, "Baznīcas laukums 1, Rauna, LV-4131", CSV, 9),
    ),
    _lv(
        "LV-KUR",
        "Kurzemes EMAS klasteris",
        "Kurzeme, Abavas ieleja",
        UTF8,
        _council("LV-KUR-01", "Kandavas novada dome", 35, 8500, "Dārza iela 6, Kandava, LV-3120", CSV, 10),
        _council("LV-KUR-02", "Sabiles pilsētas dome", 7, 1300, "Pilskalna iela 6, Sabile, LV-3294", CSV, 11),
    ),
)
CLUSTERS = (CERRETO, *LATVIA)


def _size_class(employees: int) -> str:
    return (
        "micro" if employees < 10 else "small" if employees < 50 else "medium" if employees < 250 else "large"
    )


def _roster(cluster: Cluster, years: tuple[int, ...]) -> dict[str, Any]:
    return {
        "format": ROSTER_FORMAT,
        "cluster": {
            "cluster_id": cluster.cluster_id,
            "name": cluster.name,
            "country": cluster.country,
            "language": cluster.language,
            "territory": cluster.territory,
            "kind": cluster.kind,
            "promoting_body": cluster.promoting_body,
            "description": cluster.description,
            "programme": [
                {"objective_id": o, "description": d, "indicator": i, "target_value": v, "target_year": y}
                for o, d, i, v, y in cluster.programme
            ],
        },
        "cycles": [
            {
                "reporting_year": y,
                "kind": "three-year" if i == 0 else "annual",
                "opened_on": dt.date(y + 1, 1, 15).isoformat(),
            }
            for i, y in enumerate(years)
        ],
        "members": [
            {
                "member_id": m.member_id,
                "legal_name": m.legal_name,
                "country": cluster.country,
                "nace": SECTORS[m.sector].nace,
                **({"nace_rev21": SECTORS[m.sector].nace_rev21} if SECTORS[m.sector].nace_rev21 else {}),
                "sector": m.sector,
                "employees": m.employees,
                "size_class": _size_class(m.employees),
                "public_body": SECTORS[m.sector].public_body,
                "language": cluster.language,
                "emas_reg_no": m.emas_reg_no,
                "registered_on": m.registered_on,
                "derogation": m.derogation,
                "significant_env_risk": m.fault == "derogation_risk",
                "b_indicator": SECTORS[m.sector].b_indicator,
                "address": m.address,
                "sites": [{"site_id": f"{m.member_id}-S1", "name": m.legal_name, "address": m.address}],
            }
            for m in cluster.members
        ],
    }


def _population() -> Population:
    members = [(c, m) for c in CLUSTERS for m in c.members]
    return Population(
        member_id=np.array([m.member_id for _, m in members]),
        cluster_id=np.array([c.cluster_id for c, _ in members]),
        legal_name=np.array([m.legal_name for _, m in members]),
        sector=np.array([SECTOR_KEYS.index(m.sector) for _, m in members]),
        language=np.array([LANGUAGES.index(c.language) for c, _ in members]),
        country=np.array([COUNTRIES.index(c.country) for c, _ in members]),
        employees=np.array([m.employees for _, m in members]),
        b_base=np.array([m.b_base for _, m in members], float),
        steps_done=np.array(
            [(6 if m.fault == "unfinished_step" else STEPS_ALL) if m.stepwise else 0 for _, m in members]
        ),
        registered_year=np.array([int(m.registered_on[:4]) if m.registered_on else 0 for _, m in members]),
    )


def write_bundled(out_dir: Path, seed: int = 2026, year: int = 2025) -> list[Path]:
    """Write both bundled clusters with three years of history; returns the files written."""
    rng = np.random.default_rng(seed)
    years = (year - 2, year - 1, year)
    faults = [Fault(m.member_id, c.cluster_id, m.fault, year) for c in CLUSTERS for m in c.members if m.fault]
    written = [write_json(out_dir / c.cluster_id / "cluster.json", _roster(c, years)) for c in CLUSTERS]
    for y, tables in generate(_population(), years, rng).items():
        tables = inject(tables, y, faults)
        for cluster in CLUSTERS:
            written += _write_cluster_year(out_dir / cluster.cluster_id / str(y), cluster, y, tables)
    bad = next(f for f in faults if f.kind == "incompatible_unit")
    written.append(_incompatible_file(out_dir, bad, tables["indicators"]))
    faults = [f for f in faults if f.kind != "incompatible_unit"] + [
        Fault(bad.member_id, bad.cluster_id, bad.kind, year, written[-1].relative_to(out_dir).as_posix())
    ]
    written.append(write_manifest(out_dir / "faults.json", faults))
    return written


def _write_cluster_year(folder: Path, cluster: Cluster, year: int, tables: dict[str, pa.Table]) -> list[Path]:
    written: list[Path] = []
    csv_members = [m.member_id for m in cluster.members if m.submits == CSV]
    for m in cluster.members:
        mine = member_tables(tables, m.member_id)
        if m.submits == XLSX:
            rows = {name: section_rows(t) for name, t in mine.items()}
            written.append(
                write_template(folder / f"{m.member_id}.xlsx", cluster.language, m.member_id, year, rows)
            )
        elif m.submits == JSON:
            written.append(
                write_json(folder / f"{m.member_id}.json", submission_document(m.member_id, year, mine))
            )
    if csv_members:
        for name, t in tables.items():
            batch = t.filter(pc.is_in(t["member_id"], value_set=pa.array(csv_members)))
            written.append(write_csv(folder / f"{name}_{year}.csv", batch, cluster.csv_dialect))
    return written


def _incompatible_file(out_dir: Path, fault: Fault, indicators: pa.Table) -> Path:
    """A correction the member sends later with water in kWh: ingestion must reject it whole."""
    cluster = next(c for c in CLUSTERS if c.cluster_id == fault.cluster_id)
    rows = incompatible_unit_rows(indicators, fault.member_id)
    path = (
        out_dir
        / cluster.cluster_id
        / str(fault.reporting_year)
        / f"indicators_{fault.reporting_year}_{fault.member_id}_labojums.csv"
    )
    return write_csv(path, rows, cluster.csv_dialect)


def manifest(out_dir: Path) -> list[dict[str, Any]]:
    """The faults a written sample carries (for tests and the checks stage)."""
    return json.loads((out_dir / "faults.json").read_text(encoding="utf-8"))["faults"]
