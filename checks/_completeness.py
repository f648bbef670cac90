"""Suite ``completeness``: EMAS Annex IV C.2 core indicators reported with A and B, or excluded
with a written justification, so that R = A/B can be computed for the statement."""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._rule import (
    CATALOGUE_SQL,
    EXPECTED_REPORTERS,
    SCOPE,
    TOTALS,
    Rule,
    located,
    of_batch,
    rule,
    shown_unit,
)

B = Severity.BLOCKING


def rules(config: CheckConfig) -> tuple[Rule, ...]:
    return (
        rule(
            "completeness.core_missing",
            B,
            "Every core indicator is reported, or excluded with a justification.",
            f"""
            SELECT scope.member_id, cat.code AS indicator, m.roster_sha256 AS submission_id,
                   NULL::INTEGER AS source_row, 'not reported' AS observed,
                   'a value in ' || {shown_unit("cat.unit")} || ' or a written justification' AS expected,
                   'member ' || scope.member_id || ' did not report core indicator ' || cat.code
                   || ' for ' || scope.reporting_year || '; add a row with its value in ' || {shown_unit("cat.unit")}
                   || ', or leave the value empty and write why it is not relevant' AS explanation
            FROM {EXPECTED_REPORTERS}
            JOIN {CATALOGUE_SQL} ON cat.role = 'A' AND cat.required
            WHERE NOT EXISTS (SELECT 1 FROM {of_batch("current_indicator_value")} v WHERE v.member_id = scope.member_id
                  AND v.reporting_year = scope.reporting_year AND v.indicator = cat.code)""",  # noqa: E501  # SQL: wrapping a line would change the query text
            config,
        ),
        rule(
            "completeness.exclusion_unjustified",
            B,
            "An indicator left empty carries a written justification.",
            f"""
            SELECT v.member_id, v.indicator, v.submission_id, v.source_row,
                   'empty value, no justification' AS observed, 'a value or a justification' AS expected,
                   {located("v")} || ': ' || v.indicator || ' has no value and no justification; '
                   || 'enter the value, or explain why the indicator is not relevant' AS explanation
            FROM {of_batch("current_indicator_value")} v
            JOIN {SCOPE} ON scope.member_id = v.member_id AND scope.reporting_year = v.reporting_year
            WHERE v.value IS NULL AND trim(coalesce(v.justification, '')) = ''""",
            config,
        ),
        rule(
            "completeness.b_missing",
            B,
            "The member's output indicator B is reported and positive, so R = A/B exists.",
            f"""
            SELECT scope.member_id, m.b_indicator AS indicator,
                   coalesce(t.submission_id, m.roster_sha256) AS submission_id, t.source_row,
                   coalesce(CAST(t.value AS VARCHAR), 'not reported') AS observed,
                   'a positive ' || m.b_indicator AS expected,
                   'member ' || scope.member_id || ': ' || m.b_indicator || ' (the B of R = A/B) is '
                   || coalesce('zero or negative in ' || {located("t")}, 'not reported')
                   || ' for ' || scope.reporting_year || '; report it so the indicators can be '
                   || 'related to the size of the organisation' AS explanation
            FROM {EXPECTED_REPORTERS}
            LEFT JOIN {TOTALS} t ON t.member_id = scope.member_id
                 AND t.reporting_year = scope.reporting_year AND t.indicator = m.b_indicator
            WHERE t.value IS NULL OR t.value <= 0""",
            config,
        ),
    )
