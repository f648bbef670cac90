"""Statement documents straight from the warehouse's ``current_*`` views, a batch at a time.

Every query takes the whole batch of (member, year) pairs and returns one row per member with
its lists already aggregated by DuckDB (``list(struct_pack(...) ORDER BY ...)``); Python only
merges the sections of a member into one document. R = A/B, the three-year series, sector
totals and peer medians are SQL, never Python loops over members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from ecocluster.checks import CheckSummary, check_summaries
from ecocluster.statements._esrs import ESRS_DATAPOINTS
from ecocluster.statements._i18n import Formatter
from ecocluster.statements._labels import check_title
from ecocluster.warehouse import benchmarks, co2e
from ecocluster.warehouse.emas_calendar import statement_kind
from ecocluster.warehouse.indicators import BY_CODE, CARRIERS, CATALOGUE, CORE, MARKET_FACTOR
from ecocluster.warehouse.unit_text import shown

SCHEMA_ID = "ecocluster/statement/1"
TREND_YEARS = 3
# Disclosure control (issue 19): no peer statistic is published over fewer members than this. With
# two, the median is their mean, and each member could work out the other's figure from its own.
MIN_PEERS = 3
# The shared indicators whose R members are compared on (seed 000: peer comparison by sector).
BENCHMARKED = ("energy.total_direct", "water.total", "waste.total", "emissions.ghg")
# The cluster's shared indicators (seed 000): energy efficiency, water, waste, biodiversity,
# emissions, mobility, green purchasing.
SHARED = (
    "energy.total_direct",
    "energy.renewable_share",
    "water.total",
    "waste.total",
    "land.nature_on_site",
    "emissions.ghg",
    "mobility.sustainable_share",
    "purchasing.green_share",
)

# Pairs of (member, year) the batch covers, and the catalogue, as relations DuckDB can join.
_SELECTION = "sel AS (SELECT unnest($members) AS member_id, unnest($years) AS reporting_year)"
_CATALOGUE = (
    "cat AS (SELECT unnest($codes) AS indicator, unnest($units) AS unit, unnest($ords) AS ord, "
    "unnest($groups) AS grp)"
)
# A per (member, year, indicator): shares are averaged over sites, quantities summed; a NULL
# value with a justification is a declared exclusion. The justifications are joined as
# string_agg(DISTINCT ... ORDER BY) would, at a third of its cost (most of this CTE's time).
_A = """
a AS (
    SELECT v.member_id, v.reporting_year, v.indicator,
           CASE WHEN any_value(v.unit) = 'percent' THEN avg(v.value) ELSE sum(v.value) END AS a,
           CASE WHEN count(v.justification) > 0 THEN array_to_string(list_sort(list_distinct(
               list(v.justification) FILTER (WHERE v.justification IS NOT NULL))), '; ') END AS justification
    FROM current_indicator_value v
    WHERE v.member_id IN (SELECT member_id FROM sel) AND v.member_id BETWEEN $lo AND $hi
    GROUP BY ALL
)"""
_B = """
b AS (
    SELECT a.member_id, a.reporting_year, a.a AS b
    FROM a JOIN member m ON m.member_id = a.member_id AND a.indicator = m.b_indicator
)"""


def _params(pairs: Sequence[tuple[str, int]]) -> dict[str, Any]:
    cat = CATALOGUE
    return {
        **_id_range([m for m, _ in pairs]),
        "members": [m for m, _ in pairs],
        "years": [y for _, y in pairs],
        "codes": [i.code for i in cat],
        "units": [i.unit for i in cat],
        "ords": list(range(len(cat))),
        "groups": [i.group for i in cat],
    }


def _id_range(members: Sequence[str | None]) -> dict[str, str | None]:
    """``$lo`` and ``$hi``, the selection's first and last member ids: ``a`` filters on them besides
    the selection, an implied condition that is a constant, so DuckDB skips the row groups of
    ``indicator_value`` outside the range by their min/max instead of scanning the whole
    population's 8 million rows for a rerun's one member and one cluster (issue 14)."""
    ids = [m for m in members if m is not None]
    return {"lo": min(ids, default=None), "hi": max(ids, default=None)}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cursor = con.execute(sql, used)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]


def _by_member(rows: list[dict[str, Any]], field: str) -> dict[str, Any]:
    return {r["member_id"]: r[field] for r in rows}


_MEMBERS_SQL = f"""
WITH {_SELECTION},
profile AS (
    SELECT p.* FROM current_member_profile p JOIN sel USING (member_id, reporting_year)
    QUALIFY row_number() OVER (PARTITION BY p.member_id ORDER BY p.source_row) = 1
),
sites AS (
    SELECT member_id, list(struct_pack(site_id := site_id, name := name, address := address)
                           ORDER BY site_id) AS sites
    FROM site WHERE member_id IN (SELECT member_id FROM sel) GROUP BY member_id
)
SELECT m.member_id, sel.reporting_year, m.cluster_id, c.name AS cluster_name, m.legal_name, m.country,
       m.nace, m.sector, m.employees, m.size_class, m.public_body, m.language, m.emas_reg_no,
       m.registered_on, m.derogation, m.b_indicator, m.address,
       {statement_kind("m", "sel.reporting_year")} AS statement_kind, cy.opened_on,
       profile.activities, profile.policy, profile.governance, profile.contact,
       coalesce(sites.sites, []) AS sites
