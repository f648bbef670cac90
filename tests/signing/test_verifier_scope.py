"""Who the cycle names as able to sign judges NACE scope as the approval rule does
(ecocluster.warehouse.nace.covers)."""

from __future__ import annotations

from ecocluster.signing import VerifierScope


def test_a_section_covers_its_divisions_and_codes_nest_by_digits() -> None:
    public = VerifierScope("DEMO", "IT-V-0001", ("O", "55.1"))
    assert public.covers("84.11")  # section O (public administration) holds division 84
    assert public.covers("55.10") and not public.covers("55.2") and not public.covers("5")
    assert not VerifierScope("DEMO", "IT-V-0002", ("5",)).covers("55.10")  # "5" is no NACE code at all
