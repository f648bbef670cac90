"""The home's ``ecocluster.toml``, parsed once into one frozen value per section.

Every section and key the packages read is declared here, with its type and default, so that a
typo (``[warehous]``, ``max_row = 10``) or a wrong type (``threads = "two"``) is refused when the
file is read, naming the file, the section and the key, instead of being silently ignored or
failing later inside a stage. An absent file or section means every default applies.

A new key is a field on its section's dataclass (name = TOML key, annotation = its type, default =
the value when absent) plus, when its values are bounded, a line in that section's ``_check``.
The parser understands ``bool``, ``int``, ``float`` (a TOML integer is accepted), ``str``,
``X | None``, ``Literal[...]``, ``tuple[T, ...]`` (a TOML array) and ``Mapping[str, T]`` (a
sub-table such as ``[checks.severity]``). A new section is a new dataclass and a field on
:class:`Config`.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from ecocluster.core.errors import ConfigurationError

CONFIG_NAME = "ecocluster.toml"

# DuckDB's memory sizes: "3GB", "2.5GiB", "512 MiB".
MEMORY_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


class _WrongType(Exception):
    """A value that is not of its key's type; ``expected`` says what would be."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass(frozen=True)
class Section:
    """One ``[name]`` table; subclasses declare its keys as fields and bound them in ``_check``."""

    NAME: ClassVar[str]

    def __post_init__(self) -> None:
        problem = self._check()
        if problem:
            raise ValueError(problem)

    def _check(self) -> str | None:
        """What is wrong with values of the right type (a range, a format), else None."""
        return None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: str = CONFIG_NAME) -> Self:
        """The section from its TOML table; unknown keys and wrong types are refused by name."""
        hints = typing.get_type_hints(cls)
        known = sorted(f.name for f in dataclasses.fields(cls))
        unknown = sorted(set(raw) - set(known))
        if unknown:
            keys = "key" if len(unknown) == 1 else "keys"
            raise ConfigurationError(
                f"{where}: unknown [{cls.NAME}] {keys} {unknown}; known: {known} (check the spelling)"
            )
        values = {}
        for key, value in raw.items():
            try:
                values[key] = _typed(value, hints[key])
            except _WrongType as e:
                raise ConfigurationError(
                    f"{where}: [{cls.NAME}] {key} must be {e.expected}, got {value!r}"
                ) from None
        try:
            return cls(**values)
        except ValueError as e:
            raise ConfigurationError(f"{where}: [{cls.NAME}] {e}") from e