FROM sel JOIN member m USING (member_id) JOIN cluster c ON c.cluster_id = m.cluster_id
LEFT JOIN cycle cy ON cy.cluster_id = m.cluster_id AND cy.reporting_year = sel.reporting_year
LEFT JOIN profile ON profile.member_id = m.member_id
LEFT JOIN sites ON sites.member_id = m.member_id
ORDER BY m.member_id
"""

_INDICATORS_SQL = f"""
WITH {_SELECTION}, {_CATALOGUE}, {_A}, {_B},
yrs AS (
    SELECT DISTINCT sel.member_id, a.reporting_year
    FROM sel JOIN a ON a.member_id = sel.member_id
     AND a.reporting_year BETWEEN sel.reporting_year - {TREND_YEARS - 1} AND sel.reporting_year
),
series AS (
    SELECT y.member_id, cat.indicator, cat.ord,
           list(struct_pack(
               year := y.reporting_year, a := a.a, b := b.b,
               r := CASE WHEN cat.unit <> 'percent' AND b.b > 0 THEN a.a / b.b END,
               justification := a.justification) ORDER BY y.reporting_year) AS series
    FROM yrs y CROSS JOIN cat
    LEFT JOIN a ON a.member_id = y.member_id AND a.reporting_year = y.reporting_year
               AND a.indicator = cat.indicator
    LEFT JOIN b ON b.member_id = y.member_id AND b.reporting_year = y.reporting_year
    WHERE cat.indicator IN (SELECT unnest($core))
    GROUP BY ALL
)
SELECT member_id, list(struct_pack(indicator := indicator, series := series) ORDER BY ord) AS indicators
FROM series GROUP BY member_id
"""

_ASPECTS_SQL = f"""
WITH {_SELECTION}
SELECT t.member_id, list(struct_pack(aspect_id := aspect_id, aspect := aspect, kind := kind,
                                     impact := impact) ORDER BY kind, aspect_id) AS aspects
FROM current_aspect t JOIN sel USING (member_id, reporting_year)
WHERE significant GROUP BY t.member_id
"""

_OBJECTIVES_SQL = f"""
WITH {_SELECTION}, {_CATALOGUE}, {_A}
SELECT o.member_id, list(struct_pack(
        objective_id := o.objective_id, description := o.description, indicator := o.indicator,
        baseline_value := o.baseline_value, target_value := o.target_value,
        target_year := o.target_year, status := o.status, current_value := a.a,
        progress := CASE WHEN o.target_value IS DISTINCT FROM o.baseline_value AND a.a IS NOT NULL
                         THEN (a.a - o.baseline_value) / (o.target_value - o.baseline_value) END)
        ORDER BY o.objective_id) AS objectives
