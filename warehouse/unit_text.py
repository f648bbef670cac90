"""Units as people write them: ``m³`` and ``%``, not pint's ``m**3`` and ``percent``.

The warehouse keeps units in the units registry's spelling (``ecocluster.warehouse.units``), which is what
conversions need; every message, check explanation and statement document shows them through
:func:`shown` (Python) or :func:`shown_sql` (DuckDB), so a reader never meets pint's notation.
This module does not import pint: the checks and statements that use it load without it.
"""

from __future__ import annotations

# Whole units with a symbol of their own, then powers written as superscripts (``kg/m**3``).
_SYMBOLS = {"percent": "%"}
_POWERS = (("**2", "²"), ("**3", "³"))


def shown(unit: str) -> str:
    """``unit`` (registry or submitted spelling) as a person writes it."""
    if unit in _SYMBOLS:
        return _SYMBOLS[unit]
    for power, superscript in _POWERS:
        unit = unit.replace(power, superscript)
    return unit


def shown_sql(expr: str) -> str:
    """SQL for :func:`shown` of the text ``expr`` (NULL stays NULL)."""
    replaced = expr
    for power, superscript in _POWERS:
        replaced = f"replace({replaced}, '{power}', '{superscript}')"
    symbols = " ".join(f"WHEN '{unit}' THEN '{symbol}'" for unit, symbol in _SYMBOLS.items())
    return f"(CASE ({expr}) {symbols} ELSE {replaced} END)"
