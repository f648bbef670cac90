"""Request types of a delivered package and the checks each one and the country profile make.

A package's request type is decided from the signed statement's facts compared with the body's
own register, never from a file name or an unsigned field:

* no entry (or a deleted one) → first registration;
* the legal name differs from the registered one → transfer (the registration passes to the
  organisation as now named; assumption to be confirmed by each body);
* a NACE code or a site the entry does not have → extension;
* a full statement → renewal (Art. 6: the full verification every three years);
* an updated statement → annual update.

Suspension and deletion are the body's own decisions (:mod:`ecocluster.signing._overdue`).
Each check is PASS or FAIL with what was found and what to do; informative ones (the request type,
the fee) always PASS so the receipt records them.
"""

from __future__ import annotations

from ecocluster.signing._feed import Registered
from ecocluster.signing._offline import Check, Outcome, SignedFacts
from ecocluster.signing._profiles import CountryProfile, RequestType

_STATEMENT = "data/statement.json"
# Request types that need a full environmental statement, not an updated one: a new site or NACE
# code is verified in full (assumption to be confirmed by each body). A first entry in this body's
# register takes either kind: whether the member owed a full statement was decided by the EMAS
# calendar (warehouse/emas_calendar.py) and signed by the verifier, and the body's register may not
# hold organisations registered before it was set up.
_NEEDS_FULL = (RequestType.EXTENSION,)


def classify(facts: SignedFacts, known: Registered | None) -> tuple[RequestType, str]:
    """The request type of a package whose signed facts are ``facts``, and why."""
    if known is None:
        return RequestType.FIRST_REGISTRATION, f"{facts.member_id} is not in the register"
    if known.status == "deleted":
        return RequestType.FIRST_REGISTRATION, f"{known.registration_no} was deleted from the register"
    if known.legal_name is not None and facts.legal_name != known.legal_name:
        return (
            RequestType.TRANSFER,
            f"{known.registration_no} is registered as {known.legal_name!r}, the statement names "
            f"{facts.legal_name!r}",
        )
    new_sites = sorted(set(facts.site_ids) - set(known.site_ids)) if known.site_ids is not None else []
    if known.nace is not None and facts.nace != known.nace:
        return RequestType.EXTENSION, f"NACE {facts.nace} (registered: {known.nace})"
    if new_sites:
        return RequestType.EXTENSION, f"new site(s) {', '.join(new_sites)}"
    if facts.kind == "full":
        return RequestType.RENEWAL, f"a full statement for {known.registration_no}"
    return RequestType.ANNUAL_UPDATE, f"an updated statement for {known.registration_no}"


def checks(
    request: RequestType,
    why: str,
    facts: SignedFacts,
    known: Registered | None,
    profile: CountryProfile,
    package_bytes: int,
) -> tuple[Check, ...]:
    """The request type's and the profile's checks of one package."""
    found = [
        Check("request-type", Outcome.PASS, f"{request.value}: {why}", _STATEMENT),
        _language(facts, profile),
    ]
    if profile.max_package_bytes is not None:
        ok = package_bytes <= profile.max_package_bytes
        found.append(
            Check(
                "attachments",
                Outcome.PASS if ok else Outcome.FAIL,
                f"the package is {package_bytes:,} bytes; the {profile.country} competent body takes "
                f"attachments of at most {profile.max_package_bytes:,} bytes"
                + ("" if ok else ": reduce the evidence attached or deliver it as the body instructs"),
            )
        )
    if request in _NEEDS_FULL:
        ok = facts.kind == "full"
        found.append(
            Check(
                "statement-kind",
                Outcome.PASS if ok else Outcome.FAIL,
                f"a {request.value} needs a full environmental statement; this one is {facts.kind}"
                + ("" if ok else ": have the full statement validated and deliver that package"),
                _STATEMENT,
            )
        )
    if (
        known is not None
        and known.last_reporting_year is not None
        and request is not RequestType.FIRST_REGISTRATION
    ):
        ok = facts.reporting_year >= known.last_reporting_year
        found.append(
            Check(
                "reporting-year",
                Outcome.PASS if ok else Outcome.FAIL,
                f"the statement reports {facts.reporting_year}; the register holds "
                f"{known.last_reporting_year} for {known.registration_no}"
                + ("" if ok else ": an older statement than the one registered changes nothing"),
                _STATEMENT,
            )
        )
    found.append(
        Check(
            "fee",
            Outcome.PASS,
            f"{profile.fee.for_member(facts.size_class, facts.public_body)} "
            f"(size class {facts.size_class}, public body: {'yes' if facts.public_body else 'no'})",
            _STATEMENT,
        )
    )
    return tuple(found)


def _language(facts: SignedFacts, profile: CountryProfile) -> Check:
    if not profile.languages:
        return Check(
            "language", Outcome.PASS, f"the statement is in {facts.language}; any is taken", _STATEMENT
        )
    ok = facts.language in profile.languages
    return Check(
        "language",
        Outcome.PASS if ok else Outcome.FAIL,
        f"the statement is in {facts.language}; the {profile.country} competent body takes applications in "
        f"{', '.join(profile.languages)}"
        + ("" if ok else f": draft and validate it in {profile.languages[0]}, then deliver that package"),
        _STATEMENT,
    )