FROM current_objective o JOIN sel USING (member_id, reporting_year)
LEFT JOIN a ON a.member_id = o.member_id AND a.reporting_year = o.reporting_year
           AND a.indicator = o.indicator
GROUP BY o.member_id
"""

_OBLIGATIONS_SQL = f"""
WITH {_SELECTION}
SELECT t.member_id, list(struct_pack(
        obligation_id := obligation_id, kind := kind, title := title,
        legal_reference := legal_reference, authority := authority, parameter := parameter,
        limit_value := limit_value_submitted, limit_unit := limit_unit_submitted,
        valid_from := valid_from, valid_until := valid_until) ORDER BY kind DESC, obligation_id)
        AS obligations
FROM current_obligation t JOIN sel USING (member_id, reporting_year) GROUP BY t.member_id
"""

_NONCONFORMITIES_SQL = f"""
WITH {_SELECTION}
SELECT t.member_id, list(struct_pack(
        nc_id := nc_id, severity := severity, description := description, opened_on := opened_on,
        closed_on := closed_on, corrective_action := corrective_action) ORDER BY opened_on, nc_id)
        AS nonconformities
FROM current_nonconformity t JOIN sel USING (member_id, reporting_year) GROUP BY t.member_id
"""

_MILESTONES_SQL = f"""
WITH {_SELECTION}
SELECT t.member_id, list(struct_pack(milestone := milestone, completed_on := completed_on,
                                     auditor := auditor) ORDER BY milestone) AS milestones
FROM current_ems_milestone t JOIN sel USING (member_id, reporting_year) GROUP BY t.member_id
"""


def _per(unit: str, b_unit: str) -> str:
    """The unit of R = A/B, as a reader writes it (m³/person)."""
    return f"{shown(unit)}/{shown(b_unit)}"


# Energy by carrier in the reporting year (sites added up), the member's market-based factor (one
# per member and year: different ones are not averaged, they leave market-based scope 2 not
# computed), B and the reported GHG total: what the CO2e section is computed from.
_ENERGY_SQL = f"""
WITH {_SELECTION}, {_A}, {_B}
SELECT sel.member_id,
       list(struct_pack(carrier := a.indicator, mwh := a.a) ORDER BY a.indicator)
           FILTER (WHERE a.indicator IN (SELECT unnest($carriers)) AND a.a IS NOT NULL) AS energy,
       (SELECT CASE WHEN count(DISTINCT f.value) = 1 THEN any_value(f.value) END FROM current_indicator_value f
        WHERE f.member_id = sel.member_id AND f.reporting_year = sel.reporting_year
          AND f.indicator = '{MARKET_FACTOR}' AND f.value IS NOT NULL) AS market_factor,
       any_value(b.b) AS b,
       any_value(a.a) FILTER (WHERE a.indicator = 'emissions.ghg') AS reported_ghg
