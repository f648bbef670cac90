"""The home's ecocluster.toml: every section is parsed once into a frozen value, and an unknown
key or a wrong type is refused naming the file, the section and the key (issue 15)."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from ecocluster.core.config import (
    ChecksConfig,
    Config,
    CycleConfig,
    InboxConfig,
    IngestConfig,
    IntakeConfig,
    RegisterConfig,
    ScaleConfig,
    Section,
    SigningConfig,
    StorageConfig,
    WarehouseConfig,
)
from ecocluster.core.errors import EXIT_CODES, ConfigurationError
from ecocluster.core.home import Home

ROOT = Path(__file__).resolve().parents[2]

# Every key the README, docs/ and infra/ document, with a value of its type.
DOCUMENTED = """
[storage]
backend = "s3"
endpoint_url = "http://127.0.0.1:8333"
bucket = "ecocluster"
region = "us-east-1"
access_key_id = "key"
secret_access_key = "secret"
retention_days = 2555

[warehouse]
memory_limit = "1GB"
threads = 2
lock_wait_seconds = 0.5

[checks]
yoy_factor = 20
outlier_z = 3.5
outlier_factor = 3.0
min_peers = 5
co2e_share = 0.1

[checks.severity]
"plausibility.yoy_jump" = "blocking"

[signing]
tsa_url = "http://127.0.0.1:3180"
trust_anchors = ["ca.pem"]
crls = ["crl.pem"]
crl_grace_hours = 36
tsa_trust_anchors = ["tsa-ca.pem"]
trusted_list = "tl.xml"
trusted_list_signers = ["scheme-operator.pem"]

[cycle]
approval_days = 21
reminder_days = [14, 7, 1]

[ingest]
max_file_mb = 10
max_rows = 1000
max_xlsx_uncompressed_mb = 20

[intake]
require = "qes"

[inbox]
max_envelope_kb = 8
max_certificate_kb = 4
max_pdf_mb = 2

