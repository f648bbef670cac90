"""Every phrase and code the statements print has an Italian and a Latvian translation, and every
checks rule has a title a reader understands (the published statement never shows rule codes)."""

from __future__ import annotations

from importlib import resources

import pytest
from babel.messages.pofile import read_po

from ecocluster import checks
from ecocluster.statements._labels import CHECK_TITLES, CLUSTER_KINDS, GROUPS, LABELS, SECTORS


def test_every_checks_rule_has_a_statement_title() -> None:
    assert set(CHECK_TITLES) == {r.name for r in checks.all_rules(checks.CheckConfig())}


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
    }
    untranslated = sorted(m for m in msgids if m not in catalog or not catalog[m].string)
    assert untranslated == []
