"""Suite ``plausibility``: values a verifier would question. Jumps against the member's own
history and outliers among peers are warnings for the verifier's review; physically impossible
values and unjustified thousandfold jumps (unit slips) block."""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._peers import RATIO_TABLES
from ecocluster.checks._rule import (
    CATALOGUE_SQL,
    RUN_DB,
    SCOPE,
    TOTALS,
    Rule,
    located,
    number,
    of_batch,
    rule,
    shown_unit,
    values,
)

# (part, whole): the part cannot exceed the whole for the same member and year.
_PART_OF = values(
    [
        ("land.sealed", "land.total"),
        ("land.nature_on_site", "land.total"),
        ("waste.hazardous", "waste.total"),
    ],
    ("part", "whole"),
    "pw",
)

# The totals' units (the catalogue's, in pint's spelling) as the explanations show them: m³, not m**3.
T_UNIT = shown_unit("t.unit")
W_UNIT = shown_unit("w.unit")

IN_SCOPE = f"JOIN {SCOPE} ON scope.member_id = t.member_id AND scope.reporting_year = t.reporting_year"


def _peer_stats(partition: str, where: str) -> str:
    """Median and MAD of R per peer group: the peers of a one-member run are the 20,000 members
    of its sector, so this is computed once per run (see :data:`RUN_DB`), not in every pass."""
    return f"""
        WITH stats AS (  -- aggregates joined back: a windowed median re-sorts the partition per row
            SELECT {partition}, median(r) AS med, median(lr) AS lmed, count(*) AS n_peers
            FROM {RUN_DB}.peer_ratios {where} GROUP BY {partition}
        ), spread AS (
            SELECT {partition}, median(abs(r.lr - s.lmed)) AS mad
            FROM {RUN_DB}.peer_ratios r JOIN stats s USING ({partition}) GROUP BY {partition}
        )
        SELECT {partition}, s.med, s.lmed, s.n_peers, d.mad FROM stats s JOIN spread d USING ({partition})"""


# name, extra partition column, wording, which groups a run needs; cluster peers are a subset of
# the sector's peers, and only the batch's clusters are compared with (not the sector's 1,000)
_PEER_GROUPS = (
    (
        "cluster",
        ", cluster_id",
        "in the same cluster",
        "WHERE cluster_id IN (SELECT cb.cluster_id FROM {batch} AS cb)",
    ),
    ("all", "", "across all clusters", ""),
)


def run_tables() -> tuple[tuple[str, str], ...]:
    """(table, query over ``{batch}``) the peer rules read, in order of creation, once per run,
    after the run's totals: the ratios (computed or stored, checks/_peers.py), then their medians."""
    return (
        *RATIO_TABLES,
        *(
            (f"{RUN_DB}.peers_{name}", _peer_stats(f"reporting_year, sector, indicator{extra}", where))
            for name, extra, _, where in _PEER_GROUPS
        ),
    )


def _peer_outlier(config: CheckConfig, name: str, extra_partition: str, peers: str) -> Rule:
    """R = A/B against the median of same-sector peers, on a log scale (ratios spread
    multiplicatively); the MAD makes one wild peer harmless, and the factor keeps statistically
    unusual but immaterial differences (peers that are all alike) out of the verifier's way."""
    partition = f"reporting_year, sector, indicator{extra_partition}"
    return rule(
        f"plausibility.peer_outlier_{name}",
        Severity.WARNING,
        f"R = A/B is not a robust outlier among same-sector peers {peers}.",
        f"""
        WITH z AS (
            SELECT r.*, s.med, s.lmed, s.n_peers, s.mad
            FROM {RUN_DB}.peer_ratios r JOIN {RUN_DB}.peers_{name} s USING ({partition})
        )
        SELECT t.member_id, t.indicator, t.submission_id, t.source_row,
               'R = ' || {number("t.r")} AS observed,
               'near the peer median ' || {number("t.med")} || ' (' || t.n_peers || ' ' || t.sector
               || ' members {peers})' AS expected,
               'member ' || t.member_id || ': ' || t.indicator || ' per unit of output is '
               || {number("t.r")} || ' against a median of ' || {number("t.med")} || ' among '
               || t.n_peers || ' ' || t.sector || ' members {peers} (' || {located("t")}
               || '); check the value and its unit, or explain the difference to the verifier'
               AS explanation
        FROM z t {IN_SCOPE}
        WHERE t.n_peers >= {config.min_peers} AND t.mad > 0
          AND abs(0.6745 * (t.lr - t.lmed) / t.mad) > {config.outlier_z}
          AND abs(t.lr - t.lmed) > ln({config.outlier_factor})""",
        config,
    )


