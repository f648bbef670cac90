"""The ingester's messages in the member's language (English, Italian, Latvian).

A refusal is read by the member who must fix the file, so it is worded in the member's language
(the roster's ``language``, or ``ecocluster ingest --lang``). Messages are gettext catalogs:
``warehouse/locale/<lang>/LC_MESSAGES/ingest.po``, compiled in memory on first use exactly like
the statements' catalogs (:func:`compiled_catalog` serves both), so nothing needs building.
English is the source language; a message missing from a catalog stays English.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypedDict, Unpack

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ecocluster.core.errors import RowError


class RowLocation(TypedDict, total=False):
    """Where in the file a refusal points: :class:`RowError`'s location fields."""

    part: str | None
    row: int | None
    column: str | None
    value: str | None


LANGUAGES = ("en", "it", "lv")
DOMAIN = "ingest"


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


def compiled_catalog(package: str, language: str, domain: str) -> gettext.NullTranslations:
    """``<package>/locale/<language>/LC_MESSAGES/<domain>.po`` compiled in memory: the result
    depends on the ``.po`` bytes alone and needs no build step or writable cache."""
    po = resources.files(package).joinpath("locale", language, "LC_MESSAGES", f"{domain}.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def catalog(package: str, domain: str, language: str) -> gettext.NullTranslations:
    """The package's compiled catalog for a supported language (English needs none)."""
    if language_of(language) == "en":
        return gettext.NullTranslations()
    return compiled_catalog(package, language, domain)


def language_of(language: str | None) -> str:
    """A supported language, English for anything else (a roster may name any ISO 639-1 code)."""
    return language if language in LANGUAGES else "en"


def translate(language: str | None, message: str, **params: object) -> str:
    """``message`` (an English msgid with ``{name}`` fields) in ``language``, fields filled in."""
    text = catalog("ecocluster.warehouse", DOMAIN, language_of(language)).gettext(message)
    return text.format(**params) if params else text


@dataclass(frozen=True)
class LocalisedRowError(RowError):
    """A refusal that knows its msgid and fields, so it can be worded in the member's language
    once the member (and so the language) is known; ``reason`` is the English wording."""

    message: str = ""
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, file: str, message: str, params: dict[str, str], **where: Unpack[RowLocation]
    ) -> LocalisedRowError:
        return cls(
            file, message.format(**params), message=message, params=tuple(sorted(params.items())), **where
        )

    def reason_in(self, language: str | None) -> str:
        return translate(language, self.message, **dict(self.params))


class Refusal(ValueError):
    """A whole file refused before its rows are read (a CSV header matching no section), with
    its msgid and fields so that it can be worded in the member's language like any row error."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def file_error(file: str, error: ValueError | OSError) -> RowError:
    """The row error of a file refused whole: translatable when ``error`` is a :class:`Refusal`
    (an operating system's error stays as the system worded it)."""
    if isinstance(error, Refusal):
        return LocalisedRowError.of(file, error.message, error.params)
    return RowError(file, str(error))


def reason_in(error: RowError, language: str | None) -> str:
    """The error's reason in ``language`` where it knows its msgid, else as worded."""
    return error.reason_in(language) if isinstance(error, LocalisedRowError) else error.reason


# Where in a file an error is (RowError.location): the words around the file's own names.
_SHEET = N_("sheet {name}")
_KEY = N_("key {name}")
_ROW = N_("row {n}")
_COLUMN = N_("column {name}")
_VALUE = N_("(value {value})")
_PART_WORDS = {"sheet": _SHEET, "key": _KEY}


def _part(part: str, language: str | None) -> str:
    """``sheet indicators`` (XLSX) or ``key members[2].sites`` (JSON) with its first word translated."""
    word, _, name = part.partition(" ")
    return translate(language, _PART_WORDS[word], name=name) if word in _PART_WORDS and name else part


def describe(error: RowError, language: str | None) -> str:
    """``str(error)`` worded in ``language``: the location words (sheet, key, row, column, value)
    as well as the reason where it knows its msgid. English gives exactly ``str(error)``."""
    where = [error.file]
    if error.part:
        where.append(_part(error.part, language))
    if error.row is not None:
        where.append(translate(language, _ROW, n=error.row))
    if error.column:
        where.append(translate(language, _COLUMN, name=error.column))
    text = f"{', '.join(where)}: {reason_in(error, language)}"
    if error.value not in (None, ""):
        text += " " + translate(language, _VALUE, value=repr(error.value))
    return text
