"""Numbers spelled exactly as Babel's ``format_decimal``/``format_percent`` spell them, faster.

A statement prints some 90 numbers. Babel looks the locale's symbols up and rebuilds the quantum
for every one, which made number spelling a third of a review draft's rendering time. Here each
(pattern, language) pair is prepared once; the arithmetic is Babel's own (the value through
``Decimal(str(value))``, quantized, grouped). Only what the statement patterns use is supported:
grouping, fraction digits and the percent scale; anything else is refused when the pattern is
prepared. ``tests/statements/test_numbers.py`` compares the spellings with Babel's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, get_decimal_symbol, get_group_symbol, parse_pattern


@dataclass(frozen=True)
class DecimalFormat:
    """One CLDR decimal pattern with one locale's symbols."""

    pattern: NumberPattern
    group: str
    decimal: str
    quantum: Decimal

    def __call__(self, value: float) -> str:
        p = self.pattern
        number = Decimal(str(value)).scaleb(p.scale)
        negative = int(number.is_signed())
        whole, _, fraction = f"{abs(number).normalize().quantize(self.quantum):f}".partition(".")
        return (
            p.prefix[negative] + self._grouped(whole) + self._fraction(fraction or "0") + p.suffix[negative]
        )

    def _grouped(self, digits: str) -> str:
        digits = digits.rjust(self.pattern.int_prec[0], "0")
        size, tail = self.pattern.grouping[0], ""
        while len(digits) > size:
            tail = self.group + digits[-size:] + tail
            digits = digits[:-size]
            size = self.pattern.grouping[1]
        return digits + tail

    def _fraction(self, digits: str) -> str:
        least, most = self.pattern.frac_prec
        digits = digits.ljust(least, "0")
        if most == 0 or (least == 0 and int(digits) == 0):
            return ""
        while len(digits) > least and digits[-1] == "0":
            digits = digits[:-1]
        return self.decimal + digits


@cache
def decimal_format(pattern: str, language: str) -> DecimalFormat:
    parsed = parse_pattern(pattern)
    if parsed.exp_prec or "@" in pattern or "¤" in pattern or "'" in pattern:
        raise ValueError(f"number pattern {pattern!r}: only grouping, fraction digits and % are supported")
    locale = Locale.parse(language)
    return DecimalFormat(
        parsed,
        get_group_symbol(locale, numbering_system="latn"),
        get_decimal_symbol(locale, numbering_system="latn"),
        Decimal(10) ** -parsed.frac_prec[1],
    )
