"""The statement's number spellings equal Babel's (statements/_numbers.py prepares each pattern once)."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal, format_percent
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ecocluster.statements._i18n import LANGUAGES
from ecocluster.statements._numbers import decimal_format

# Every pattern statements/_i18n.py uses.
DECIMAL_PATTERNS = ("#,##0", "#,##0.#", "#,##0.##", "#,##0.###", "0.#####", "#,##0.######")
values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e-3, max_value=1e-3),
)


@settings(max_examples=400, deadline=None)
@given(value=values)
@example(value=-0.0)
@example(value=1234567.891)
@example(value=0.000004999)
@example(value=2.5e-06)
@example(value=999.95)
def test_spellings_equal_babels(value: float) -> None:
    for language in LANGUAGES:
        for pattern in DECIMAL_PATTERNS:
            assert decimal_format(pattern, language)(value) == format_decimal(
                value, format=pattern, locale=language
            )
        assert decimal_format("#,##0%", language)(value) == format_percent(
            value, format="#,##0%", locale=language
        )


def test_patterns_beyond_the_statements_are_refused() -> None:
    with pytest.raises(ValueError, match="only grouping"):
        decimal_format("0.00E0", "en")
