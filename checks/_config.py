"""Thresholds and severities of the checks, read from ``[checks]`` in ``ecocluster.toml``.

Defaults (every key is optional)::

    [checks]
    yoy_factor = 5.0     # plausibility.yoy_jump: this year's total above 5x or below 1/5 of the
                         # member's most recent earlier year is flagged
    outlier_z = 3.5      # plausibility.peer_outlier_*: |modified z-score| of ln R (R = A/B) against
                         # same-sector peers, 0.6745 * (ln R - median) / MAD (Iglewicz and Hoaglin)
    outlier_factor = 3.0 # ... and R more than 3x above or below the peers' median (material)
    min_peers = 5        # fewer peers than this (member included) and no outlier is computed
    co2e_share = 0.10    # plausibility.co2e_differs: the reported GHG total (emissions.ghg) is further
                         # than this share from the CO2e computed from energy by carrier

    [checks.severity]    # any rule may be made "blocking" or "warning"
    "plausibility.yoy_jump" = "blocking"

``plausibility.unit_slip`` (about 1000x or 1/1000 of the previous year, unjustified) is blocking
by default and not a threshold: it is what a kWh/MWh or kg/t slip looks like.

Each rule's default severity is in its suite module (``checks/_quality.py`` and siblings): data
that cannot be right, missing core indicators and legal non-compliance block a member;
plausibility findings go to the verifier's review as warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home


class Severity(str, Enum):
    BLOCKING = "blocking"  # the member cannot go to verification until it is fixed
    WARNING = "warning"  # goes into the verifier's review


@dataclass(frozen=True)
class CheckConfig:
    yoy_factor: float = 5.0
    outlier_z: float = 3.5
    outlier_factor: float = 3.0
    min_peers: int = 5
    co2e_share: float = 0.10
    severity: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_home(cls, home: Home) -> CheckConfig:
        return cls.from_mapping(home.config_section("checks"), where=str(home.config_path))

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any], where: str = "[checks]") -> CheckConfig:
        known = {"yoy_factor", "outlier_z", "outlier_factor", "min_peers", "co2e_share", "severity"}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigurationError(f"{where}: unknown [checks] keys {unknown}; known: {sorted(known)}")
        overrides = section.get("severity", {})
        if not isinstance(overrides, Mapping):
            raise ConfigurationError(f"{where}: [checks.severity] must be a table of rule = severity")
        try:
            severities = {str(k): Severity(v) for k, v in overrides.items()}
            config = cls(
                yoy_factor=float(section.get("yoy_factor", cls.yoy_factor)),
                outlier_z=float(section.get("outlier_z", cls.outlier_z)),
                outlier_factor=float(section.get("outlier_factor", cls.outlier_factor)),
                min_peers=int(section.get("min_peers", cls.min_peers)),
                co2e_share=float(section.get("co2e_share", cls.co2e_share)),
                severity=MappingProxyType(severities),
            )
        except (TypeError, ValueError) as e:
            raise ConfigurationError(
                f"{where}: bad [checks] value ({e}); severities are 'blocking' or 'warning', "
                "thresholds are numbers"
            ) from e
        if (
            config.yoy_factor <= 1
            or config.outlier_factor < 1
            or config.outlier_z <= 0
            or config.min_peers < 3
        ):
            raise ConfigurationError(
                f"{where}: need yoy_factor > 1, outlier_factor >= 1, outlier_z > 0 and min_peers >= 3, got "
                f"{config.yoy_factor}, {config.outlier_factor}, {config.outlier_z}, {config.min_peers}"
            )
        if not 0 < config.co2e_share < 1:
            raise ConfigurationError(
                f"{where}: co2e_share must be a share between 0 and 1, got {config.co2e_share}"
            )
        return config

    def severity_of(self, rule: str, default: Severity) -> Severity:
        return self.severity.get(rule, default)
