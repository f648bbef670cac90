"""Every phrase and code the statements print has an Italian and a Latvian translation, and every
checks rule has a title a reader understands (the published statement never shows rule codes)."""

from __future__ import annotations

from importlib import resources

import pytest
from babel.messages.pofile import read_po

from ecocluster import checks
from ecocluster.statements._labels import (
    BENCHMARK_RULE_PREFIX,
    BENCHMARK_TITLE,
    CHECK_TITLES,
    CLUSTER_KINDS,
    GROUPS,
    LABELS,
    SECTORS,
)


def test_every_checks_rule_has_a_statement_title() -> None:
    names = {r.name for r in checks.all_rules(checks.CheckConfig())}
    assert set(CHECK_TITLES) == {n for n in names if not n.startswith(BENCHMARK_RULE_PREFIX)}


@pytest.mark.parametrize("language", ["it", "lv"])
def test_catalog_translates_every_label_and_code(language: str) -> None:
    po = resources.files("ecocluster.statements").joinpath("locale", language, "LC_MESSAGES", "statements.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    msgids = {
        *LABELS.values(),
        *GROUPS.values(),
        *SECTORS.values(),
        *CLUSTER_KINDS.values(),
        *CHECK_TITLES.values(),
        BENCHMARK_TITLE,
    }
    untranslated = sorted(m for m in msgids if m not in catalog or not catalog[m].string)
    assert untranslated == []
