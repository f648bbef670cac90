"""A synthetic population of any size, for benchmarks and scale tests.

Each cluster gets a roster and one CSV per section per year, as a coordinator's batch export.
Members are drawn with numpy, rows come from the shared vectorised generator, and the big
per-section tables are cut into per-cluster slices (zero-copy) before writing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecocluster.warehouse.sample._faults import (
    ROSTER_FAULTS,
    ROW_FAULTS,
    Fault,
    incompatible_unit_rows,
    inject,
    write_manifest,
)
from ecocluster.warehouse.sample._files import ROSTER_FORMAT, UTF8, write_csv
from ecocluster.warehouse.sample._population import COUNTRIES, SECTOR_KEYS, STEPS_ALL, Population, generate
from ecocluster.warehouse.sample._sectors import LANGUAGES, SECTORS

FAULT_RATE = 0.002  # per fault kind: a few hundred faulty members in a 120,000-member population
_CLUSTER_LANGUAGE = np.array([LANGUAGES.index(x) for x in ("it", "lv", "en")])
_CLUSTER_COUNTRY = np.array([COUNTRIES.index(x) for x in ("IT", "LV", "EU")])


def _population(clusters: int, per: int, rng: np.random.Generator) -> Population:
    m = clusters * per
    cluster_no = np.repeat(np.arange(1, clusters + 1), per)
    member_no = np.tile(np.arange(1, per + 1), clusters)
    cluster_id = np.char.add("CL", np.char.zfill(cluster_no.astype(str), 4))
    member_id = np.char.add(np.char.add(cluster_id, "-M"), np.char.zfill(member_no.astype(str), 3))
    flavour = rng.integers(0, 3, clusters)[cluster_no - 1]
    sector = rng.integers(0, len(SECTOR_KEYS), m)
    low = np.array([SECTORS[k].employees[0] for k in SECTOR_KEYS])[sector]
    high = np.array([SECTORS[k].employees[1] for k in SECTOR_KEYS])[sector]
    employees = rng.integers(low, high + 1)
    b_per = np.array([SECTORS[k].b_per_employee for k in SECTOR_KEYS])[sector]
    registered = rng.integers(2012, 2022, m)
    stepwise = rng.random(m) < 0.25
    return Population(
        member_id=member_id,
        cluster_id=cluster_id,
        legal_name=np.char.add("Organisation ", member_id),
        sector=sector,
        language=_CLUSTER_LANGUAGE[flavour],
        country=_CLUSTER_COUNTRY[flavour],
        employees=employees,
        b_base=np.round(employees * b_per * rng.lognormal(0, 0.2, m)),
        steps_done=np.where(stepwise, STEPS_ALL, 0),
        registered_year=registered,
    )


def _pick_faults(pop: Population, rng: np.random.Generator, year: int) -> list[Fault]:
    kinds = (*ROW_FAULTS, *ROSTER_FAULTS)
    chosen = rng.random((len(kinds), len(pop))) < FAULT_RATE
    permits = np.array([len(SECTORS[k].permits) for k in SECTOR_KEYS])[pop.sector] > 0
    needs_permit = np.array([k in ("expired_permit", "permit_exceedance") for k in kinds])
    chosen &= ~needs_permit[:, None] | permits[None, :]
    kind_i, member_i = np.nonzero(chosen)
    return [
        Fault(str(pop.member_id[m]), str(pop.cluster_id[m]), kinds[k], year)
        for k, m in zip(kind_i.tolist(), member_i.tolist(), strict=False)
    ]


def _apply_roster_faults(pop: Population, faults: list[Fault]) -> Population:
    unfinished = np.isin(pop.member_id, [f.member_id for f in faults if f.kind == "unfinished_step"])
    return Population(
        **{
            **pop.__dict__,
            "steps_done": np.where(unfinished, 6, pop.steps_done),
            "registered_year": np.where(unfinished, 0, pop.registered_year),
        }
    )


_ROSTER_SQL = """
SELECT cluster_id, to_json({
  'format': ?,
  'cluster': {'cluster_id': cluster_id, 'name': 'Synthetic cluster ' || cluster_id, 'country': any_value(country),
              'language': any_value(language), 'territory': NULL, 'kind': 'synthetic', 'promoting_body': NULL,
              'description': 'Generated population for scale tests', 'programme': []},
  'cycles': list({'reporting_year': y, 'kind': CASE WHEN y % 3 = 0 THEN 'three-year' ELSE 'annual' END,
                  'opened_on': make_date(y + 1, 1, 15)} ORDER BY y) FILTER (WHERE member_id = min_member),
  'members': list({'member_id': member_id, 'legal_name': legal_name, 'country': country, 'nace': nace,
                   'sector': sector, 'employees': employees,
                   'size_class': CASE WHEN employees < 10 THEN 'micro' WHEN employees < 50 THEN 'small'
                                      WHEN employees < 250 THEN 'medium' ELSE 'large' END,
                   'public_body': public_body, 'language': language,
                   'emas_reg_no': CASE WHEN registered_year > 0 THEN country || '-' || lpad(reg_no::VARCHAR, 6, '0') END,
                   'registered_on': CASE WHEN registered_year > 0 THEN make_date(registered_year, 5, 20) END,
                   'derogation': derogation, 'significant_env_risk': risky, 'b_indicator': b_indicator,
                   'address': NULL,
                   'sites': [{'site_id': member_id || '-S1', 'name': legal_name, 'address': NULL}]}
                  ORDER BY member_id) FILTER (WHERE y = (SELECT min(y) FROM years))
}) AS doc
FROM (SELECT *, min(member_id) OVER (PARTITION BY cluster_id) AS min_member FROM m), years
GROUP BY cluster_id ORDER BY cluster_id
"""  # noqa: E501  # SQL: wrapping a line would change the query text


def _rosters(pop: Population, faults: list[Fault], years: tuple[int, ...]) -> list[tuple[str, str]]:
    risky = np.isin(pop.member_id, [f.member_id for f in faults if f.kind == "derogation_risk"])
    sector = np.array(SECTOR_KEYS)[pop.sector]
    m = pa.table(
        {
            "member_id": pop.member_id,
            "cluster_id": pop.cluster_id,
            "legal_name": pop.legal_name,
            "country": np.array(["IT", "LV", "IE"])[np.array([0, 1, 2])[pop.country]],
            "nace": np.array([SECTORS[k].nace for k in SECTOR_KEYS])[pop.sector],
            "sector": sector,
            "employees": pop.employees,
            "public_body": np.array([SECTORS[k].public_body for k in SECTOR_KEYS])[pop.sector],
            "language": np.array(LANGUAGES)[pop.language],
            "registered_year": pop.registered_year,
            "reg_no": np.arange(1, len(pop) + 1),
            "derogation": (pop.employees < 50) | risky,
            "risky": risky,
            "b_indicator": np.array([SECTORS[k].b_indicator for k in SECTOR_KEYS])[pop.sector],
        }
    )
    with duckdb.connect() as con:
        con.register("m", m)
        con.register("years", pa.table({"y": list(years)}))
        return con.execute(_ROSTER_SQL, [ROSTER_FORMAT]).fetchall()


def write_synthetic(
    out_dir: Path, clusters: int, members_per_cluster: int, seed: int = 2026, year: int = 2025
) -> list[Path]:
    """Write a synthetic population; returns the files written (rosters, CSVs, faults.json)."""
    rng = np.random.default_rng(seed)
    years = (year - 2, year - 1, year)
    pop = _population(clusters, members_per_cluster, rng)
    faults = _pick_faults(pop, rng, year)
    pop = _apply_roster_faults(pop, faults)
    written: list[Path] = []
    for cluster_id, doc in _rosters(pop, faults, years):
        path = out_dir / cluster_id / "cluster.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc + "\n", encoding="utf-8")
        written.append(path)
    for y, tables in generate(pop, years, rng).items():
        tables = inject(tables, y, faults)
        for section, table in tables.items():
            written += _write_per_cluster(out_dir, table, f"{section}_{y}.csv")
        if y == year and faults:
            written.append(_incompatible_file(out_dir, tables["indicators"], faults, pop, year))
    written.append(write_manifest(out_dir / "faults.json", faults))
    return written


def _write_per_cluster(out_dir: Path, table: pa.Table, name: str) -> list[Path]:
    """Cut a member-ordered table into one file per cluster; member ids start with the cluster id."""
    cluster = (
        pc.utf8_slice_codeunits(table["member_id"], 0, len("CL0001")).combine_chunks().dictionary_encode()
    )
    codes = cluster.indices.to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.append(starts[1:], len(codes))
    names = cluster.dictionary.to_pylist()
    jobs = [
        (out_dir / names[codes[s]] / name, table.slice(s, e - s))
        for s, e in zip(starts.tolist(), ends.tolist(), strict=False)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:  # pyarrow and file writes release the GIL
        return list(pool.map(lambda job: write_csv(job[0], job[1], UTF8), jobs))


def _incompatible_file(
    out_dir: Path, indicators: pa.Table, faults: list[Fault], pop: Population, year: int
) -> Path:
    """One member re-sends its indicators with water in kWh (ingestion must reject the file)."""
    member, cluster = str(pop.member_id[0]), str(pop.cluster_id[0])
    path = out_dir / cluster / f"indicators_{year}_{member}_correction.csv"
    faults.append(Fault(member, cluster, "incompatible_unit", year, str(path.relative_to(out_dir))))
    return write_csv(path, incompatible_unit_rows(indicators, member), UTF8)
