"""What a verifier signs: an in-toto Statement whose subjects are the draft's digests.

The subject names the exact bytes reviewed (canonical statement JSON and PDF, by SHA-256), so an
approval can never be moved to another draft; the predicate carries the decision and everything
the competent body needs to know about who decided, under which accreditation and for which cycle,
plus the Annex VII declaration text the verifier signs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from signing import _dsse
from signing._language import N_, translate
from signing._pki import identity
from warehouse.messages import language_of

PREDICATE_TYPE = "https://ecocluster.eu/emas/approval/v1"
APPROVED, REJECTED = "approved", "rejected"


@dataclass(frozen=True)
class Draft:
    """One draft statement as the verifier saw it; only ids and digests, never the content."""

    statement_id: str
    member_id: str
    member_name: str
    nace: str
    cluster_id: str
    reporting_year: int
    json_sha256: str
    pdf_sha256: str
    language: str = "en"  # the statement's language: the declaration is in it and in English
    kind: str = "updated"  # full | updated: the statement the declaration names (the member's calendar)


ANNEX_VII = N_(
    "{verifier}, EMAS environmental verifier with accreditation number {accreditation_no}, "
    "accredited for the scope {scope} (NACE), declares to have verified whether the organisation "
    "{member} ({member_id}, NACE {nace}), as indicated in the {kind} environmental statement for "
    "the reporting year {year}, meets all requirements of Regulation (EC) No 1221/2009 as amended. "
    "By signing this declaration, I declare that: the verification and validation have been carried "
    "out in full compliance with the requirements of Regulation (EC) No 1221/2009; the outcome of "
    "the verification and validation confirms that there is no evidence of non-compliance with "
    "applicable legal requirements relating to the environment; the data and information of the "
    "environmental statement reflect a reliable, credible and correct image of all the "
    "organisation's activities within the scope mentioned in the environmental statement. "
    "This document is not equivalent to EMAS registration. Done at {place} on {date}."
)


# The statement kinds as the declaration names them (a full verification validates a full statement).
_KINDS = {"updated": N_("updated"), "full": N_("full")}


def declaration_text(draft: Draft, cert: x509.Certificate, signed_at: dt.datetime, place: str) -> str:
    """The Annex VII declaration in the statement's language, then in English (one text, signed)."""
    who = identity(cert)
    fields = {"verifier": who.name, "accreditation_no": who.accreditation_no, "scope": ", ".join(who.nace_scope),
              "member": draft.member_name, "member_id": draft.member_id, "nace": draft.nace,
              "year": draft.reporting_year, "place": place, "date": signed_at.date().isoformat()}
    english = ANNEX_VII.format(kind=_KINDS[draft.kind], **fields)
    if language_of(draft.language) == "en":
        return english
    own = translate(draft.language, ANNEX_VII, kind=translate(draft.language, _KINDS[draft.kind]), **fields)
    return own + "\n\n" + english


def approval_statement(draft: Draft, cert: x509.Certificate, *, decision: str, reasons: tuple[str, ...],
                       signed_at: dt.datetime, place: str = "") -> dict[str, Any]:
    if decision not in (APPROVED, REJECTED):
        raise ValueError(f"decision must be {APPROVED!r} or {REJECTED!r}, not {decision!r}")
    if decision == REJECTED and not reasons:
        raise ValueError("a rejection needs at least one reason the member can act on")
    who = identity(cert)
    return {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [
            {"name": f"{draft.statement_id}.json", "digest": {"sha256": draft.json_sha256}},
            {"name": f"{draft.statement_id}.pdf", "digest": {"sha256": draft.pdf_sha256}},
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "decision": decision,
            "reasons": list(reasons),
            "statementId": draft.statement_id,
            "member": {"id": draft.member_id, "name": draft.member_name, "nace": draft.nace},
            "cycle": {"clusterId": draft.cluster_id, "reportingYear": draft.reporting_year},
            "verifier": {"name": who.name, "accreditationNo": who.accreditation_no,
                         "naceScope": list(who.nace_scope), "certificateSha256": who.fingerprint},
            "signedAt": signed_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "place": place,  # shown in the validated PDF's signature block, so it must be signed
            "declaration": declaration_text(draft, cert, signed_at, place) if decision == APPROVED else "",
        },
    }


def sign_approval(draft: Draft, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, *,
                  decision: str = APPROVED, reasons: tuple[str, ...] = (),
                  signed_at: dt.datetime | None = None, place: str = "") -> bytes:
    """The DSSE envelope (JSON bytes) for the verifier's decision on ``draft``."""
    when = signed_at or dt.datetime.now(dt.UTC)
    statement = approval_statement(draft, cert, decision=decision, reasons=reasons, signed_at=when, place=place)
    return _dsse.sign(statement, key).to_json()
