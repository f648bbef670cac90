"""Suite ``compliance``: legal compliance and the EMS prerequisites a verifier must see before
validating (Art. 4, 6, 7; step-by-step approach of seed 002)."""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._rule import (
    EXPECTED_REPORTERS,
    SCOPE,
    Rule,
    located,
    number,
    of_batch,
    rule,
    shown_unit,
)
from ecocluster.warehouse.emas_calendar import ELIGIBLE_SIZES, derogation_eligible
from ecocluster.warehouse.indicators import INTERMEDIATE_AUDITS, STEPS

B = Severity.BLOCKING
W = Severity.WARNING

IN_SCOPE = f"JOIN {SCOPE} ON scope.member_id = o.member_id AND scope.reporting_year = o.reporting_year"
EXPECTED_SIZES = " or ".join(ELIGIBLE_SIZES)
_GATE = ", ".join(f"'{m}'" for m in STEPS + INTERMEDIATE_AUDITS)
# The milestones of the run's members only: the correlated lookups below would otherwise join the
# whole warehouse's milestones in a one-member rerun (scope.member_id is always a batch member).
MILESTONES = of_batch("current_ems_milestone")
OBLIGATIONS = of_batch("current_obligation")


def _missing_in_year(config: CheckConfig, milestone: str, label: str) -> Rule:
    """Art. 4 and the yearly cycle need the milestone completed within the reporting year."""
    return rule(
        f"compliance.{milestone}_missing",
        B,
        f"The {label} was completed in the reporting year.",
        f"""
        SELECT scope.member_id, '{milestone}' AS indicator, m.roster_sha256 AS submission_id,
               NULL::INTEGER AS source_row,
               coalesce('last on ' || (SELECT CAST(max(e.completed_on) AS VARCHAR) FROM {MILESTONES} e
                        WHERE e.member_id = scope.member_id AND e.milestone = '{milestone}'), 'never')
               AS observed, 'completed in ' || scope.reporting_year AS expected,
               'member ' || scope.member_id || ': no {label} completed in ' || scope.reporting_year
               || '; carry it out and report its date in the milestones section' AS explanation
        FROM {EXPECTED_REPORTERS}
        WHERE NOT EXISTS (SELECT 1 FROM {MILESTONES} e WHERE e.member_id = scope.member_id
              AND e.milestone = '{milestone}' AND year(e.completed_on) = scope.reporting_year)""",
        config,
    )


def _open_nonconformity(config: CheckConfig, severity: str, default: Severity) -> Rule:
    return rule(
        f"compliance.open_{severity}_nonconformity",
        default,
        f"No {severity} nonconformity is left open.",
        f"""
        SELECT o.member_id, o.nc_id AS indicator, o.submission_id, o.source_row,
               'open since ' || o.opened_on AS observed, 'closed with a corrective action' AS expected,
               {located("o")} || ': {severity} nonconformity ' || o.nc_id || ' (' || o.description
               || ') is open since ' || o.opened_on || '; correct it, then report closed_on and the '
               || 'corrective action' AS explanation
        FROM {of_batch("current_nonconformity")} o {IN_SCOPE}
        WHERE o.severity = '{severity}' AND o.closed_on IS NULL""",
        config,
    )