[scale]
dask_address = "tcp://10.0.0.5:8786"
workers = 8
batches = 64
"""

SECTIONS: list[type[Section]] = [
    StorageConfig,
    WarehouseConfig,
    ChecksConfig,
    SigningConfig,
    CycleConfig,
    IngestConfig,
    IntakeConfig,
    InboxConfig,
    ScaleConfig,
    RegisterConfig,
]

# One key of each section with a value of the wrong type, and how the refusal words the type.
WRONG_TYPE = {
    "storage": ("retention_days", '"7 years"', "a whole number"),
    "warehouse": ("threads", '"two"', "a whole number"),
    "checks": ("yoy_factor", '"lots"', "a number"),
    "signing": ("crls", '"crl.pem"', "a list of strings"),
    "cycle": ("reminder_days", '["7"]', "a list of whole numbers"),
    "ingest": ("max_rows", "1.5", "a whole number"),
    "intake": ("require", "true", "one of 'none', 'qes', 'qualified-seal'"),
    "inbox": ("max_pdf_mb", '"10"', "a whole number"),
    "scale": ("workers", "true", "a whole number"),
    "register": ("IT", "5", "a table of profile values"),
}


def test_every_section_is_declared_and_tested() -> None:
    assert [f.type for f in dataclasses.fields(Config)] == [s.__name__ for s in SECTIONS]
    assert set(WRONG_TYPE) == {s.NAME for s in SECTIONS} == {f.name for f in dataclasses.fields(Config)}


def test_the_documented_configuration_loads_with_its_values(home: Home) -> None:
    home.config_path.write_text(DOCUMENTED, encoding="utf-8")
    config = home.config()
    assert config.storage == StorageConfig(
        "s3", "http://127.0.0.1:8333", "ecocluster", "us-east-1", "key", "secret"
    )
    assert config.warehouse == WarehouseConfig("1GB", 2, 0.5)
    assert config.checks.yoy_factor == 20.0 and isinstance(config.checks.yoy_factor, float)
    assert dict(config.checks.severity) == {"plausibility.yoy_jump": "blocking"}
    assert config.signing.crls == ("crl.pem",) and config.signing.crl_grace_hours == 36
    assert config.cycle == CycleConfig(21, (14, 7, 1))
    assert config.ingest == IngestConfig(10, 1000, 20)
    assert config.intake.require == "qes"
    assert config.inbox == InboxConfig(8, 4, 2)
    assert config.scale == ScaleConfig("tcp://10.0.0.5:8786", 8, 64)


def test_an_absent_file_or_section_means_the_defaults(home: Home) -> None:
    assert home.config() == Config()
    home.config_path.write_text("[cycle]\napproval_days = 30\n", encoding="utf-8")
    assert home.config() == Config()
    assert Config().cycle.reminder_days == (14, 7, 1) and Config().warehouse.memory_limit == "2.5GB"


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "infra" / "scale-out" / "ecocluster.toml",
        *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "README.md",
    ],
)
def test_the_examples_shipped_and_documented_load(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    examples = re.findall(r"```toml\n(.*?)```", text, re.DOTALL) if path.suffix == ".md" else [text]
    for example in examples:
        Config.parse(tomllib.loads(example.replace("…", "x")), str(path))


@pytest.mark.parametrize("section", sorted(WRONG_TYPE))
def test_an_unknown_key_is_refused_naming_file_section_key_and_the_known_ones(
    home: Home, section: str
) -> None:
    home.config_path.write_text(f"[{section}]\ncolour = 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as refused:
        home.config()
    message = str(refused.value)
    assert message.startswith(f"{home.config_path}: unknown [{section}] key ['colour']; known: [")
    known = {f.name for f in dataclasses.fields(type(getattr(Config(), section)))}
    assert all(repr(k) in message for k in known)
    assert refused.value.exit_code == 78 and EXIT_CODES[78].startswith("configuration")


@pytest.mark.parametrize("section", sorted(WRONG_TYPE))
def test_a_wrong_type_is_refused_naming_file_section_key_and_the_type(home: Home, section: str) -> None:
    key, value, expected = WRONG_TYPE[section]
    home.config_path.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as refused:
        home.config()
    got = tomllib.loads(f"v = {value}")["v"]
    assert str(refused.value) == f"{home.config_path}: [{section}] {key} must be {expected}, got {got!r}"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[warehous]\nthreads = 2\n", r"unknown section\(s\) \['\[warehous\]'\]; known: \['\[checks\]'"),
        ("cycle = 3\n", r"\[cycle\] must be a table"),
        (
            "[checks.severity]\n'a.b' = 'fatal'\n",
            r"\[checks\] severity must be a table whose values are one of",
        ),
        ("[storage]\nbackend = 'ftp'\n", r"\[storage\] backend must be one of 'local', 's3', got 'ftp'"),
        ("[signing]\ncrl_grace_hours = 721\n", r"\[signing\] crl_grace_hours must be a number of hours"),
        (
            "[signing]\nqtsp_from_trusted_list = true\n",
            r"\[signing\] qtsp_from_trusted_list = true needs trusted_list",
        ),
        ("[scale]\nbatches = 0\n", r"\[scale\] workers and batches must be at least 1"),
        ("[ingest]\nmax_rows = 0\n", r"\[ingest\] .*must be positive"),
        ("[cycle]\napproval_days = 0\n", r"\[cycle\] approval_days must be at least 1"),
        ("[checks\n", "not valid TOML"),
    ],
)
def test_other_mistakes_are_refused_by_name(home: Home, toml: str, message: str) -> None:
    home.config_path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message) as refused:
        home.config()
    assert str(refused.value).startswith(str(home.config_path))


def test_sections_are_frozen(home: Home) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        home.config().cycle.approval_days = 3  # type: ignore[misc]
