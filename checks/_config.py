"""Severities of the checks; their thresholds and overrides are ``[checks]`` in ``ecocluster.toml``,
parsed in the core layer (:class:`ecocluster.core.config.ChecksConfig`, where every key and its
default is documented) and passed to the rules as :data:`CheckConfig`.

``plausibility.unit_slip`` (about 1000x or 1/1000 of the previous year, unjustified) is blocking
by default and not a threshold: it is what a kWh/MWh or kg/t slip looks like.

Each rule's default severity is in its suite module (``checks/_quality.py`` and siblings): data
that cannot be right, missing core indicators and legal non-compliance block a member;
plausibility findings go to the verifier's review as warnings.
"""

from __future__ import annotations

from enum import StrEnum

from ecocluster.core.config import ChecksConfig as CheckConfig


class Severity(StrEnum):
    BLOCKING = "blocking"  # the member cannot go to verification until it is fixed
    WARNING = "warning"  # goes into the verifier's review


def severity_of(config: CheckConfig, rule: str, default: Severity) -> Severity:
    """The severity ``[checks.severity]`` gives ``rule``, else its default."""
    return Severity(config.severity.get(rule, default))


__all__ = ["CheckConfig", "Severity", "severity_of"]
