"""The competent body's intake: verify each delivered package offline, register or renew, sign a receipt.

A body takes in only organisations of its own country, as the verifier-signed statement states it
(never the package's path or an unsigned file). Registration numbers are ``<CC>-<6 digits>`` (like
ISPRA's ``IT-000576``), assigned only by this body's register (``body_register``), one per
organisation, unique, next = highest + 1 as a BIGINT; a number the coordinator's roster claims is
never used. Packages are taken in once per body (a digest another body saw does not count) and an
approval once per body, so a re-bagged copy of an approval cannot renew twice. A refusal that the
body's own configuration may have caused (trust anchors, CRL, a renderer that cannot reproduce a
PDF) is marked retriable and looked at again by ``intake --retry``; a deliberate one stays.

Each receipt or refusal is a DSSE envelope signed with the body's own key (created only by
:func:`init_body_key`, never on first use), written under the cluster's prefix for a package whose
signed facts verified, else under ``competent-body/<CC>/receipts/``. :func:`verify_receipt`
checks one against the body's certificate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ecocluster.core.errors import ConfigurationError, EcoclusterError, StoredObjectChanged
from ecocluster.core.home import Home
from ecocluster.core.store.interface import ObjectStore
from ecocluster.signing import _attachments, _dsse, _feed, _org_request, _overdue, _pki, _requests, _stored
from ecocluster.signing._keys import KeyFiles
from ecocluster.signing._offline import (
    Check,
    Outcome,
    PackageReport,
    SignedFacts,
    verify_archive,
    verify_files,
)
from ecocluster.signing._overdue import Notice
from ecocluster.signing._package import PackageRefused, read_tar
from ecocluster.signing._profiles import CountryProfile, RequestType, profile
from ecocluster.signing._verify import TrustAnchors
from ecocluster.warehouse.db import transaction

if TYPE_CHECKING:
    from ecocluster.signing._trusted_list import QualificationPolicy

RECEIPT_TYPE = "https://ecocluster.eu/emas/registration-receipt/v1"
MAX_RECEIPT_BYTES = 1024 * 1024
# EMAS applies in the EU and the EEA; Greece's register uses EL (as the EU does), ISO says GR.
EMAS_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
# Rules whose failure can come from the body's own configuration rather than from the package.
# A refreshed trusted list may change a "qualification" verdict; approval/timestamp: the TSA's CA
# missing from [signing] tsa_trust_anchors, or its CRL stale; approval/accreditation: the
# accreditation body that signed the verifier's statement missing from [signing] trust_anchors.
RETRIABLE_RULES = frozenset(
    {
        "approval/accreditation",
        "approval/chain",
        "approval/revocation",
        "approval/timestamp",
        "pdf-signature",
        "internal",
        "qualification",
    }
)

log = logging.getLogger(__name__)


class UnknownCountry(EcoclusterError):
    """``intake --country`` named no EMAS country."""

    exit_code = 64  # EX_USAGE


class IntakeOutcome(StrEnum):
    """What a receipt says became of a package or request: received (waiting), an action of the register
    (the organisation's own suspension or deletion included), or refused (``body_intake.outcome`` holds
    the value, with ``waiting`` for received)."""

    RECEIVED = "received"
    REGISTERED = "registered"
    UPDATED = "updated"
    RENEWED = "renewed"
    EXTENDED = "extended"
    TRANSFERRED = "transferred"
    SUSPENDED = "suspended"
    DELETED = "deleted"
    REFUSED = "refused"


# The register's actions among the outcomes.
DECIDED = (
    IntakeOutcome.REGISTERED,
    IntakeOutcome.UPDATED,
    IntakeOutcome.RENEWED,
    IntakeOutcome.EXTENDED,
    IntakeOutcome.TRANSFERRED,
    IntakeOutcome.SUSPENDED,
    IntakeOutcome.DELETED,
)


@dataclass(frozen=True)
class Receipt:
    package_key: str
    member_id: str | None
    outcome: IntakeOutcome
    registration_no: str | None
    rule: str | None  # the first refused rule
    retriable: bool
    reasons: tuple[str, ...]
    receipt_key: str
    request_type: str | None = None
    waiting_until: dt.date | None = None

    @property
    def message(self) -> str:
        """One line for the reader: what happened, and for a waiting request until when."""
        return message(self.outcome, self.registration_no, self.waiting_until)


def message(outcome: str, registration_no: str | None, waiting_until: dt.date | None) -> str:
    if outcome == IntakeOutcome.RECEIVED:
        return f"received, waiting until {waiting_until}"
    if outcome == IntakeOutcome.REFUSED:
        return "refused"
    return f"{outcome} as {registration_no}"


def check_country(country: str) -> str:
    code = country.strip().upper()
    if code not in EMAS_COUNTRIES:
        raise UnknownCountry(
            f"--country {country!r} is not an EMAS country; use an ISO code such as "
            f"{', '.join(sorted(EMAS_COUNTRIES)[:6])} … ({len(EMAS_COUNTRIES)} in all)"
        )
    return code


def body_key_folder(home: Home, country: str) -> Path:
    return home.root / "competent-body" / country.upper()


def init_body_key(folder: Path, country: str, pw: bytes) -> Path:
    """Create the competent body's receipt-signing key and certificate in ``folder``; refuses to
    replace an existing key (receipts signed with it would no longer verify)."""
    files = KeyFiles(folder)
    if files.key.exists() or files.cert.exists():
        raise ConfigurationError(f"{folder} already holds a competent-body key; it is never replaced")
    key, cert = _pki.create_ca(f"EMAS competent body {check_country(country)}")
    _pki.save_key(key, files.key, pw)
    files.cert.write_bytes(_pki.pem(cert))
    return files.cert


def load_body_key(folder: Path, pw: bytes) -> tuple[_pki.PrivateKey, x509.Certificate]:
    files = KeyFiles(folder)
    if not files.key.is_file():
        raise ConfigurationError(
            f"no competent-body key in {folder}; the body creates its own with "
            "`ecocluster intake-key --country CC` (it is never created implicitly)"
        )
    return _pki.load_key(files.key, pw), files.load_cert()


@dataclass(frozen=True)
class _Decision:
    outcome: str
    member_id: str | None
    cluster_id: str | None
    registration_no: str | None
    rule: str | None
    retriable: bool
    checks: tuple[Check, ...]
    approval_sha256: str | None
    request_type: RequestType | None = None
    waiting_until: dt.date | None = None
    facts: SignedFacts | None = None


def _refusal(
    report: PackageReport, approval_sha: str | None, rule: str, *extra: Check, retriable: bool = False
) -> _Decision:
    facts = report.facts
    return _Decision(
        "refused",
        facts.member_id if facts else None,
        facts.cluster_id if facts else None,
        None,
        rule,
        retriable,
        (*report.checks, *extra),
        approval_sha,
    )


def _decide(
    con: duckdb.DuckDBPyConnection,
    profile: CountryProfile,
    report: PackageReport,
    package: tuple[str, int],
    today: dt.date,
) -> _Decision:
    country, (package_sha, package_bytes) = profile.country, package
    approval_sha = (
        hashlib.sha256(json.dumps(report.approval.statement, sort_keys=True).encode()).hexdigest()
        if report.approval
        else None
    )
    failed = report.failed()
    if failed:
        retriable = all(c.name in RETRIABLE_RULES or c.outcome is Outcome.NOT_CHECKED for c in failed)
        return _refusal(report, approval_sha, failed[0].name, retriable=retriable)
    facts = report.facts
    assert facts is not None and approval_sha is not None  # every check passed, so the facts verified
    if facts.country != country:
        return _refusal(
            report,
            approval_sha,
            "country",
            Check(
                "country",
                Outcome.FAIL,
                f"the signed statement puts {facts.member_id} in {facts.country}; this body "
                f"registers organisations of {country} only: deliver it to {facts.country}'s competent body",
                "data/statement.json",
            ),
        )
    earlier = con.execute(
        "SELECT package_key, registration_no FROM body_intake WHERE country = ? AND "
        "approval_sha256 = ? AND outcome <> 'refused' AND package_sha256 <> ?",
        [country, approval_sha, package_sha],
    ).fetchone()
    if earlier:
        return _refusal(
            report,
            approval_sha,
            "duplicate",
            Check(
                "duplicate",
                Outcome.FAIL,
                f"this approval was already taken in from {earlier[0]} "
                f"({earlier[1]}); a re-bagged copy renews nothing",
                "data/approval.dsse.json",
            ),
        )
    known = _feed.registered(con, country, facts.member_id)
    request, why = _requests.classify(facts, known)
    checks = (*report.checks, *_requests.checks(request, why, facts, known, profile, package_bytes))
    failed = tuple(c for c in checks if not c.ok)
    if failed:
        return _Decision(
            "refused",
            facts.member_id,
            facts.cluster_id,
            None,
            failed[0].name,
            False,
            checks,
            approval_sha,
            request,
        )
    until = profile.waiting_until(request, today)
    if today < until:  # no number, no register change before the profile's waiting period ends
        period = profile.waiting[request]
        waiting = Check("waiting-period", Outcome.PASS, f"{period.describe()} from {today}: until {until}")
        return _Decision(
            "waiting",
            facts.member_id,
            facts.cluster_id,
            None,
            None,
            False,
            (*checks, waiting),
            approval_sha,
            request,
            until,
            facts,
        )
    outcome, number = _feed.enter(
        con,
        country,
        facts.member_id,
        approval_sha,
        today,
        request=request,
        entering=_entering(profile, facts, approval_sha, today),
    )  # logged for the monthly feed
    return _Decision(
        outcome,
        facts.member_id,
        facts.cluster_id,
        number,
        None,
        False,
        checks,
        approval_sha,
        request,
        None,
        facts,
    )


def _entering(
    profile: CountryProfile, facts: SignedFacts, approval_sha: str, today: dt.date
) -> _feed.Entering:
    return _feed.Entering(
        facts.member_id,
        approval_sha,
        facts.legal_name,
        facts.nace,
        facts.site_ids,
        facts.reporting_year,
        profile.overdue.due(today, facts.derogation),
    )


def _receipt_key(country: str, decision: _Decision, package_sha: str, attempt: int) -> str:
    again = f".retry{attempt - 1}" if attempt > 1 else ""
    outcome = "received" if decision.outcome == "waiting" else decision.outcome
    name = f"{decision.member_id or 'unattributed'}-{package_sha[:12]}.{outcome}{again}.dsse.json"
    if decision.cluster_id:  # facts from a verified signature: the coordinator's folder of that cluster
        return f"clusters/{decision.cluster_id}/receipts/{name}"
    return f"competent-body/{country}/receipts/{name}"


@dataclass(frozen=True)
class ReceiptFacts:
    """Everything a receipt states: :func:`receipt_statement` turns it into the signed statement."""

    package_key: str
    package_sha256: str
    competent_body: str
    profile: CountryProfile
    member_id: str | None
    outcome: str  # an IntakeOutcome's value, as the receipt states it
    registration_no: str | None
    rule: str | None
    retriable: bool
    date: dt.date
    attempt: int
    checks: tuple[Check, ...]
    request_type: RequestType | None
    received_on: dt.date | None
    waiting_until: dt.date | None


def receipt_statement(r: ReceiptFacts) -> dict[str, object]:
    """The in-toto statement of a receipt (what the body signs); the same facts give the same bytes."""
    return {
        "_type": _dsse.STATEMENT_TYPE,
        "subject": [{"name": r.package_key, "digest": {"sha256": r.package_sha256}}],
        "predicateType": RECEIPT_TYPE,
        "predicate": {
            "competentBody": r.competent_body,
            "country": r.profile.country,
            "profile": r.profile.version,
            "member": r.member_id,
            "outcome": r.outcome,
            "message": message(r.outcome, r.registration_no, r.waiting_until),
            "requestType": r.request_type.value if r.request_type else None,
            "registrationNo": r.registration_no,
            "receivedOn": r.received_on.isoformat() if r.received_on else None,
            "waitingUntil": r.waiting_until.isoformat() if r.waiting_until else None,
            "rule": r.rule,
            "retriable": r.retriable,
            "date": r.date.isoformat(),
            "attempt": r.attempt,
            "checks": [
                {"name": c.name, "outcome": c.outcome.value, "file": c.file, "detail": c.detail}
                for c in r.checks
            ],
        },
    }


def _sign_receipt(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    body: tuple[_pki.PrivateKey, x509.Certificate],
    key: str,
    facts: ReceiptFacts,
) -> None:
    stored = store.put(
        key, _dsse.sign(receipt_statement(facts), body[0]).to_json(), content_type="application/json"
    )
    _stored.record(con, stored)  # read back pinned, like approvals and packages


def _facts_json(facts: SignedFacts | None) -> str | None:
    return None if facts is None else _dsse.canonical_json(dataclasses.asdict(facts)).decode()


def _stored_facts(text: str) -> SignedFacts:
    """The signed facts a waiting request was received with (the body's own record of them)."""
    data: dict[str, Any] = json.loads(text)
    data["site_ids"] = tuple(data["site_ids"])
    return SignedFacts(**data)


def _requested(
    con: duckdb.DuckDBPyConnection, profile: CountryProfile, data: bytes, today: dt.date
) -> _Decision:
    """The organisation's own suspension or deletion (``_org_request``): carried out when every rule
    holds, else refused by the first rule broken (unattributed: the claim of a refused request is
    not the organisation's word)."""
    request, checks = _org_request.judge(con, profile.country, data, today)
    failed = [c for c in checks if not c.ok]
    if request is None or failed:
        return _Decision("refused", None, None, None, failed[0].name, False, checks, None, None)
    entry = _feed.set_status(con, profile.country, request.member_id, request.request, today)
    return _Decision(
        entry.status,
        request.member_id,
        request.cluster_id,
        entry.registration_no,
        None,
        False,
        checks,
        None,
        request.request,
    )


def _verified(
    data: bytes,
    trust: TrustAnchors,
    profile: CountryProfile,
    *,
    now: dt.datetime | None,
    qualification: QualificationPolicy | None,
) -> PackageReport:
    """The offline verification, with the body's bounds on each file (``_attachments``) checked first,
    so that a file the body does not take is refused by its own rule and named."""
    try:
        files = read_tar(data)
    except PackageRefused:
        return verify_archive(data, trust, now=now, qualification=qualification)  # reports its rule
    bounds = _attachments.check(dict(files.files), profile.attachments, profile.country)
    report = verify_files(files, trust, now=now, qualification=qualification)
    return dataclasses.replace(report, checks=(*bounds, *report.checks))


def _take_in(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: TrustAnchors,
    profile: CountryProfile,
    body: tuple[_pki.PrivateKey, x509.Certificate],
    package_key: str,
    data: bytes,
    digest: str,
    attempt: int,
    today: dt.date,
    now: dt.datetime | None,
    *,
    unreadable: str = "",
    qualification: QualificationPolicy | None = None,
) -> Receipt:
    country = profile.country
    with transaction(con):
        try:
            if package_key.endswith(_org_request.SUFFIX) and not unreadable:
                decision = _requested(con, profile, data, today)
            else:
                report = (
                    _verified(data, trust, profile, now=now, qualification=qualification)
                    if not unreadable
                    else PackageReport(
                        (Check("stored-object", Outcome.FAIL, unreadable, "(archive)"),), None, None
                    )
                )
                decision = _decide(con, profile, report, (digest, len(data)), today)
        except Exception as e:  # last resort: one package never stops the others
            log.exception("intake of %s failed unexpectedly", package_key)
            check = Check(
                "internal",
                Outcome.FAIL,
                f"{type(e).__name__}: {e}; reported as a refusal, "
                "retry with `ecocluster intake --retry` once fixed",
            )
            decision = _Decision("refused", None, None, None, "internal", True, (check,), None)
        receipt_key = _receipt_key(country, decision, digest, attempt)
        reasons = tuple(
            f"{c.name} ({c.file or 'package'}): {c.outcome.value}: {c.detail}"
            for c in decision.checks
            if not c.ok
        )
        outcome = IntakeOutcome.RECEIVED if decision.outcome == "waiting" else IntakeOutcome(decision.outcome)
        _sign_receipt(
            con,
            store,
            body,
            receipt_key,
            ReceiptFacts(
                package_key,
                digest,
                body[1].subject.rfc4514_string(),
                profile,
                decision.member_id,
                outcome,
                decision.registration_no,
                decision.rule,
                decision.retriable,
                today,
                attempt,
                decision.checks,
                decision.request_type,
                today if decision.request_type else None,
                decision.waiting_until,
            ),
        )
        con.execute(
            "INSERT INTO body_intake VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?) "
            "ON CONFLICT (country, package_sha256) DO UPDATE SET approval_sha256 = excluded.approval_sha256, "
            "member_id = excluded.member_id, outcome = excluded.outcome, rule = excluded.rule, "
            "retriable = excluded.retriable, registration_no = excluded.registration_no, "
            "reasons = excluded.reasons, receipt_key = excluded.receipt_key, attempts = excluded.attempts, "
            "received_at = excluded.received_at, request_type = excluded.request_type, "
            "received_on = excluded.received_on, waiting_until = excluded.waiting_until, "
            "facts = excluded.facts",
            [
                country,
                digest,
                package_key,
                decision.approval_sha256,
                decision.member_id,
                decision.outcome,
                decision.rule,
                decision.retriable,
                decision.registration_no,
                _dsse.canonical_json(list(reasons)).decode(),
                receipt_key,
                attempt,
                decision.request_type.value if decision.request_type else None,
                today,
                decision.waiting_until,
                _facts_json(decision.facts),
            ],
        )
    return Receipt(
        package_key,
        decision.member_id,
        outcome,
        decision.registration_no,
        decision.rule,
        decision.retriable,
        reasons,
        receipt_key,
        decision.request_type.value if decision.request_type else None,
        decision.waiting_until,
    )


def complete_waiting(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    profile: CountryProfile,
    body: tuple[_pki.PrivateKey, x509.Certificate],
    today: dt.date,
) -> list[Receipt]:
    """Decide every request whose waiting period has ended by ``today``: enter it in the register
    (the number is assigned now, never earlier) and sign a second receipt that names the first."""
    rows = con.execute(
        "SELECT package_sha256, package_key, approval_sha256, request_type, received_on, waiting_until, "
        "facts, receipt_key, attempts FROM body_intake WHERE country = ? AND outcome = 'waiting' "
        "AND waiting_until <= ? ORDER BY waiting_until, received_at, package_sha256",
        [profile.country, today],
    ).fetchall()
    done = []
    for (
        sha,
        package_key,
        approval_sha,
        request_type,
        received_on,
        until,
        facts_json,
        first_key,
        attempts,
    ) in rows:
        facts = _stored_facts(facts_json)
        request = RequestType(request_type)
        decision = _Decision("", facts.member_id, facts.cluster_id, None, None, False, (), approval_sha)
        with transaction(con):
            action, number = _feed.enter(
                con,
                profile.country,
                facts.member_id,
                approval_sha,
                today,
                request=request,
                entering=_entering(profile, facts, approval_sha, today),
            )
            decision = dataclasses.replace(decision, outcome=action)
            key = _receipt_key(profile.country, decision, sha, attempts)
            checks = (
                Check("received", Outcome.PASS, f"received on {received_on}; receipt {first_key}"),
                Check(
                    "waiting-period",
                    Outcome.PASS,
                    f"{profile.waiting[request].describe()} from {received_on}: ended {until}",
                ),
            )
            _sign_receipt(
                con,
                store,
                body,
                key,
                ReceiptFacts(
                    package_key,
                    sha,
                    body[1].subject.rfc4514_string(),
                    profile,
                    facts.member_id,
                    action,
                    number,
                    None,
                    False,
                    today,
                    attempts,
                    checks,
                    request,
                    received_on,
                    until,
                ),
            )
            con.execute(
                "UPDATE body_intake SET outcome = ?, registration_no = ?, receipt_key = ? "
                "WHERE country = ? AND package_sha256 = ?",
                [action, number, key, profile.country, sha],
            )
        done.append(
            Receipt(
                package_key,
                facts.member_id,
                IntakeOutcome(action),
                number,
                None,
                False,
                (),
                key,
                request.value,
                until,
            )
        )
    return done


def intake(
    home: Home,
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    trust: TrustAnchors,
    country: str,
    cb_password: bytes,
    *,
    today: dt.date | None = None,
    retry: bool = False,
    key_folder: Path | None = None,
    now: dt.datetime | None = None,
    qualification: QualificationPolicy | None = None,
) -> list[Receipt]:
    """Complete the requests whose waiting period has ended, then take in every package under the
    country's inbox that this body has no receipt for yet (and, with ``retry``, those it refused for a
    reason its own configuration may have caused), each by the country's profile (languages, request
    types, waiting periods, fee rule, attachment limit; :mod:`ecocluster.signing._profiles`). With
    ``qualification`` each receipt reports whether the verifier signed with a QES, and ``[intake]
    require`` refuses (rule ``qualification``) a package whose verifier's certificate is not what it asks."""
    country = check_country(country)
    today = today or dt.date.today()
    rules = profile(country, home)
    body = load_body_key(key_folder or body_key_folder(home, country), cb_password)
    receipts = complete_waiting(con, store, rules, body, today)
    seen = dict(
        con.execute(
            "SELECT package_sha256, CASE WHEN outcome = 'refused' AND retriable THEN attempts "
            "ELSE -1 END FROM body_intake WHERE country = ?",
            [country],
        ).fetchall()
    )
    # Pinned packages are read as written, even behind a newer version or a delete marker; one
    # whose stored bytes changed is refused like any other bad package.
    for package_key in _stored.keys_under(con, store, f"competent-body/{country}/inbox/"):
        try:
            data, unreadable = _stored.read(con, store, package_key), ""
            digest = hashlib.sha256(data).hexdigest()
        except StoredObjectChanged as e:  # recorded once per key, like a package
            data, unreadable = b"", str(e)
            digest = hashlib.sha256(b"changed in storage\0" + package_key.encode()).hexdigest()
        attempts = seen.get(digest)
        if attempts is not None and not (retry and attempts > 0):
            continue
        receipts.append(
            _take_in(
                con,
                store,
                trust,
                rules,
                body,
                package_key,
                data,
                digest,
                (attempts or 0) + 1,
                today,
                now,
                unreadable=unreadable,
                qualification=qualification,
            )
        )
        seen[digest] = -1
    return receipts


@dataclass(frozen=True)
class Sweep:
    completed: list[Receipt]  # requests whose waiting period ended
    notices: list[Notice]  # notices, suspensions and deletions sent


def register_sweep(
    home: Home,
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    country: str,
    cb_password: bytes,
    *,
    today: dt.date | None = None,
    key_folder: Path | None = None,
) -> Sweep:
    """The body's daily run without new packages: complete the requests whose waiting period has
    ended, then notices, suspensions and deletions for overdue updated statements
    (:mod:`ecocluster.signing._overdue`), all by the country's profile."""
    country = check_country(country)
    today = today or dt.date.today()
    rules = profile(country, home)
    body = load_body_key(key_folder or body_key_folder(home, country), cb_password)
    completed = complete_waiting(con, store, rules, body, today)
    return Sweep(completed, _overdue.sweep(con, store, rules, body, today))


def is_receipt(data: bytes) -> bool:
    """Whether ``data`` claims to be a receipt (unverified: only to choose how to verify it)."""
    if len(data) > MAX_RECEIPT_BYTES:
        return False
    try:
        return _dsse.Envelope.from_json(data).statement().get("predicateType") == RECEIPT_TYPE
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return False


def verify_receipt(data: bytes, trusted: tuple[x509.Certificate, ...]) -> PackageReport:
    """A receipt checked against the competent bodies' certificates the reader trusts: bounded,
    a DSSE receipt statement, signed by one of them; the report's last check says what it records."""
    if len(data) > MAX_RECEIPT_BYTES:
        return PackageReport(
            (Check("size", Outcome.FAIL, f"{len(data)} bytes, more than {MAX_RECEIPT_BYTES}"),), None, None
        )
    try:
        envelope = _dsse.Envelope.from_json(data)
        statement = envelope.statement()
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
        return PackageReport(
            (Check("envelope", Outcome.FAIL, f"not a readable DSSE receipt ({e})"),), None, None
        )
    predicate = statement.get("predicate")
    if statement.get("predicateType") != RECEIPT_TYPE or not isinstance(predicate, dict):
        return PackageReport(
            (
                Check(
                    "envelope",
                    Outcome.FAIL,
                    f"predicateType is {statement.get('predicateType')!r}, expected {RECEIPT_TYPE!r}",
                ),
            ),
            None,
            None,
        )
    signer = next(
        (
            c
            for c in trusted
            if isinstance(key := c.public_key(), ec.EllipticCurvePublicKey) and _dsse.signed_by(envelope, key)
        ),
        None,
    )
    if signer is None:
        return PackageReport(
            (
                Check("envelope", Outcome.PASS, "registration receipt v1"),
                Check(
                    "signature",
                    Outcome.FAIL,
                    "signed by none of the competent-body certificates given with --trust",
                ),
            ),
            None,
            None,
        )
    outcome = predicate.get("outcome")
    return PackageReport(
        (
            Check("envelope", Outcome.PASS, "registration receipt v1"),
            Check("signature", Outcome.PASS, f"signed by {signer.subject.rfc4514_string()}"),
            Check(
                "receipt",
                Outcome.PASS if outcome in (*DECIDED, "received") else Outcome.FAIL,
                f"{outcome} {predicate.get('member')} {predicate.get('registrationNo') or ''} in "
                f"{predicate.get('country')} on {predicate.get('date')}"
                + (f", waiting until {predicate.get('waitingUntil')}" if outcome == "received" else ""),
            ),
        ),
        None,
        None,
    )
