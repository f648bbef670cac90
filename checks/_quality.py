"""Suite ``data_quality``: values that cannot be right whatever the member does."""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._rule import CATALOGUE_SQL, SCOPE, Rule, located, number, of_batch, rule, shown_unit

B = Severity.BLOCKING

IN_SCOPE = f"JOIN {SCOPE} ON scope.member_id = v.member_id AND scope.reporting_year = v.reporting_year"


def rules(config: CheckConfig) -> tuple[Rule, ...]:
    return (
        rule(
            "data_quality.negative_quantity",
            B,
            "Indicator quantities are not negative.",
            f"""
            SELECT v.member_id, v.indicator, v.submission_id, v.source_row,
                   {number("v.value")} || ' ' || {shown_unit("v.unit")} AS observed, '0 or more' AS expected,
                   {located("v")} || ': ' || v.indicator || ' is negative (' || {number("v.value")}
                   || ' ' || {shown_unit("v.unit")} || '); a quantity cannot be below zero, correct the value and '
                   || 'submit the file again' AS explanation
            FROM {of_batch("current_indicator_value")} v {IN_SCOPE}
            WHERE v.value < 0""",  # noqa: E501  # SQL: wrapping a line would change the query text
            config,
        ),
        rule(
            "data_quality.unit_not_canonical",
            B,
            "Indicator codes are in the catalogue and values are stored in the indicator's unit.",
            f"""
            SELECT v.member_id, v.indicator, v.submission_id, v.source_row,
                   coalesce({shown_unit("v.unit")}, 'no unit') AS observed,
                   coalesce({shown_unit("cat.unit")}, 'a catalogue indicator') AS expected,
                   {located("v")} || ': ' || v.indicator || CASE WHEN cat.code IS NULL
                       THEN ' is not an indicator of the catalogue; use one of the codes in the template'
                       ELSE ' is stored in ' || coalesce({shown_unit("v.unit")}, 'no unit') || ' instead of '
                            || {shown_unit("cat.unit")}
                            || '; re-ingest the file so its unit is converted' END AS explanation
            FROM {of_batch("current_indicator_value")} v {IN_SCOPE}
            LEFT JOIN {CATALOGUE_SQL} ON cat.code = v.indicator
            WHERE cat.code IS NULL OR v.unit IS DISTINCT FROM cat.unit""",
            config,
        ),
        rule(
            "data_quality.period_outside_year",
            B,
            "Reporting periods lie inside the reporting year and start before they end.",
            f"""
            SELECT v.member_id, v.indicator, v.submission_id, v.source_row,
                   coalesce(CAST(v.period_start AS VARCHAR), '?') || ' to '
                   || coalesce(CAST(v.period_end AS VARCHAR), '?') AS observed,
                   'within ' || v.reporting_year AS expected,
                   {located("v")} || ': the period of ' || v.indicator || ' is not inside '
                   || v.reporting_year || '; report the calendar year ' || v.reporting_year AS explanation
            FROM {of_batch("current_indicator_value")} v {IN_SCOPE}
            WHERE year(v.period_start) <> v.reporting_year OR year(v.period_end) <> v.reporting_year
               OR v.period_start > v.period_end""",
            config,
        ),
        rule(
            "data_quality.measurement_outside_year",
            Severity.WARNING,
            "Measurements were taken in the reporting year.",
            f"""
            SELECT v.member_id, v.parameter AS indicator, v.submission_id, v.source_row,
                   CAST(v.measured_on AS VARCHAR) AS observed, 'in ' || v.reporting_year AS expected,
                   {located("v")} || ': measurement of ' || v.parameter || ' dated ' || v.measured_on
                   || ' reported for ' || v.reporting_year || '; check the date or report it in its own year'
                   AS explanation
            FROM {of_batch("current_measurement")} v {IN_SCOPE}
            WHERE year(v.measured_on) <> v.reporting_year""",
            config,
        ),
        rule(
            "data_quality.duplicate_indicator",
            B,
            "Each (member, site, indicator, period) is reported once.",
            f"""
            SELECT v.member_id, v.indicator, v.submission_id, v.source_row,
                   CAST(d.n AS VARCHAR) || ' rows' AS observed, '1 row' AS expected,
                   {located("v")} || ': ' || v.indicator || coalesce(' for site ' || v.site_id, '')
                   || ' is reported ' || d.n || ' times for the same period; keep one row' AS explanation
            -- counted by an aggregate joined back, which DuckDB spills to disk (a window did not)
            FROM (SELECT member_id, reporting_year, site_id, indicator, period_start, period_end, count(*) AS n
                  FROM {of_batch("current_indicator_value")} c GROUP BY ALL HAVING count(*) > 1) d
            JOIN {of_batch("current_indicator_value")} v ON v.member_id = d.member_id
                 AND v.reporting_year = d.reporting_year AND v.indicator = d.indicator
                 AND v.site_id IS NOT DISTINCT FROM d.site_id AND v.period_start IS NOT DISTINCT FROM d.period_start
                 AND v.period_end IS NOT DISTINCT FROM d.period_end
            {IN_SCOPE}""",  # noqa: E501  # SQL: wrapping a line would change the query text
            config,
        ),
        rule(
            "data_quality.unknown_member",
            B,
            "Every submission belongs to a member of the roster.",
            f"""
            SELECT p.member_id, NULL AS indicator, p.submission_id, NULL::INTEGER AS source_row,
                   p.member_id AS observed, 'a member of the cluster roster' AS expected,
                   'member ' || p.member_id || ' submitted ' || p.section || ' for ' || p.reporting_year
                   || ' but is not in any cluster roster; add it to the roster and ingest the roster again'
                   AS explanation
            FROM {of_batch("current_part")} p JOIN {SCOPE} ON scope.member_id = p.member_id
                 AND scope.reporting_year = p.reporting_year
            WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.member_id = p.member_id)""",
            config,
        ),
        rule(
            "data_quality.no_open_cycle",
            B,
            "Members submit only for a cycle their cluster opened.",
            f"""
            SELECT scope.member_id, NULL AS indicator, any_value(p.submission_id) AS submission_id,
                   NULL::INTEGER AS source_row, 'no cycle' AS observed,
                   'a cycle opened for ' || scope.reporting_year AS expected,
                   'member ' || scope.member_id || ' submitted data for ' || scope.reporting_year
                   || ' but cluster ' || scope.cluster_id || ' has no cycle open for that year; '
                   || 'open the cycle or correct the reporting year' AS explanation
            FROM {of_batch("current_part")} p JOIN {SCOPE} ON scope.member_id = p.member_id
                 AND scope.reporting_year = p.reporting_year
            WHERE scope.cluster_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cycle cy
                  WHERE cy.cluster_id = scope.cluster_id AND cy.reporting_year = scope.reporting_year)
            GROUP BY scope.member_id, scope.cluster_id, scope.reporting_year""",
            config,
        ),
    )