FROM sel LEFT JOIN a USING (member_id, reporting_year) LEFT JOIN b USING (member_id, reporting_year)
GROUP BY sel.member_id, sel.reporting_year
"""  # noqa: E501  # SQL: wrapping a line would change the query text


def _co2e_entry(row: dict[str, Any] | None, country: str, year: int, b_code: str) -> dict[str, Any] | None:
    """Scope 1 and 2 computed from the energy the member reported by carrier, every figure with
    its factor, every carrier that could not be computed with the reason; None when the member
    reported no energy by carrier."""
    if row is None or not row["energy"]:
        return None
    energy = {e["carrier"].removeprefix("energy."): e["mwh"] for e in row["energy"]}
    supplier = (
        None
        if row["market_factor"] is None
        else co2e.Factor(
            row["market_factor"],
            "member-supplied",
            str(year),
            f"market-based factor reported by the member for {year} ({MARKET_FACTOR})",
            year,
        )
    )
    result = co2e.for_member(energy, country, year, supplier)
    totals = {
        "scope1": result.scope1,
        "scope2_location": result.scope2_location,
        "scope2_market": result.scope2_market,
    }
    location = (
        None
        if result.scope1 is None or result.scope2_location is None
        else (result.scope1 + result.scope2_location)
    )
    b = row["b"]
    return {
        "energy": [{"carrier": c, "mwh": mwh} for c, mwh in sorted(energy.items())],
        "figures": [f.as_json() for f in result.figures],
        "gaps": [g.as_json() for g in result.gaps],
        "totals": totals,
        "intensity": None
        if location is None or not b
        else {"t_co2e_per_b": location / b, "b_indicator": b_code, "unit": _per("t", BY_CODE[b_code].unit)},
        "reported_ghg": row["reported_ghg"],
    }


# The reporting-year figures the EU benchmarks of excellence need (numerators and denominators).
_FIGURES_SQL = f"""
WITH {_SELECTION}, {_A}
SELECT a.member_id, list(struct_pack(indicator := a.indicator, value := a.a)) AS figures
FROM a JOIN sel USING (member_id, reporting_year)
WHERE a.a IS NOT NULL AND a.indicator IN (SELECT unnest($benchmark_codes))
GROUP BY a.member_id
"""


def _benchmark_entry(
    nace: str, figures: list[dict[str, Any]] | None, table: benchmarks.Table
) -> dict[str, Any] | None:
    """How the member compares with the EU benchmarks of excellence of the sectoral reference
    documents covering its NACE code: each benchmark with its citation and wording, the member's
    value in the benchmark's unit (None: numerator or denominator not reported) and whether it
    reaches it; None when no shipped document covers the NACE code."""
    documents = table.documents_for(nace)
    if not documents:
        return None
    known = {f["indicator"]: f["value"] for f in figures or []}
    comparisons = []
    for b in table.for_nace(nace):
        a, d = known.get(b.indicator), known.get(b.denominator)
        value = None if a is None or d is None else b.value(a, d)
        comparisons.append(
            {
                "id": b.id,
                "document": b.document.number,
                "citation": b.citation,
                "wording": b.wording,
                "indicator": b.indicator,
                "denominator": b.denominator,
                "unit": b.unit,
                "comparison": b.comparison,
                "threshold": b.threshold,
                "value": value,
                "meets": None if value is None else b.meets(value),
            }
        )
    return {
        "documents": [{"number": d.number, "title": d.title, "oj": d.oj, "url": d.url} for d in documents],
        "comparisons": comparisons,
    }


def _indicator_entry(item: dict[str, Any], b_code: str) -> dict[str, Any]:
    ind = BY_CODE[item["indicator"]]
    b = BY_CODE[b_code]
    values = [{k: v for k, v in point.items() if v is not None} for point in item["series"]]
    latest = item["series"][-1] if item["series"] else {}
    if latest.get("a") is not None:
        status = "reported"
    elif latest.get("justification"):
        status = "excluded"
    else:
        status = "missing"
    return {
        "code": ind.code,
        "group": ind.group,
        "unit": shown(ind.unit),
        "esrs": ESRS_DATAPOINTS[ind.code],
        "b_indicator": b.code,
        "b_unit": shown(b.unit),
        "r_unit": None if ind.unit == "percent" else _per(ind.unit, b.unit),
        "status": status,
        "values": values,
    }


# The statement carries what it publishes of the member's checks (ecocluster.checks.check_summaries:
# what was found, its severity and what it is about) and nothing that changes when the member's
# data do not: not the id of the run that last covered it (a narrower or wider run over the same
# data has another id), nor the observed and expected values, which for peer comparisons hold other
# members' medians (those stay in the check report the verifier reviews), nor the checks' internal
# rule and suite codes, which mean nothing to a reader. No summary: the checks were not run.
def _published_checks(checks: CheckSummary | None, language: str) -> dict[str, Any] | None:
    """The member's check summary as the statement publishes it: each finding named by what is
    wrong (ecocluster.statements._labels.CHECK_TITLES) in the statement's language, never by its rule code."""
    if checks is None:
        return None
    fmt = Formatter(language)
    return {
        "blocking": checks.blocking,
        "warnings": checks.warnings,
        "findings": [
            {"finding": check_title(fmt, f.rule), "severity": f.severity.value, "indicator": f.indicator}
            for f in checks.findings
        ],
    }


