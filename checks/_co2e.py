"""CO₂e rules of the ``plausibility`` suite (issue 19): where CO₂e cannot be computed from the
energy a member reports by carrier, and where the GHG total it reports is far from the computed one.

Both are warnings for the verifier's review. The factors are the ones the statements compute with
(``ecocluster.warehouse.co2e``), joined set-wise as constant tables; the arithmetic is the statement's
(energy × factor, summed per scope), so a finding and the statement's CO₂e section agree.
"""

from __future__ import annotations

from ecocluster.checks._config import CheckConfig, Severity
from ecocluster.checks._rule import IN_BATCH, SCOPE, TOTALS, Rule, located, number, rule
from ecocluster.warehouse import co2e
from ecocluster.warehouse.indicators import CARRIERS, MARKET_FACTOR

_GRID = f"'energy.{co2e.GRID}'"
_ELECTRICITY = f"({_GRID}, 'energy.{co2e.GREEN}')"
_CARRIER_CODES = ", ".join(f"'{i.code}'" for i in CARRIERS)


def _fuels() -> str:
    """The shipped fuel factors as a constant table (numbers as SQL numbers, not text)."""
    body = ", ".join(f"('energy.{carrier}', {t!r})" for carrier, t in sorted(co2e.fuel_factors().items()))
    return f"(VALUES {body}) AS ff(indicator, t_per_mwh)"


def _grids() -> str:
    """The shipped national grid factors; an empty relation while none ships (VALUES needs a row)."""
    rows = co2e.grid_factors()
    if not rows:
        return (
            "(SELECT NULL::VARCHAR AS country, NULL::INTEGER AS year, "
            "NULL::DOUBLE AS t_per_mwh WHERE false) AS gf"
        )
    body = ", ".join(f"('{country}', {year:d}, {t!r})" for country, year, t in rows)
    return f"(VALUES {body}) AS gf(country, year, t_per_mwh)"


def _energy() -> str:
    """The run's members' energy by carrier in the run's year, with their country, each carrier's
    fuel factor (NULL for electricity and carriers without one) and the national grid factor of
    the latest year up to the reporting year (NULL when none ships)."""
    return f"""
        e AS (
            SELECT t.member_id, t.reporting_year, t.indicator, t.submission_id, t.source_row, t.value, m.country,
                   ff.t_per_mwh AS fuel_t
            FROM {TOTALS} t
            JOIN {SCOPE} ON scope.member_id = t.member_id AND scope.reporting_year = t.reporting_year
            JOIN member m ON m.member_id = t.member_id
            LEFT JOIN {_fuels()} ON ff.indicator = t.indicator
            WHERE t.indicator IN ({_CARRIER_CODES})
        ),
        grid AS (
            SELECT e.member_id, e.reporting_year, arg_max(gf.t_per_mwh, gf.year) AS grid_t, max(gf.year) AS grid_year
            FROM (SELECT DISTINCT member_id, reporting_year, country FROM e) e
            JOIN {_grids()} ON gf.country = e.country AND gf.year <= e.reporting_year
            GROUP BY ALL
        )"""  # noqa: E501  # SQL: wrapping a line would change the query text


# A carrier with no factor: not a fuel with one, not electricity (grid factor), not self-generated.
_NO_FUEL_FACTOR = (
    f"e.fuel_t IS NULL AND e.indicator NOT IN {_ELECTRICITY}"
    f" AND e.indicator <> 'energy.{co2e.SELF_GENERATED}'"
)


