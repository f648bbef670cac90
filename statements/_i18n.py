"""Translations and locale formatting for the statement languages.

Catalogs are the ``.po`` files under ``statements/locale`` (what translators edit, in the repo).
They are compiled to ``.mo`` in memory with Babel on first use, so a fresh clone needs no build
step and no writable cache, and the result depends on the ``.po`` bytes alone. Numbers and dates
use Babel's CLDR data: Italian writes ``1.234,5``, Latvian ``1 234,5``.
"""

from __future__ import annotations

import gettext
import math
from dataclasses import dataclass
from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date

from ecocluster.core.errors import EcoclusterError
from ecocluster.statements._numbers import decimal_format
from ecocluster.warehouse.messages import compiled_catalog

LANGUAGES = ("en", "it", "lv")
DOMAIN = "statements"


class UnsupportedLanguage(EcoclusterError):
    """A statement was asked for in a language without a catalog."""


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise UnsupportedLanguage(
            f"no statement catalog for language {language!r}; choose one of {', '.join(LANGUAGES)} "
            f"(or add statements/locale/{language}/LC_MESSAGES/{DOMAIN}.po)"
        )
    return language


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog; English is the source language and needs none."""
    if check_language(language) == "en":
        return gettext.NullTranslations()
    return compiled_catalog("ecocluster.statements", language, DOMAIN)


# Canonical unit spellings (ecocluster.warehouse.units) as a reader writes them.
_UNIT_DISPLAY = {"m**3": "m³", "m**2": "m²", "percent": "%", "person": "pers.", "overnight_stay": "night"}


@dataclass(frozen=True)
class Formatter:
    """Locale-aware spelling of the statement's numbers, dates and units."""

    language: str

    @property
    def locale(self) -> Locale:
        return _locale(self.language)

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def number(self, value: float | None) -> str:
        """Precision follows magnitude: totals to the unit, ratios to three significant digits."""
        if value is None:
            return "–"
        size = abs(value)
        if size >= 1000 or float(value).is_integer():
            pattern = "#,##0"
        elif size >= 10:
            pattern = "#,##0.#"
        elif size >= 1:
            pattern = "#,##0.##"
        else:
            pattern = "#,##0.###" if size >= 0.01 else "0.#####"
        return self._apply(pattern, value)

    def distinct(self, values: list[float], digits: int = 3) -> list[str]:
        """``values`` to at least ``digits`` significant digits each, and more (up to six
        decimals) until values that differ read differently: chart labels and ratios, where
        73.41 and 73.38 must not both print as 73.4."""
        shown: list[str] = []
        for extra in range(7):
            shown = [self._apply(_significant(v, digits + extra), v) for v in values]
            if len(set(shown)) == len(set(values)):
                break
        return shown

    def exact(self, value: float) -> str:
        """All the digits, for a value a reader may copy (A and B totals as reported)."""
        return self._apply("#,##0.######", value)

    def percent(self, fraction: float | None) -> str:
        return "–" if fraction is None else self._apply("#,##0%", fraction)

    def _apply(self, pattern: str, value: float) -> str:
        return decimal_format(pattern, self.language)(value)

    def date(self, value: date | str | None) -> str:
        if value is None:
            return "–"
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, format="long", locale=self.locale)

    def unit(self, unit: str | None) -> str:
        if not unit:
            return ""
        parts = unit.split("/")
        return "/".join(self.gettext(_UNIT_DISPLAY.get(p, p)) for p in parts)


def _significant(value: float, digits: int) -> str:
    """A Babel pattern showing ``value`` to ``digits`` significant digits (at most six decimals),
    without trailing zeros; integers keep all their digits."""
    size = abs(value)
    magnitude = math.floor(math.log10(size)) if size else 0
    decimals = min(max(digits - 1 - magnitude, 0), 6)
    return "#,##0" + ("." + "#" * decimals if decimals else "")


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)
