"""A rule is one GX expectation: an unexpected-rows query over the ``current_*`` views.

The same query text serves twice. GX counts its rows (``ecocluster.checks._gx.CountedRowsExpectation``) to
decide the suite's verdict and to render Data Docs; DuckDB runs it again, uncapped, to attribute
every failing row to its member, indicator and source row (GX would return at most 200). Every query
joins the run's scope as ``{batch} AS scope`` (columns member_id, cluster_id, reporting_year) and
returns :data:`RESULT_COLUMNS`, so one INSERT stores the rows of every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ecocluster.checks._config import CheckConfig, Severity, severity_of
from ecocluster.warehouse.indicators import CATALOGUE
from ecocluster.warehouse.unit_text import shown_sql

# ``{batch}`` is what GX substitutes with the batch (the scope query); the JOIN keyword in every
# rule makes GX substitute it as a bare parenthesised subquery, so the alias is ours.
SCOPE = "{batch} AS scope"
RESULT_COLUMNS = (
    "member_id",
    "indicator",
    "submission_id",
    "source_row",
    "observed",
    "expected",
    "explanation",
)


@dataclass(frozen=True)
class Rule:
    name: str  # suite.rule, stable: stored with every result and used in [checks.severity]
    severity: Severity
    description: str  # one sentence for Data Docs and the report
    query: str

    def __post_init__(self) -> None:
        if SCOPE not in self.query:
            raise ValueError(f"rule {self.name}: its query must join {SCOPE}")

    @property
    def suite(self) -> str:
        return self.name.split(".", 1)[0]

    def bound(self, scope_sql: str) -> str:
        return bound(self.query, scope_sql)


def bound(query: str, scope_sql: str) -> str:
    """The query with the scope substituted exactly as GX does for a JOIN query."""
    return query.replace("{batch}", f"({scope_sql})")


def rule(name: str, default: Severity, description: str, query: str, config: CheckConfig) -> Rule:
    return Rule(name, severity_of(config, name, default), description, query)


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def values(rows: list[tuple[object, ...]], columns: tuple[str, ...], alias: str) -> str:
    """A constant table as SQL, so Python catalogues join set-wise instead of being looped over."""
    body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    return f"(VALUES {body}) AS {alias}({', '.join(columns)})"


CATALOGUE_SQL = values(
    [(i.code, i.unit, i.role.value, i.required) for i in CATALOGUE],
    ("code", "unit", "role", "required"),
    "cat",
)

# Members that must report this year: in scope, and their cluster has the cycle open.
EXPECTED_REPORTERS = (
    f"{SCOPE} JOIN cycle cy ON cy.cluster_id = scope.cluster_id AND cy.reporting_year = scope.reporting_year"
    " JOIN member m ON m.member_id = scope.member_id"
)

# Inputs restricted to the run's members before anything is aggregated, so that a one-member rerun
# in a 120,000-member warehouse totals that member's rows, not everyone's (GX substitutes every
# ``{batch}``, so a rule may name the batch more than once).
IN_BATCH = "member_id IN (SELECT ib.member_id FROM {batch} AS ib)"


def of_batch(view: str) -> str:
    """The ``current_*`` view's rows of the run's members (see :data:`IN_BATCH`)."""
    return f"(SELECT * FROM {view} WHERE {IN_BATCH})"


# Peers of the run's members: every member of the same sector (cluster peers are among them),
# so the peer statistics over a narrow scope are exactly those of the whole-year run.
_IN_YEAR = " AND reporting_year IN (SELECT yb.reporting_year FROM {batch} AS yb)"
SECTOR_PEERS = (
    "member_id IN (SELECT pm.member_id FROM member pm WHERE pm.sector IN"
    " (SELECT sm.sector FROM member sm JOIN {batch} AS sb ON sb.member_id = sm.member_id))" + _IN_YEAR
)


# The run's own in-memory database (attached to the read-only reader, which GX's cursors share):
# tables computed once per run from the batch, read by GX's count and by the attribution alike.
RUN_DB = "run_scratch"  # not check_run: that is the warehouse table of runs


def whole_year(rule: Rule) -> Rule:
    """The rule for a whole-year run, without the restrictions to the batch's members and peers.

    They are semi-joins that make a narrow run read only its own rows, but over the whole year
    DuckDB builds their hash tables on the warehouse side (out of memory at 120,000 members),
    and there they restrict nothing anyway.
    """
    return replace(rule, query=unrestricted(rule.query))


# Up to this many named members, a run spells them out (:func:`for_members`); beyond, the
# constant list costs more than it saves (at 120,000 members: a wash at 100, 5,000 members of a
# cycle's batch 6 s -> 27 s).
SPELL_OUT_AT_MOST = 50


def for_members(rule: Rule, members: tuple[str, ...]) -> Rule:
    """The rule for a run of a few named members, with the members spelled out in its restrictions.

    DuckDB prunes a table's row groups by a constant list (their min/max member_id), but not
    by a semi-join: in the 120,000-member warehouse a view's rows of one member take 3 ms
    instead of the 30 ms of scanning ``submission_part`` whole, in each rule and each pass.
    Equivalent: a member run's batch holds no one but these members.
    """
    return replace(rule, query=spelled_out(rule.query, members))


def spelled_out(query: str, members: tuple[str, ...]) -> str:
    """``query`` with :data:`IN_BATCH` as a constant list of ``members`` (see :func:`for_members`)."""
    return query.replace(IN_BATCH, f"member_id IN ({', '.join(_literal(m) for m in members)})")


def unrestricted(query: str) -> str:
    """``query`` without the restrictions to the batch's members and peers (see :func:`whole_year`)."""
    for restriction in (IN_BATCH, SECTOR_PEERS):
        query = query.replace(restriction, "TRUE")
    return query


