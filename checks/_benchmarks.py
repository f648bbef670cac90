"""EU benchmark of excellence rules of the ``plausibility`` suite (issue 19): one GX expectation per
benchmark of the shipped table (``ecocluster.warehouse.benchmarks``), for the members whose NACE
code its sectoral reference document covers.

Not reaching a benchmark of excellence is no fault in the data: frontrunners set it, and EMAS asks
an organisation to take it into account, not to meet it. So every rule is a warning for the
verifier's review (a coordinator may not make it blocking without saying so in
``[checks.severity]``), and a member without the denominator (floor area, overnight stays …) is
not compared at all rather than counted as meeting it.
"""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._rule import SCOPE, TOTALS, Rule, located, number, rule
from ecocluster.warehouse import benchmarks
from ecocluster.warehouse.benchmarks import Benchmark
from ecocluster.warehouse.indicators import BY_CODE
from ecocluster.warehouse.unit_text import shown


def _text(value: str) -> str:
    """A Python string as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def _nace(b: Benchmark) -> str:
    """The members the benchmark's document covers, as a condition on ``m.nace``."""
    return " OR ".join(
        f"m.nace = {_text(p)} OR starts_with(m.nace, {_text(p if '.' in p else p + '.')})"
        for p in b.document.nace
    )


def _threshold(b: Benchmark) -> str:
    return f"{b.comparison} {b.threshold:g} {b.unit}"


def _rule(b: Benchmark, config: CheckConfig) -> Rule:
    ratio = f"(a.value / d.value * {b.factor!r})"
    met = f"{ratio} {b.comparison} {b.threshold!r}"
    indicator, denominator = BY_CODE[b.indicator], BY_CODE[b.denominator]
    return rule(
        f"{benchmarks.RULE_PREFIX}{b.id}",
        Severity.WARNING,
        f"{indicator.label} per {denominator.label.lower()} is {_threshold(b)}, the EU benchmark of "
        f"excellence of {b.citation}.",
        f"""
        SELECT a.member_id, a.indicator, a.submission_id, a.source_row,
               {number(f"round({ratio}, 3)")} || {_text(" " + b.unit)} AS observed,
               {_text(_threshold(b) + " (EU benchmark of excellence)")} AS expected,
               {located("a")} || ': ' || a.indicator || ' ' || {number("a.value")}
               || {_text(" " + shown(indicator.unit) + " per " + b.denominator + " ")}
               || {number("d.value")} || {_text(" " + shown(denominator.unit) + " is ")}
               || {number(f"round({ratio}, 3)")}
               || {_text(f" {b.unit}, not {_threshold(b)}: the EU benchmark of excellence of {b.citation} ")}
               || {_text(f'("{b.wording}")')}
               || '. Not a data error: the statement compares the member with the benchmark; the member '
               || 'says in its statement how it takes the benchmark into account' AS explanation
        FROM {TOTALS} a
        JOIN {SCOPE} ON scope.member_id = a.member_id AND scope.reporting_year = a.reporting_year
        JOIN member m ON m.member_id = a.member_id
        JOIN {TOTALS} d ON d.member_id = a.member_id AND d.reporting_year = a.reporting_year
             AND d.indicator = {_text(b.denominator)}
        WHERE a.indicator = {_text(b.indicator)} AND d.value > 0 AND ({_nace(b)}) AND NOT ({met})""",
        config,
    )


def rules(config: CheckConfig, table: benchmarks.Table | None = None) -> tuple[Rule, ...]:
    """One rule per benchmark of ``table`` (the shipped one unless given)."""
    found = benchmarks.table() if table is None else table
    return tuple(_rule(b, config) for b in found.benchmarks)