def _typed(value: object, hint: Any) -> Any:
    """``value`` as ``hint`` (a TOML integer becomes a float where a float is declared), or
    :class:`_WrongType`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:
        (inner,) = (a for a in args if a is not type(None))
        return _typed(value, inner)
    if origin is Literal:
        if value not in args:
            raise _WrongType("one of " + ", ".join(repr(a) for a in args))
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise _WrongType(f"a list of {_plural(args[0])}")
        try:
            return tuple(_typed(v, args[0]) for v in value)
        except _WrongType as e:
            raise _WrongType(f"a list of {_plural(args[0])}") from e
    if origin is Mapping:
        if not isinstance(value, dict):
            raise _WrongType(f"a table of {_name(args[1])}")
        try:
            return types.MappingProxyType({str(k): _typed(v, args[1]) for k, v in value.items()})
        except _WrongType as e:
            raise _WrongType(f"a table whose values are {e.expected}") from e
    if hint is float and type(value) in (int, float):
        return float(value)  # type: ignore[arg-type]
    if type(value) is not hint:  # exact: a TOML boolean is no number
        raise _WrongType(_name(hint))
    return value


def _name(hint: Any) -> str:
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
    if typing.get_origin(hint) is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    return names.get(hint, str(hint))


def _plural(hint: Any) -> str:
    return {int: "whole numbers", float: "numbers", str: "strings"}.get(hint, _name(hint))


def _empty() -> Mapping[str, Any]:
    return types.MappingProxyType({})


@dataclass(frozen=True)
class StorageConfig(Section):
    """``[storage]``: where objects live (``core.store.open_store``); the S3 keys only for ``"s3"``.

    ``access_key_id``/``secret_access_key`` absent: the usual ``AWS_*`` environment variables.
    ``retention_days``: COMPLIANCE-mode Object Lock on approvals and packages (default 7 years).
    """

    NAME: ClassVar[str] = "storage"
    backend: Literal["local", "s3"] = "local"
    endpoint_url: str | None = None
    bucket: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    retention_days: int = 2555

    def _check(self) -> str | None:
        return None if self.retention_days >= 1 else "retention_days must be at least 1"


@dataclass(frozen=True)
class WarehouseConfig(Section):
    """``[warehouse]``: DuckDB's share of the machine (``warehouse.db.Settings``, where the
    ``ECOCLUSTER_MEMORY_LIMIT`` and ``ECOCLUSTER_LOCK_WAIT_SECONDS`` variables win over the file).

    ``memory_limit``: a whole-year check at 120,000 members stays under 4 GiB of process memory
    with the default (README). ``threads`` None: DuckDB's default, one per core.
    """

    NAME: ClassVar[str] = "warehouse"
    memory_limit: str = "2.5GB"
    threads: int | None = None
    lock_wait_seconds: float = 60.0

    def _check(self) -> str | None:
        if not MEMORY_SIZE.match(self.memory_limit):
            return f"memory_limit must be a size such as '3GB' or '2.5GiB', got {self.memory_limit!r}"
        if self.threads is not None and self.threads < 1:
            return f"threads must be a whole number >= 1, got {self.threads!r}"
        if self.lock_wait_seconds < 0:
            return f"lock_wait_seconds must be a number of seconds >= 0, got {self.lock_wait_seconds!r}"
        return None


@dataclass(frozen=True)
class ChecksConfig(Section):
    """``[checks]``: thresholds and severities of the checks (every key is optional)::

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

    The rules and their default severities are in ``checks`` (``checks/_config.py``).
    """

    NAME: ClassVar[str] = "checks"
    yoy_factor: float = 5.0
    outlier_z: float = 3.5
    outlier_factor: float = 3.0
    min_peers: int = 5
    co2e_share: float = 0.10
    severity: Mapping[str, Literal["blocking", "warning"]] = field(default_factory=_empty)

    def _check(self) -> str | None:
        if self.yoy_factor <= 1 or self.outlier_factor < 1 or self.outlier_z <= 0 or self.min_peers < 3:
            return (
                "need yoy_factor > 1, outlier_factor >= 1, outlier_z > 0 and min_peers >= 3, got "
                f"{self.yoy_factor}, {self.outlier_factor}, {self.outlier_z}, {self.min_peers}"
            )
        if not 0 < self.co2e_share < 1:
            return f"co2e_share must be a share between 0 and 1, got {self.co2e_share}"
        return None


@dataclass(frozen=True)
class SigningConfig(Section):
    """``[signing]``: what this home trusts and which timestamp authority it asks (``signing``).

    Paths are PEM files: ``trust_anchors`` (CAs; absent: this home's accreditation-body CA),
    ``crls`` (absent: that CA's CRL), ``tsa_trust_anchors`` (a TSA's CA and CRL when the
    accreditation CA did not certify it). ``crl_grace_hours``: how far past its nextUpdate a CRL
    still counts (0–720). ``tsa_url`` absent or empty: ``ECOCLUSTER_TSA_URL``. ``trusted_list``
    and ``trusted_list_signers``: an EU trusted list snapshot and its scheme operator's
    certificates (QES reporting, ``[intake] require``). ``qtsp_trust_anchors``: PEM files, each a
    trust service provider's CA certificate and its current CRL, whose verifier certificates are
    accepted only with the accreditation body's signed accreditation statement.
    ``qtsp_from_trusted_list``: also take as such CAs those of the granted CA/QC services of
    ``trusted_list`` (each counts only while its service was granted), with their current CRLs in
    ``qtsp_crls`` (PEM files; a CA without one fails closed, rule revocation).
    ``archive_renew_days``: ``ecocluster archive renew`` and the monthly ``archive-renewal``
    deployment add a new document timestamp to every stored validated PDF and package whose newest
    one's TSA certificate expires within this many days (1–3650).
    """

    NAME: ClassVar[str] = "signing"
    tsa_url: str | None = None
    archive_renew_days: int = 365
    trust_anchors: tuple[str, ...] = ()
    crls: tuple[str, ...] = ()
    crl_grace_hours: float = 0.0
    tsa_trust_anchors: tuple[str, ...] = ()
    trusted_list: str | None = None
    trusted_list_signers: tuple[str, ...] = ()
    qtsp_trust_anchors: tuple[str, ...] = ()
    qtsp_from_trusted_list: bool = False
    qtsp_crls: tuple[str, ...] = ()

    def _check(self) -> str | None:
        if self.qtsp_from_trusted_list and not self.trusted_list:
            return "qtsp_from_trusted_list = true needs trusted_list (and trusted_list_signers)"
        if not 0 <= self.crl_grace_hours <= 24 * 30:
            return f"crl_grace_hours must be a number of hours from 0 to 720, not {self.crl_grace_hours!r}"
        if not 1 <= self.archive_renew_days <= 3650:
            return f"archive_renew_days must be whole days from 1 to 3650, not {self.archive_renew_days!r}"
        return None


@dataclass(frozen=True)
class CycleConfig(Section):
    """``[cycle]``: how long a verifier has to answer a request (``approval_days``) and when the
    reminders go (``reminder_days``: whole days before a deadline)."""

    NAME: ClassVar[str] = "cycle"
    approval_days: int = 30
    reminder_days: tuple[int, ...] = (14, 7, 1)

    def _check(self) -> str | None:
        if self.approval_days < 1:
            return f"approval_days must be at least 1, got {self.approval_days}"
        if any(d < 0 for d in self.reminder_days):
            return (
                "reminder_days must be a list of whole days before a deadline, such as [14, 7, 1], "
                f"not {list(self.reminder_days)!r}"
            )
        return None


@dataclass(frozen=True)
class IngestConfig(Section):
    """``[ingest]``: bounds that keep a hostile or broken submission file from exhausting memory
    or time (``warehouse`` ingestion and the portal's uploads)."""

    NAME: ClassVar[str] = "ingest"
    max_file_mb: int = 50
    max_rows: int = 200_000
    max_xlsx_uncompressed_mb: int = 200

    def _check(self) -> str | None:
        if min(self.max_file_mb, self.max_rows, self.max_xlsx_uncompressed_mb) < 1:
            return "max_file_mb, max_rows and max_xlsx_uncompressed_mb must be positive whole numbers"
        return None


@dataclass(frozen=True)
class IntakeConfig(Section):
    """``[intake]``: what a competent body requires of the verifier's certificate (``require``:
    ``"none"``, ``"qes"`` or ``"qualified-seal"``; anything but none needs ``[signing]
    trusted_list``)."""

    NAME: ClassVar[str] = "intake"
    require: Literal["none", "qes", "qualified-seal"] = "none"


@dataclass(frozen=True)
class InboxConfig(Section):
    """``[inbox]``: the largest file of each kind the approvals inbox reads."""

    NAME: ClassVar[str] = "inbox"
    max_envelope_kb: int = 1024
    max_certificate_kb: int = 256
    max_pdf_mb: int = 64

    def _check(self) -> str | None:
        for key in ("max_envelope_kb", "max_certificate_kb", "max_pdf_mb"):
            if getattr(self, key) <= 0:
                return f"{key} must be a positive whole number, not {getattr(self, key)!r}"
        return None


@dataclass(frozen=True)
class ScaleConfig(Section):
    """``[scale]``: the partitioned load (``ecocluster scale``): ``dask_address`` of an existing
    Dask scheduler (absent: a local cluster of ``workers`` processes), ``batches`` (absent: one per
    worker)."""

    NAME: ClassVar[str] = "scale"
    dask_address: str | None = None
    workers: int = 2
    batches: int | None = None

    def _check(self) -> str | None:
        if self.workers < 1 or (self.batches is not None and self.batches < 1):
            return f"workers and batches must be at least 1, got {self.workers} and {self.batches}"
        return None


@dataclass(frozen=True)
class RegisterConfig(Section):
    """``[register.<CC>]``: a competent body's overrides of its country's registration profile, one
    table per ISO country code in the shape of ``signing/country_profiles.json``. Only the shape
    (country codes, tables) is checked here; the profile's own keys are checked, and refused by
    name, where the profile is built (``ecocluster.signing``), which knows that format."""

    NAME: ClassVar[str] = "register"
    countries: Mapping[str, Mapping[str, Any]] = field(default_factory=_empty)

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: str = CONFIG_NAME) -> Self:
        unknown = sorted(k for k in raw if not re.fullmatch(r"[A-Z]{2}", k))
        if unknown:
            keys = "key" if len(unknown) == 1 else "keys"
            raise ConfigurationError(
                f"{where}: unknown [register] {keys} {unknown}; known: ['countries'] as one table "
                "per two-letter country code, e.g. [register.IT]"
            )
        for country, value in raw.items():
            if not isinstance(value, dict):
                raise ConfigurationError(
                    f"{where}: [register] {country} must be a table of profile values, got {value!r}"
                )
        return cls(types.MappingProxyType(dict(raw)))


@dataclass(frozen=True)
class Config:
    """The whole ``ecocluster.toml``: one field per section, named as its table."""

    storage: StorageConfig = field(default_factory=StorageConfig)
    warehouse: WarehouseConfig = field(default_factory=WarehouseConfig)
    checks: ChecksConfig = field(default_factory=ChecksConfig)
    signing: SigningConfig = field(default_factory=SigningConfig)
    cycle: CycleConfig = field(default_factory=CycleConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    intake: IntakeConfig = field(default_factory=IntakeConfig)
    inbox: InboxConfig = field(default_factory=InboxConfig)
    scale: ScaleConfig = field(default_factory=ScaleConfig)
    register: RegisterConfig = field(default_factory=RegisterConfig)

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: str = CONFIG_NAME) -> Config:
        """Every section of a parsed TOML document; an unknown section or a non-table is refused."""
        sections: dict[str, type[Section]] = {
            f.name: typing.get_type_hints(cls)[f.name] for f in dataclasses.fields(cls)
        }
        unknown = sorted(set(raw) - set(sections))
        if unknown:
            raise ConfigurationError(
                f"{where}: unknown section(s) {['[' + u + ']' for u in unknown]}; known: "
                f"{['[' + s + ']' for s in sorted(sections)]} (check the spelling)"
            )
        parsed: dict[str, Any] = {}
        for name, section in raw.items():
            if not isinstance(section, dict):
                raise ConfigurationError(f"{where}: [{name}] must be a table")
            parsed[name] = sections[name].parse(section, where)
        return cls(**parsed)

    @classmethod
    def read(cls, path: Path) -> Config:
        """The file at ``path`` (absent: every default); not TOML or not valid is refused."""
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigurationError(f"{path}: not valid TOML: {e}") from e
        return cls.parse(raw, str(path))