# A unit slip: kWh entered as MWh, kg as t, litres as m³ make a total about 1000 times (or a
# thousandth of) the member's previous year. Between 300x and 3000x, either way, is "about".
_SLIP = 1000.0
_SLIP_TOLERANCE = 3.0


def _history() -> str:
    """The batch's yearly totals with the member's most recent earlier year beside them (``h``),
    and whether the member wrote a justification on the indicator's rows this year."""
    return f"""
            WITH previous AS (  -- the most recent earlier year: an aggregate, which DuckDB spills to
                                -- disk, where a window over every year of 120,000 members did not
                SELECT member_id, indicator, max(reporting_year) AS previous_year,
                       arg_max(value, reporting_year) AS previous
                FROM {TOTALS} e WHERE e.reporting_year < (SELECT min(yb.reporting_year) FROM {{batch}} AS yb)
                GROUP BY member_id, indicator
            ), justified AS (
                SELECT DISTINCT member_id, reporting_year, indicator
                FROM {of_batch("current_indicator_value")} j WHERE nullif(trim(j.justification), '') IS NOT NULL
            ), h AS (
                SELECT t.*, p.previous, p.previous_year, t.value / p.previous AS ratio,
                       j.member_id IS NOT NULL AS justified
                FROM {TOTALS} t JOIN previous p ON p.member_id = t.member_id AND p.indicator = t.indicator
                LEFT JOIN justified j ON j.member_id = t.member_id AND j.reporting_year = t.reporting_year
                     AND j.indicator = t.indicator
                WHERE t.value > 0 AND p.previous > 0
            )"""  # noqa: E501  # SQL: wrapping a line would change the query text


# SQL condition on ``t`` (a row of :func:`_history`): the total is about a thousandfold jump.
_ABOUT_A_THOUSANDFOLD = (
    f"(t.ratio BETWEEN {_SLIP / _SLIP_TOLERANCE} AND {_SLIP * _SLIP_TOLERANCE}"
    f" OR t.ratio BETWEEN {1 / (_SLIP * _SLIP_TOLERANCE)} AND {_SLIP_TOLERANCE / _SLIP})"
)


def _unit_slip(config: CheckConfig) -> Rule:
    """A thousandfold jump blocks: a verifier signed 93,070 MWh for a five-person trattoria when it
    was only a warning. A real change of that size passes once the member explains it in the row's
    ``justification`` column (it then stays a year-on-year warning for the verifier)."""
    return rule(
        "plausibility.unit_slip",
        Severity.BLOCKING,
        "A core indicator is not about 1000 times (or a thousandth of) the member's previous year, "
        "unless the member justifies the change: a kWh/MWh, kg/t or litre/m³ slip.",
        f"""
            {_history()}
            SELECT t.member_id, t.indicator, t.submission_id, t.source_row,
                   {number("t.value")} || ' ' || {T_UNIT} AS observed,
                   'not about 1000 times the ' || t.previous_year || ' value ' || {number("t.previous")}
                   || ' ' || {T_UNIT} || ', or a justification' AS expected,
                   {located("t")} || ': ' || t.indicator || ' is ' || {number("t.value")} || ' ' || {T_UNIT}
                   || ', ' || {number("round(t.ratio, 3)")} || ' times the ' || t.previous_year || ' value '
                   || {number("t.previous")} || ' ' || {T_UNIT} || ': most likely a unit slip (kWh written as MWh, '
                   || 'kg as t, litres as m³); correct the value or its unit, or, if the change is real, write why '
                   || 'in the justification column of the row and send the file again' AS explanation
            FROM h t {IN_SCOPE}
            JOIN {CATALOGUE_SQL} ON cat.code = t.indicator AND cat.role = 'A'
            WHERE NOT t.justified AND {_ABOUT_A_THOUSANDFOLD}""",  # noqa: E501  # SQL: wrapping a line would change the query text
        config,
    )