def member_documents(
    con: duckdb.DuckDBPyConnection,
    pairs: Sequence[tuple[str, int]],
    languages: dict[str, str],
) -> list[dict[str, Any]]:
    """One statement document per (member, year) pair, in the language chosen for that member."""
    params = _params(pairs)
    params["core"] = [i.code for i in CORE]
    params["carriers"] = [i.code for i in CARRIERS]
    heads = _rows(con, _MEMBERS_SQL, params)
    sections = {
        name: _by_member(_rows(con, sql, params), name)
        for name, sql in (
            ("indicators", _INDICATORS_SQL),
            ("aspects", _ASPECTS_SQL),
            ("objectives", _OBJECTIVES_SQL),
            ("obligations", _OBLIGATIONS_SQL),
            ("nonconformities", _NONCONFORMITIES_SQL),
            ("milestones", _MILESTONES_SQL),
        )
    }
    checks = check_summaries(con, pairs)
    energy = {r["member_id"]: r for r in _rows(con, _ENERGY_SQL, params)}
    table = benchmarks.table()
    params["benchmark_codes"] = sorted({c for b in table.benchmarks for c in (b.indicator, b.denominator)})
    figures = _by_member(_rows(con, _FIGURES_SQL, params), "figures")
    documents = []
    for h in heads:
        mid = h["member_id"]
        language = languages.get(mid, h["language"])
        documents.append(
            {
                "schema": SCHEMA_ID,
                "subject": "member",
                "kind": h["statement_kind"],
                "language": language,
                "reporting_year": h["reporting_year"],
                "document_date": h["opened_on"],
                "cluster": {"cluster_id": h["cluster_id"], "name": h["cluster_name"]},
                "organisation": {
                    k: h[k]
                    for k in (
                        "member_id",
                        "legal_name",
                        "country",
                        "nace",
                        "sector",
                        "employees",
                        "size_class",
                        "public_body",
                        "emas_reg_no",
                        "registered_on",
                        "derogation",
                        "address",
                        "activities",
                        "contact",
                    )
                },
                "policy": {"policy": h["policy"], "governance": h["governance"]},
                "sites": h["sites"],
                "aspects": sections["aspects"].get(mid, []),
                "objectives": sections["objectives"].get(mid, []),
                "indicators": [
                    _indicator_entry(i, h["b_indicator"]) for i in sections["indicators"].get(mid, [])
                ],
                "co2e": _co2e_entry(energy.get(mid), h["country"], h["reporting_year"], h["b_indicator"]),
                "benchmarks": _benchmark_entry(h["nace"], figures.get(mid), table),
                "ems_milestones": sections["milestones"].get(mid, []),
                "compliance": {
                    "checks": _published_checks(checks.get(mid), language),
                    "nonconformities": sections["nonconformities"].get(mid, []),
                },
                "legal_requirements": sections["obligations"].get(mid, []),
            }
        )
    return documents


# The joint statements of a batch of clusters, each with its cycle's year, are read set-wise
# like the members': one query per section for the whole batch, rows ordered by cluster first.
_CLUSTERS = "csel AS (SELECT unnest($clusters) AS cluster_id, unnest($years) AS year)"
# Each member of the batch's clusters with its cluster's year: sections join it on equalities
# (member and year), never csel on a year range, which DuckDB would plan as a nested loop.
_CLUSTER_MEMBERS = (
    "sel AS (SELECT m.member_id, m.cluster_id, m.sector, m.b_indicator, csel.year AS reporting_year "
    "FROM member m JOIN csel USING (cluster_id))"
)