def rules(config: CheckConfig) -> tuple[Rule, ...]:
    return (
        rule(
            "compliance.permit_exceeded",
            B,
            "Measurements stay within their permit limits.",
            f"""
            SELECT o.member_id, o.parameter AS indicator, o.submission_id, o.source_row,
                   {number("o.value_submitted")} || ' ' || {shown_unit("o.unit_submitted")} || ' on ' || o.measured_on AS observed,
                   'at most ' || {number("p.limit_value_submitted")} || ' ' || {shown_unit("p.limit_unit_submitted")} AS expected,
                   {located("o")} || ': ' || o.parameter || ' measured ' || {number("o.value_submitted")} || ' '
                   || {shown_unit("o.unit_submitted")} || ' on ' || o.measured_on || ', above the limit '
                   || {number("p.limit_value_submitted")} || ' ' || {shown_unit("p.limit_unit_submitted")} || ' of ' || p.title || ' ('
                   || p.obligation_id || '); report the corrective action taken as a nonconformity'
                   AS explanation
            -- compared in SI base units, shown in the units the member submitted
            FROM {of_batch("current_measurement")} o {IN_SCOPE}
            JOIN {of_batch("current_obligation")} p ON p.member_id = o.member_id AND p.reporting_year = o.reporting_year
                 AND p.obligation_id = o.obligation_id
            WHERE p.limit_value IS NOT NULL AND o.value > p.limit_value
              AND (p.parameter IS NULL OR lower(p.parameter) = lower(o.parameter))
              AND p.limit_unit IS NOT DISTINCT FROM o.unit""",  # noqa: E501  # SQL: wrapping a line would change the query text
            config,
        ),
        rule(
            "compliance.permit_expired",
            B,
            "Permits are valid until the end of the reporting year.",
            f"""
            SELECT o.member_id, o.obligation_id AS indicator, o.submission_id, o.source_row,
                   'valid until ' || o.valid_until AS observed,
                   'valid until ' || o.reporting_year || '-12-31 or later' AS expected,
                   {located("o")} || ': permit ' || o.obligation_id || ' (' || o.title || ') '
                   || CASE WHEN o.valid_until < make_date(o.reporting_year, 1, 1) THEN 'expired on '
                           ELSE 'expires before the end of the cycle, on ' END || o.valid_until
                   || '; renew it with ' || coalesce(o.authority, 'the authority')
                   || ' and report the new validity' AS explanation
            FROM {of_batch("current_obligation")} o {IN_SCOPE}
            WHERE o.kind = 'permit' AND o.valid_until < make_date(o.reporting_year, 12, 31)""",
            config,
        ),
        rule(
            "compliance.obligation_incomplete",
            W,
            "Permits in the obligations register state their validity and, for a parameter, its limit.",
            f"""
            SELECT o.member_id, o.obligation_id AS indicator, o.submission_id, o.source_row,
                   CASE WHEN o.valid_until IS NULL THEN 'no validity date' ELSE 'no limit value' END
                   AS observed, 'validity date and limit' AS expected,
                   {located("o")} || ': permit ' || o.obligation_id || ' (' || o.title || ') has '
                   || CASE WHEN o.valid_until IS NULL THEN 'no valid_until date'
                           ELSE 'a parameter (' || o.parameter || ') but no limit value' END
                   || '; complete the obligations register' AS explanation
            FROM {of_batch("current_obligation")} o {IN_SCOPE}
            WHERE o.kind = 'permit' AND (o.valid_until IS NULL
                  OR (o.parameter IS NOT NULL AND o.limit_value IS NULL))""",
            config,
        ),
        rule(
            "compliance.obligations_empty",
            B,
            "The obligations register is not empty.",
            f"""
            SELECT scope.member_id, NULL AS indicator, m.roster_sha256 AS submission_id,
                   NULL::INTEGER AS source_row, 'no obligations' AS observed,
                   'the applicable laws and permits' AS expected,
                   'member ' || scope.member_id || ' submitted no obligations register for '
                   || scope.reporting_year || '; list the laws and permits that apply to it' AS explanation
            FROM {EXPECTED_REPORTERS}
            WHERE NOT EXISTS (SELECT 1 FROM {OBLIGATIONS} o WHERE o.member_id = scope.member_id
                  AND o.reporting_year = scope.reporting_year)""",
            config,
        ),
        _open_nonconformity(config, "major", B),
        _open_nonconformity(config, "minor", W),
        _missing_in_year(config, "internal_audit", "internal audit"),
        _missing_in_year(config, "management_review", "management review"),
        rule(
            "compliance.step_gate",
            B,
            "Members not yet registered have done the six steps and three intermediate audits.",
            f"""
            SELECT scope.member_id, NULL AS indicator, m.roster_sha256 AS submission_id,
                   NULL::INTEGER AS source_row,
                   'missing ' || string_agg(g.milestone, ', ' ORDER BY g.milestone) AS observed,
                   'all of step_1..step_6 and audit_1..audit_3' AS expected,
                   'member ' || scope.member_id || ' is not registered yet and has not completed '
                   || string_agg(g.milestone, ', ' ORDER BY g.milestone) || '; finish them and report '
                   || 'their dates in the milestones section before registration' AS explanation
            FROM {EXPECTED_REPORTERS}
            CROSS JOIN (SELECT unnest([{_GATE}]) AS milestone) g
            WHERE m.emas_reg_no IS NULL AND NOT EXISTS (SELECT 1 FROM {MILESTONES} e
                  WHERE e.member_id = scope.member_id AND e.milestone = g.milestone
                  AND e.reporting_year <= scope.reporting_year
                  AND e.completed_on <= make_date(scope.reporting_year, 12, 31))
            GROUP BY scope.member_id, scope.reporting_year, m.roster_sha256""",
            config,
        ),
        rule(
            "compliance.derogation_ineligible",
            B,
            "The small-organisation derogation (Art. 7) is claimed only by small organisations (Art. 2(28): "
            "micro, small or medium-sized) without significant environmental risks.",
            f"""
            SELECT scope.member_id, NULL AS indicator, m.roster_sha256 AS submission_id,
                   NULL::INTEGER AS source_row,
                   m.size_class || CASE WHEN m.significant_env_risk THEN ', significant environmental risk'
                                        ELSE '' END AS observed,
                   '{EXPECTED_SIZES}, no significant environmental risk' AS expected,
                   'member ' || scope.member_id || ' claims the small-organisation derogation but '
                   || CASE WHEN m.significant_env_risk
                           THEN 'has significant environmental risks (Art. 7(1))'
                           ELSE 'is ' || m.size_class || ', not a small organisation (Art. 2(28))' END
                   || '; remove the derogation from the roster' AS explanation
            FROM {EXPECTED_REPORTERS}
            WHERE m.derogation AND NOT {derogation_eligible("m")}""",
            config,
        ),
    )
