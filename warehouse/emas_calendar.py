"""The EMAS calendar of a registered member, as SQL over the ``member`` table, in one place.

The cycle (which members are due), the statements (full or updated) and the checks (who may
claim the derogation) all read these expressions, so they cannot disagree.

Regulation (EC) No 1221/2009 as amended:

* Art. 6: a full verification (EMS, audit programme, full statement) at least every three years
  and a validated updated statement every year in between, counted from registration.
* Art. 7(1): at the request of a **small organisation** the competent body extends the three
  years to up to four and the yearly update to up to two years, provided the verifier confirms
  that (a) there are no significant environmental risks, (b) no substantial changes are planned
  (Art. 8) and (c) the organisation contributes to no significant local environmental problems.
  The roster's ``significant_env_risk`` is the coordinator's record that this confirmation is
  missing (any of the three conditions fails). Art. 7(3): in the years without a validated update
  the member still sends its non-validated updated statement to the competent body.
* Art. 2(28): "small organisations" are micro, small **and medium-sized** enterprises as defined
  in Commission Recommendation 2003/361/EC (fewer than 250 persons, turnover ≤ EUR 50 million or
  balance sheet ≤ EUR 43 million), local authorities governing fewer than 10 000 inhabitants and
  other public authorities employing fewer than 250 persons with an annual budget ≤ EUR 50 million
  or balance sheet ≤ EUR 43 million. The roster's ``size_class`` records this: ``large`` is an
  organisation outside Art. 2(28) (for a public body, one above those limits); every other class
  (micro, small, medium) may claim the derogation.
"""

from __future__ import annotations

# What the derogation needs besides the claim itself (Art. 2(28) and Art. 7(1)).
ELIGIBLE_SIZES = ("micro", "small", "medium")


def derogation_eligible(m: str = "m") -> str:
    """SQL: the member (table alias ``m``) is a small organisation without significant risks."""
    sizes = ", ".join(f"'{s}'" for s in ELIGIBLE_SIZES)
    return f"({m}.size_class IN ({sizes}) AND NOT {m}.significant_env_risk)"


def derogation_applies(m: str = "m") -> str:
    """SQL: the member claims the derogation and may; an ineligible claim keeps the standard
    calendar (and ``compliance.derogation_ineligible`` blocks it)."""
    return f"({m}.derogation AND {derogation_eligible(m)})"


def years_registered(m: str, year: str) -> str:
    """SQL: whole calendar years between the registration and the reporting ``year``."""
    return f"({year} - year({m}.registered_on))"


def due(m: str, year: str) -> str:
    """SQL: what the member owes for the reporting ``year``: 'initial' (first registration, a full
    verification), 'full', 'update' or NULL (nothing validated this year)."""
    n = years_registered(m, year)
    d = derogation_applies(m)
    return f"""CASE
            WHEN {m}.registered_on IS NULL THEN 'initial'
            WHEN {n} <= 0 THEN NULL
            WHEN {d} AND {n} % 4 = 0 THEN 'full'
            WHEN {d} AND {n} % 2 = 0 THEN 'update'
            WHEN {d} THEN NULL
            WHEN {n} % 3 = 0 THEN 'full'
            ELSE 'update'
        END"""


def statement_kind(m: str, year: str) -> str:
    """SQL: the statement the member's calendar asks for that year: 'full' for a first
    registration or a full verification, 'updated' otherwise (also in a year with nothing due:
    the non-validated updated statement of Art. 7(3))."""
    return f"CASE WHEN {due(m, year)} IN ('initial', 'full') THEN 'full' ELSE 'updated' END"