_CLUSTER_SQL = f"""
WITH {_CLUSTERS}
SELECT c.*, cy.kind AS cycle_kind, cy.opened_on, csel.year FROM csel JOIN cluster c USING (cluster_id)
JOIN cycle cy ON cy.cluster_id = c.cluster_id AND cy.reporting_year = csel.year
ORDER BY c.cluster_id
"""

_ROSTER_SQL = f"""
WITH {_CLUSTERS}
SELECT m.cluster_id, m.member_id, m.legal_name, m.sector, m.nace, m.employees, m.emas_reg_no,
       count(DISTINCT e.milestone) FILTER (WHERE e.completed_on IS NOT NULL
                                            AND e.milestone LIKE 'step_%') AS steps_done
FROM csel JOIN member m USING (cluster_id) LEFT JOIN current_ems_milestone e
  ON e.member_id = m.member_id AND e.reporting_year = csel.year
GROUP BY ALL ORDER BY m.cluster_id, m.sector, m.member_id
"""

# The members whose own figures the public joint statement may show: registered ones (their EMAS
# statement is public) and those that agreed in the roster (`publish`). The others still count in
# the peer medians and sector totals of three or more, which do not disclose them.
_PUBLISHABLE = """(SELECT m.member_id FROM member m LEFT JOIN member_consent c USING (member_id)
    WHERE m.emas_reg_no IS NOT NULL OR coalesce(c.publish, false))"""

_SECTOR_TOTALS_SQL = f"""
WITH {_CLUSTERS}, {_CLUSTER_MEMBERS}, {_CATALOGUE}, {_A}
SELECT s.cluster_id, s.sector, cat.indicator, cat.unit, count(a.a) AS members,
       CASE WHEN cat.unit = 'percent' THEN avg(a.a) ELSE sum(a.a) END AS value
FROM a JOIN sel s USING (member_id, reporting_year) JOIN cat USING (indicator)
WHERE a.a IS NOT NULL AND cat.indicator IN (SELECT unnest($shared))
GROUP BY s.cluster_id, s.sector, cat.indicator, cat.unit, cat.ord
HAVING count(a.a) >= {MIN_PEERS} OR bool_and(s.member_id IN (SELECT member_id FROM {_PUBLISHABLE}))
ORDER BY s.cluster_id, s.sector, cat.ord
"""

_CLUSTER_TRENDS_SQL = f"""
WITH {_CLUSTERS}, {_CLUSTER_MEMBERS}, {_CATALOGUE}, {_A}
SELECT t.cluster_id, cat.indicator, cat.unit, list(struct_pack(year := reporting_year, value := value)
                                                    ORDER BY reporting_year) AS series
FROM (SELECT s.cluster_id, a.indicator, a.reporting_year, sum(a.a) AS value
      FROM a JOIN sel s ON s.member_id = a.member_id
      WHERE a.reporting_year BETWEEN s.reporting_year - {TREND_YEARS - 1} AND s.reporting_year AND a.a IS NOT NULL
      GROUP BY ALL) t JOIN cat USING (indicator)
WHERE cat.indicator IN (SELECT unnest($benchmarked))
GROUP BY t.cluster_id, cat.indicator, cat.unit, cat.ord ORDER BY t.cluster_id, cat.ord
"""  # noqa: E501  # SQL: wrapping a line would change the query text