def _not_computed(config: CheckConfig) -> Rule:
    return rule(
        "plausibility.co2e_not_computed",
        Severity.WARNING,
        "CO2e can be computed from every energy carrier the member reports (a shipped emission factor "
        "for each fuel, a national grid factor for electricity).",
        f"""
        WITH {_energy()}
        SELECT e.member_id, e.indicator, e.submission_id, e.source_row,
               {number("e.value")} || ' MWh' AS observed,
               CASE WHEN e.indicator IN {_ELECTRICITY}
                    THEN 'a national grid emission factor for ' || e.country || ' ' || e.reporting_year
                    ELSE 'an emission factor for ' || e.indicator END AS expected,
               {located("e")} || ': ' || e.indicator || ' (' || {number("e.value")} || ' MWh) has '
               || CASE WHEN e.indicator IN {_ELECTRICITY}
                       THEN 'no national grid emission factor for ' || e.country || ' ' || e.reporting_year
                            || ' or an earlier year in warehouse/co2e_factors.json, so location-based scope 2'
                       ELSE 'no emission factor in warehouse/co2e_factors.json, so '
                            || CASE WHEN e.indicator = 'energy.biomass' THEN 'scope 1' ELSE 'scope 2' END END
               || ' CO2e is not computed for this member; the data are not at fault: the coordinator adds the '
               || 'published factor with its source, then runs the checks and the draft again' AS explanation
        FROM e LEFT JOIN grid USING (member_id, reporting_year)
        WHERE {_NO_FUEL_FACTOR} OR (e.indicator IN {_ELECTRICITY} AND grid.grid_t IS NULL)""",  # noqa: E501  # SQL: wrapping a line would change the query text
        config,
    )


def _differs(config: CheckConfig) -> Rule:
    share = config.co2e_share
    return rule(
        "plausibility.co2e_differs",
        Severity.WARNING,
        f"The reported GHG total is within {share:.0%} of the CO2e computed from energy by carrier "
        "(scope 1 + scope 2, location- or market-based).",
        f"""
        WITH {_energy()},
        market AS (
            SELECT member_id, reporting_year,
                   CASE WHEN count(DISTINCT value) = 1 THEN any_value(value) END AS market_t
            FROM current_indicator_value
            WHERE indicator = '{MARKET_FACTOR}' AND value IS NOT NULL
              AND {IN_BATCH}
            GROUP BY ALL
        ),
        c AS (
            SELECT e.member_id, e.reporting_year,
                   coalesce(sum(e.value * e.fuel_t), 0) AS scope1,
                   sum(e.value) FILTER (WHERE e.indicator IN {_ELECTRICITY}) AS electricity,
                   sum(e.value) FILTER (WHERE e.indicator = {_GRID}) AS grid_mwh,
                   bool_or({_NO_FUEL_FACTOR}) AS gap
            FROM e GROUP BY ALL
        ),
        computed AS (
            SELECT c.member_id, c.reporting_year,
                   c.scope1 + CASE WHEN c.electricity IS NULL THEN 0 ELSE c.electricity * g.grid_t END AS location,
                   c.scope1 + CASE WHEN c.grid_mwh IS NULL THEN 0 ELSE c.grid_mwh * mk.market_t END AS market
            FROM c LEFT JOIN grid g USING (member_id, reporting_year)
            LEFT JOIN market mk USING (member_id, reporting_year)
            WHERE NOT c.gap
        )
        SELECT t.member_id, t.indicator, t.submission_id, t.source_row,
               {number("t.value")} || ' t CO2e' AS observed,
               'within {share:.0%} of ' || {number("round(k.location, 3)")} || ' t CO2e (location-based)'
               || coalesce(' or ' || {number("round(k.market, 3)")} || ' t CO2e (market-based)', '') AS expected,
               {located("t")} || ': the reported GHG total ' || {number("t.value")} || ' t CO2e differs by more '
               || 'than {share:.0%} from ' || {number("round(k.location, 3)")} || ' t CO2e computed from the '
               || 'energy reported by carrier (scope 1 + scope 2 location-based'
               || coalesce('; market-based ' || {number("round(k.market, 3)")} || ' t CO2e', '')
               || '); check both, or explain the difference to the verifier (other gases, refrigerants, '
               || 'process emissions)' AS explanation
        FROM computed k
        JOIN {TOTALS} t ON t.member_id = k.member_id AND t.reporting_year = k.reporting_year
             AND t.indicator = 'emissions.ghg'
        WHERE k.location IS NOT NULL AND abs(t.value - k.location) > {share} * abs(k.location)
          AND (k.market IS NULL OR abs(t.value - k.market) > {share} * abs(k.market))""",  # noqa: E501  # SQL: wrapping a line would change the query text
        config,
    )


def rules(config: CheckConfig) -> tuple[Rule, ...]:
    return (_not_computed(config), _differs(config))
