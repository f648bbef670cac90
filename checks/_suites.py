"""The four suites, in the order a coordinator fixes things: data, completeness, plausibility,
compliance."""

from __future__ import annotations

from ecocluster.checks import _benchmarks, _co2e, _completeness, _compliance, _peers, _plausibility, _quality
from ecocluster.checks._config import CheckConfig
from ecocluster.checks._rule import RUN_TABLES, Rule
from ecocluster.core.errors import ConfigurationError

SUITES = ("data_quality", "completeness", "plausibility", "compliance")


def all_rules(config: CheckConfig) -> tuple[Rule, ...]:
    """Every rule with its configured severity; an override naming no rule is a typo, refused."""
    found = (
        _quality.rules(config)
        + _completeness.rules(config)
        + _plausibility.rules(config)
        + _co2e.rules(config)
        + _benchmarks.rules(config)
        + _compliance.rules(config)
    )
    names = {r.name for r in found}
    unknown = sorted(set(config.severity) - names)
    if unknown:
        raise ConfigurationError(
            f"[checks.severity] names unknown rules {unknown}; the rules are: {', '.join(sorted(names))}"
        )
    return found


def run_tables() -> tuple[tuple[str, str], ...]:
    """The tables the rules read from the run's own database, as (name, query over ``{batch}``)."""
    return _peers.STAMP_TABLES + RUN_TABLES + _plausibility.run_tables()