# Peers are the members of the same cluster and sector measuring R against the same B, so that
# kWh per overnight stay is never compared with kWh per employee. The medians are GROUP BY
# aggregates joined back (a windowed median sorts its partition again for every row).
_BENCHMARK_SQL = f"""
WITH {_CLUSTERS}, {_CLUSTER_MEMBERS}, {_CATALOGUE}, {_A}, {_B},
r AS (
    SELECT a.member_id, s.cluster_id, s.sector, s.b_indicator, a.indicator, a.a / b.b AS r
    FROM a JOIN b USING (member_id, reporting_year) JOIN sel s USING (member_id, reporting_year)
    WHERE b.b > 0 AND a.a IS NOT NULL AND a.indicator IN (SELECT unnest($benchmarked))
),
peers AS (
    SELECT cluster_id, sector, b_indicator, indicator, median(r) AS median_r, count(*) AS peers
    FROM r GROUP BY ALL
)
SELECT r.cluster_id, r.member_id, r.sector, r.b_indicator, r.indicator, cat.unit, r.r, p.median_r, p.peers
FROM r JOIN peers p USING (cluster_id, sector, b_indicator, indicator) JOIN cat USING (indicator)
WHERE p.peers >= {MIN_PEERS} AND r.member_id IN (SELECT member_id FROM {_PUBLISHABLE})
ORDER BY r.cluster_id, r.sector, cat.ord, r.member_id
"""

_PROGRAMME_SQL = f"""
WITH {_CLUSTERS}
SELECT cluster_id, objective_id, description, indicator, target_value, target_year
FROM cluster_programme JOIN csel USING (cluster_id) ORDER BY cluster_id, objective_id
"""


def _by_cluster(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows (ordered by cluster) grouped per cluster, without the cluster column."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row.pop("cluster_id"), []).append(row)
    return grouped


def cluster_documents(
    con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int]], language: str | None
) -> list[dict[str, Any]]:
    """The joint statements' documents of (cluster, year) pairs; a cluster without a cycle that
    year has none."""
    ids = con.execute(
        "SELECT member_id FROM member WHERE list_contains($c, cluster_id)", {"c": [c for c, _ in pairs]}
    ).fetchall()
    params = (
        _params([])
        | _id_range([m for (m,) in ids])
        | {
            "clusters": [c for c, _ in pairs],
            "years": [y for _, y in pairs],
            "benchmarked": list(BENCHMARKED),
            "shared": list(SHARED),
        }
    )
    heads = _rows(con, _CLUSTER_SQL, params)
    if not heads:
        return []
    sections = {
        name: _by_cluster(_rows(con, sql, params))
        for name, sql in (
            ("members", _ROSTER_SQL),
            ("sector_totals", _SECTOR_TOTALS_SQL),
            ("trends", _CLUSTER_TRENDS_SQL),
            ("peer_benchmark", _BENCHMARK_SQL),
            ("programme", _PROGRAMME_SQL),
        )
    }
    for rows in sections["peer_benchmark"].values():
        for row in rows:
            row["ratio"] = row["r"] / row["median_r"] if row["median_r"] else None
            row["r_unit"] = _per(row.pop("unit"), BY_CODE[row["b_indicator"]].unit)
    for name in ("sector_totals", "trends"):
        for rows in sections[name].values():
            for row in rows:
                row["unit"] = shown(row["unit"])
    return [
        {
            "schema": SCHEMA_ID,
            "subject": "cluster",
            "kind": "full" if c["cycle_kind"] == "three-year" else "updated",
            "language": language or c["language"],
            "reporting_year": c["year"],
            "document_date": c["opened_on"],
            "cluster": {
                k: c[k]
                for k in (
                    "cluster_id",
                    "name",
                    "country",
                    "territory",
                    "kind",
                    "promoting_body",
                    "description",
                )
            },
            **{name: rows.get(c["cluster_id"], []) for name, rows in sections.items()},
        }
        for c in heads
    ]


def cluster_document(
    con: duckdb.DuckDBPyConnection, cluster_id: str, year: int, language: str | None
) -> dict[str, Any] | None:
    """The joint cluster statement's document, or None when no cycle is open for that year."""
    return next(iter(cluster_documents(con, [(cluster_id, year)], language)), None)
