"""The portal's words: every key has an Italian and a Latvian translation in its gettext catalog,
with the same ``{fields}`` as the English, and nothing in a catalog that the portal no longer says."""

from __future__ import annotations

import string
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from ecocluster.portal import _i18n


def _catalog(language: str):
    po = resources.files("ecocluster.portal").joinpath("locale", language, "LC_MESSAGES", "portal.po")
    with po.open("rb") as handle:
        return read_po(handle, locale=language, domain=_i18n.DOMAIN)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", ["it", "lv"])
def test_every_word_is_translated_with_the_same_fields(language: str) -> None:
    catalog = _catalog(language)
    entries = {(m.context, m.id): m.string for m in catalog if m.id}
    missing = [key for key, english in _i18n._WORDS.items() if not entries.get((key, english))]
    assert missing == []
    wrong = [
        key for key, english in _i18n._WORDS.items() if _fields(entries[key, english]) != _fields(english)
    ]
    assert wrong == []
    stale = sorted(key for key, english in entries if _i18n._WORDS.get(key) != english)
    assert stale == [], "entries whose key or English the portal no longer has"


def test_a_language_reads_its_catalog_and_an_unknown_one_reads_english() -> None:
    assert _i18n.words("it")["sign_in"] == "Accedi"
    assert _i18n.words("lv")["sign_in"] == "Pieteikties"
    assert _i18n.words("de") == _i18n.words("en")
    assert _i18n.words("en")["sign_in"] == _i18n._WORDS["sign_in"]


def test_two_keys_with_the_same_english_keep_their_own_translations() -> None:
    """msgctxt is the key: gettext alone would give both the first one's translation."""
    alike: dict[str, list[str]] = {}
    for key, english in _i18n._WORDS.items():
        alike.setdefault(english, []).append(key)
    shared = [keys for keys in alike.values() if len(keys) > 1]
    for keys in shared:
        for language in ("it", "lv"):
            catalog = _catalog(language)
            assert [_i18n.words(language)[k] for k in keys] == [
                catalog.get(_i18n._WORDS[k], k).string for k in keys
            ]


def test_the_words_cannot_be_changed_by_a_page() -> None:
    with pytest.raises(TypeError):
        _i18n.words("it")["sign_in"] = "x"  # type: ignore[index]