def rules(config: CheckConfig) -> tuple[Rule, ...]:
    """The suite's rules; an unjustified thousandfold jump is reported by plausibility.unit_slip
    alone, not also as a year-on-year warning."""
    f = config.yoy_factor
    return (
        rule(
            "plausibility.yoy_jump",
            Severity.WARNING,
            f"A core indicator changes by less than a factor {f:g} from the member's previous year.",
            f"""
            {_history()}
            SELECT t.member_id, t.indicator, t.submission_id, t.source_row,
                   {number("t.value")} || ' ' || {T_UNIT} AS observed,
                   'between ' || {number(f"t.previous / {f}")} || ' and ' || {number(f"t.previous * {f}")}
                   || ' (' || t.previous_year || ': ' || {number("t.previous")} || ')' AS expected,
                   {located("t")} || ': ' || t.indicator || ' is ' || {number("t.value")} || ' ' || {T_UNIT}
                   || ', ' || {number("t.value / t.previous")} || ' times the ' || t.previous_year
                   || ' value ' || {number("t.previous")} || '; check the unit (kWh vs MWh, kg vs t) '
                   || 'and the value, or explain the change to the verifier' AS explanation
            FROM h t {IN_SCOPE}
            JOIN {CATALOGUE_SQL} ON cat.code = t.indicator AND cat.role = 'A'
            WHERE (t.ratio > {f} OR t.ratio < 1.0 / {f})
              AND (t.justified OR NOT {_ABOUT_A_THOUSANDFOLD})""",
            config,
        ),
        _unit_slip(config),
        *(_peer_outlier(config, name, extra, wording) for name, extra, wording, _ in _PEER_GROUPS),
        rule(
            "plausibility.impossible_value",
            Severity.BLOCKING,
            "Shares are at most 100 % and no part exceeds its whole (sealed or nature area vs "
            "total land, hazardous vs total waste).",
            f"""
            SELECT t.member_id, t.indicator, t.submission_id, t.source_row,
                   {number("t.value")} || ' %' AS observed, 'at most 100 %' AS expected,
                   {located("t")} || ': ' || t.indicator || ' is ' || {number("t.value")}
                   || ' %, more than 100 %; enter the share as a percentage of the total' AS explanation
            FROM {TOTALS} t {IN_SCOPE}
            WHERE t.unit = 'percent' AND t.value > 100
            UNION ALL
            SELECT t.member_id, t.indicator, t.submission_id, t.source_row,
                   {number("t.value")} || ' ' || {T_UNIT} AS observed,
                   'at most ' || w.indicator || ' = ' || {number("w.value")} || ' ' || {W_UNIT} AS expected,
                   {located("t")} || ': ' || t.indicator || ' (' || {number("t.value")} || ' ' || {T_UNIT}
                   || ') is larger than ' || w.indicator || ' (' || {number("w.value")} || ' ' || {W_UNIT}
                   || '), which cannot be; correct one of the two' AS explanation
            FROM {TOTALS} t {IN_SCOPE}
            JOIN {_PART_OF} ON pw.part = t.indicator
            JOIN {TOTALS} w ON w.member_id = t.member_id AND w.reporting_year = t.reporting_year
                 AND w.indicator = pw.whole
            WHERE t.value > w.value""",
            config,
        ),
    )