def totals(members: str, *, located: bool = True) -> str:
    """Yearly totals per member and indicator of the members ``members`` selects: sites add up,
    shares average. The first source row stands for the total when a failure is attributed;
    totals that are never shown (``located=False``: peers only compared with) skip finding it,
    which is a third of the cost of aggregating a sector's 20,000 members."""
    source = (
        "arg_min(submission_id, source_row) AS submission_id, min(source_row) AS source_row"
        if located
        else "NULL::VARCHAR AS submission_id, NULL::INTEGER AS source_row"
    )
    return (
        "(SELECT member_id, reporting_year, indicator,"
        " CASE WHEN any_value(unit) = 'percent' THEN avg(value) ELSE sum(value) END AS value,"
        f" any_value(unit) AS unit, {source}"
        f" FROM current_indicator_value WHERE value IS NOT NULL AND {members}"
        " GROUP BY member_id, reporting_year, indicator)"
    )


# The run's yearly totals, aggregated once per run (see :data:`RUN_TABLES`): the batch's members
# in every year (for year-on-year jumps) and their sector peers in the run's year. Every rule
# reading totals and GX's pass over it read this one table instead of each re-aggregating
# ``current_indicator_value`` (6.5 million rows at 120,000 members).
RUN_TOTALS = f"{RUN_DB}.totals"
TOTALS = f"(SELECT * FROM {RUN_TOTALS} WHERE {IN_BATCH})"

# The run's peers with their stamps (checks/_peers.py): a peer whose stored ratios stand
# (``cached``) needs no totals; the others are aggregated here.
PEER_STAMPS = f"{RUN_DB}.peer_stamps"
_STALE_PEERS = f"member_id IN (SELECT sp.member_id FROM {PEER_STAMPS} sp WHERE NOT sp.cached)"

# Two aggregates, not one over ``IN_BATCH OR SECTOR_PEERS``: DuckDB turns each restriction alone
# into a semi-join, but their OR into a test of every row (0.25 s against 0.4-0.8 s at 120,000).
# A whole-year run drops both restrictions, leaving everyone once (``TRUE AND NOT TRUE``).
_RUN_TOTALS_SQL = (
    f"SELECT * FROM {totals(IN_BATCH)} UNION ALL"
    f" SELECT * FROM {totals(f'{SECTOR_PEERS} AND NOT {IN_BATCH} AND {_STALE_PEERS}', located=False)}"
)
RUN_TABLES = ((RUN_TOTALS, _RUN_TOTALS_SQL),)


def located(alias: str) -> str:
    """SQL text naming the file and row of ``alias``'s source row, for explanations."""
    return (
        f"coalesce((SELECT filename FROM submission s WHERE s.submission_id = {alias}.submission_id),"
        f" 'submission ' || {alias}.submission_id) || ' row ' || {alias}.source_row"
    )


def shown_unit(expr: str) -> str:
    """A unit as a person writes it: pint's ``m**3`` and ``percent`` as m³ and %
    (ecocluster.warehouse.unit_text)."""
    return shown_sql(expr)


def number(expr: str) -> str:
    """A value as a person writes it: no trailing zeros, no exponent for ordinary sizes."""
    return (
        f"CASE WHEN ({expr}) = trunc({expr}) AND abs({expr}) < 1e15 "
        f"THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR)"
        f" ELSE CAST(round({expr}, 6) AS VARCHAR) END"
    )
