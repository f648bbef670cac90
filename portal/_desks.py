"""The coordinator's, the verifier's and the competent body's desks.

Each handler parses its input, calls the owning package's functions (``ecocluster.warehouse.status``,
``checks``, ``statements``, ``signing``) and renders; no SQL here. Signing stays on the verifier's
machine: the desk hands out the signing request (the review export, zipped) and takes the signed
decision back through the approvals inbox (``inbox/approvals/`` and ``ecocluster.signing.receive_decision``),
showing every rule's outcome at once.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ecocluster import checks, signing, statements
from ecocluster.core.errors import EcoclusterError, ReviewRefused
from ecocluster.core.home import Home
from ecocluster.portal import _runs
from ecocluster.portal._authz import Action, Target, allowed
from ecocluster.portal._i18n import words
from ecocluster.portal._web import (
    Settings,
    Visit,
    check_csrf,
    message,
    page_number,
    record,
    render,
    settings_of,
    warehouse,
)
from ecocluster.warehouse.desk import cluster_card, member_card, member_cards
from ecocluster.warehouse.status import MemberStatus, latest_year, member_status

_CLUSTER_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PAGE_SIZE = 50
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
FINDING_MOVES = {  # a close is only ever the verifier's signed decision (ecocluster.portal._signed_decisions)
    "accept": signing.accept_finding,
    "reopen": signing.reopen_finding,
}
MAX_TEXT = 4000  # signing refuses longer finding texts by name; this only bounds what is read
DECISION_FILES = {
    "envelope": signing.ENVELOPE,
    "certificate": signing.CERTIFICATE,
    "timestamp": signing.TIMESTAMP,
    "pdf": signing.SIGNED_PDF,
}


# ---- targets: what the matrix decides on ---------------------------------------------------------


def cluster_target(request: Request) -> Target:
    cluster_id = request.path_params["cluster_id"]
    return Target(cluster_id=cluster_id if _CLUSTER_ID.match(cluster_id) else "?")


def statement_target(request: Request) -> Target:
    """The statement's member and cluster; an unknown or malformed id targets nothing (refused)."""
    statement_id = request.path_params["statement_id"]
    if not _SHA256.match(statement_id):
        return Target(member_id="?")
    with warehouse(settings_of(request).home) as con:
        try:
            version = statements.show(con, statement_id)
        except statements.StatementNotFound:
            return Target(member_id="?")
    return Target(member_id=version.member_id, cluster_id=version.cluster_id)


def country_target(request: Request) -> Target:
    country = request.path_params["country"]
    return Target(country=country if _COUNTRY.match(country) else "?")


# ---- the coordinator -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    """One line of the cluster dashboard, each fact from the package that owns it."""

    status: MemberStatus
    verdict: checks.Verdict | None
    statement: str | None
    decision: str | None
    registration_no: str | None


def _cluster_view(
    home: Home, cluster_id: str, severity: str | None, rule: str | None, page: int
) -> dict[str, Any]:
    with warehouse(home) as con:
        card = cluster_card(con, cluster_id)
        if card is None:
            return {}
        year = latest_year(con)
        verdicts = checks.cluster_verdicts(con, cluster_id)
        drafted = statements.member_statuses(con, cluster_id)
        decided = signing.member_decisions(con, cluster_id)
        registered = signing.member_registrations(con, cluster_id)
        members = [
            MemberRow(
                s,
                verdicts.get(s.member_id),
                drafted.get(s.member_id),
                decided.get(s.member_id),
                registered.get(s.member_id),
            )
            for s in (member_status(con, year, cluster_id) if year is not None else [])
        ]
        rules = checks.cluster_rules(con, cluster_id)
        chosen_rule = rule if rule in rules else None
        chosen_severity = severity if severity in ("blocking", "warning") else None
        found = checks.cluster_findings(
            con, cluster_id, severity=chosen_severity, rule=chosen_rule, page=page, page_size=PAGE_SIZE
        )
        drafts = statements.cluster_statements(con, cluster_id)
    return {
        "cluster": card,
        "year": year,
        "members": members,
        "rules": rules,
        "rule": chosen_rule,
        "severity": chosen_severity,
        "findings": found,
        "page": page,
        "more": len(found) == PAGE_SIZE,
        "statements": drafts,
        "review_links": True,
    }


async def cluster_page(
    request: Request, visit: Visit, *, cluster_id: str | None = None, code: int = 200, **extra: Any
) -> Response:
    """The dashboard (``extra``: what a coordinator's button just did, shown above it)."""
    view = await run_in_threadpool(
        _cluster_view,
        settings_of(request).home,
        cluster_id or request.path_params["cluster_id"],
        request.query_params.get("severity") or "blocking",
        request.query_params.get("rule"),
        page_number(request),
    )
    if not view:
        return message(request, visit, "not_found", 404)
    target = Target(cluster_id=view["cluster"].cluster_id)
    can = {
        "rerun": allowed(visit.user, Action.STAGE_RERUN, target),
        "send": allowed(visit.user, Action.VERIFICATION_SEND, target),
        "audit": allowed(visit.user, Action.AUDIT_VIEW, target),
    }
    runs = await run_in_threadpool(_runs.cluster_runs, settings_of(request).home, view["cluster"].cluster_id)
    return render(
        request, visit, "cluster.html", code, can=can, runs=runs, **_runs_view(runs), **view, **extra
    )


def _runs_view(runs: list[_runs.FollowedRun]) -> dict[str, Any]:
    api_url = os.environ.get("PREFECT_API_URL") or ""
    return {
        "runs_live": any(not r.final for r in runs),
        "run_links": {r.flow_run_id: r.link(api_url) for r in runs} if api_url else {},
    }


async def cluster_runs(request: Request, visit: Visit) -> Response:
    """The runs' section alone, which the cluster page polls (htmx) while a run is not final."""
    cluster_id = request.path_params["cluster_id"]
    runs = await run_in_threadpool(_runs.cluster_runs, settings_of(request).home, cluster_id)
    return render(request, visit, "_runs.html", cluster_id=cluster_id, runs=runs, **_runs_view(runs))


def _statement_file(home: Home, statement_id: str, kind: str) -> tuple[str, bytes, str] | None:
    with warehouse(home) as con:
        version = statements.show(con, statement_id)
        store = signing.open_store(home)
        if kind == "pdf":
            if version.pdf_key is None:
                return None
            return "pdf", store.get(version.pdf_key, sha256=version.pdf_sha256), "application/pdf"
        return "html", store.get(version.html_key), "text/html; charset=utf-8"


async def statement_file(request: Request, visit: Visit) -> Response:
    """A statement's PDF or HTML as a download (its own styles are not the portal's, so it is not shown
    inline)."""
    kind = request.path_params["kind"]
    statement_id = request.path_params["statement_id"]
    try:
        found = (
            await run_in_threadpool(_statement_file, settings_of(request).home, statement_id, kind)
            if kind in ("pdf", "html")
            else None
        )
    except KeyError:  # the row names an object the store does not hold (a changed one is an error page)
        found = None
    if found is None:
        return message(request, visit, "not_found", 404)
    suffix, data, media = found
    return Response(
        data,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="statement-{statement_id[:16]}.{suffix}"'},
    )


# ---- the verifier --------------------------------------------------------------------------------


def _queue_view(home: Home, clusters: tuple[str, ...], accreditation_no: str, page: int) -> dict[str, Any]:
    with warehouse(home) as con:
        waiting = statements.awaiting_verification(con, clusters, page=page, page_size=PAGE_SIZE)
        scope = signing.verifier_nace_scope(con, accreditation_no)
        cards = member_cards(con, [v.member_id for v in waiting if v.member_id])
    rows = []
    for version in waiting:
        card = cards.get(version.member_id or "")
        nace = card.nace if card else ""
        rows.append(
            {
                "statement": version,
                "card": card,
                "in_scope": None if scope is None else signing.in_nace_scope(nace, scope),
            }
        )
    return {
        "rows": rows,
        "scope": scope,
        "page": page,
        "more": len(waiting) == PAGE_SIZE,
        "clusters": clusters,
    }


async def verifier_queue(request: Request, visit: Visit) -> Response:
    assert visit.account is not None
    view = await run_in_threadpool(
        _queue_view,
        settings_of(request).home,
        visit.account.clusters,
        visit.account.scope,
        page_number(request),
    )
    return render(request, visit, "verifier.html", **view)


def _review_view(home: Home, statement_id: str) -> dict[str, Any]:
    with warehouse(home) as con:
        version = statements.show(con, statement_id)
        member = version.member_id or ""
        return {
            "statement": version,
            "card": member_card(con, member),
            "checks": checks.member_findings(con, member),
            "findings": signing.findings(con, member_id=member, year=version.reporting_year),
            "kinds": [k.value for k in signing.FindingKind],
            "owners": [o.value for o in signing.Owner],
        }


async def review_page(request: Request, visit: Visit, code: int = 200, **result: Any) -> Response:
    view = await run_in_threadpool(
        _review_view, settings_of(request).home, request.path_params["statement_id"]
    )
    statement = view["statement"]
    if statement.subject != "member":
        return message(request, visit, "not_found", 404)
    target = Target(member_id=statement.member_id, cluster_id=statement.cluster_id)
    can = {
        name: allowed(visit.user, action, target)
        for name, action in (
            ("request", Action.REVIEW_REQUEST),
            ("upload", Action.DECISION_UPLOAD),
            ("raise", Action.FINDING_RAISE),
            ("decide", Action.FINDING_DECIDE),
        )
    }
    return render(request, visit, "review.html", code, result=result, can=can, **view)


def _actor(visit: Visit) -> str:
    """How the review trail names the portal user: e-mail and accreditation number."""
    assert visit.account is not None
    return f"{visit.account.email} ({visit.account.scope})"


def _raise(home: Home, statement_id: str, form: dict[str, Any], by: str) -> signing.Finding:
    deadline = str(form.get("deadline", "")).strip()
    try:
        when = dt.date.fromisoformat(deadline) if deadline else None
    except ValueError as e:
        raise ReviewRefused(
            "finding-deadline", f"deadline {deadline[:20]!r} is not a date (YYYY-MM-DD)"
        ) from e
    with warehouse(home, write=True) as con:
        return signing.raise_finding(
            con,
            statement_id,
            str(form.get("kind", ""))[:40],
            str(form.get("text", ""))[: MAX_TEXT + 1],
            by=by,
            owner=str(form.get("owner", "member"))[:20],
            deadline=when,
        )


async def raise_finding(request: Request, visit: Visit) -> Response:
    form = await check_csrf(request, visit)
    statement_id = request.path_params["statement_id"]
    try:
        found = await run_in_threadpool(_raise, settings_of(request).home, statement_id, form, _actor(visit))
    except ReviewRefused as e:
        await run_in_threadpool(record, visit, Action.FINDING_RAISE, statement_id, f"refused: {e.rule}")
        return await review_page(request, visit, 422, error=str(e))
    await run_in_threadpool(
        record, visit, Action.FINDING_RAISE, f"{statement_id}/{found.finding_id}", "raised"
    )
    return RedirectResponse(f"/review/{statement_id}#findings", status_code=303)


def _move(home: Home, statement_id: str, finding_id: str, move: str, note: str, by: str) -> signing.Finding:
    with warehouse(home, write=True) as con:
        version = statements.show(con, statement_id)
        current = signing.finding(con, finding_id)
        if current.member_id != version.member_id or current.reporting_year != version.reporting_year:
            raise ReviewRefused(
                "finding-unknown", f"finding {finding_id} is not about this statement's member and year"
            )
        return FINDING_MOVES[move](con, finding_id, by=by, note=note)


async def decide_finding(request: Request, visit: Visit) -> Response:
    form = await check_csrf(request, visit)
    statement_id, finding_id, move = (request.path_params[k] for k in ("statement_id", "finding_id", "move"))
    if move not in FINDING_MOVES:
        return message(request, visit, "not_found", 404)
    try:
        await run_in_threadpool(
            _move,
            settings_of(request).home,
            statement_id,
            finding_id,
            move,
            str(form.get("note", ""))[:MAX_TEXT],
            _actor(visit),
        )
    except ReviewRefused as e:
        await run_in_threadpool(
            record, visit, Action.FINDING_DECIDE, f"{finding_id[:20]}/{move}", f"refused: {e.rule}"
        )
        return await review_page(request, visit, 422, error=str(e))
    await run_in_threadpool(record, visit, Action.FINDING_DECIDE, f"{finding_id}/{move}", "done")
    return RedirectResponse(f"/review/{statement_id}#findings", status_code=303)


def _request_zip(home: Home, statement_id: str) -> tuple[str, bytes]:
    """The review export of the statement's member (what `ecocluster sign FOLDER` signs from), zipped."""
    with warehouse(home) as con, tempfile.TemporaryDirectory(prefix="ecocluster-review-") as folder:
        version = statements.show(con, statement_id)
        member = version.member_id or ""
        paths = signing.export_review(
            con, signing.open_store(home), member, Path(folder) / "review", trust=signing.trust_anchors(home)
        )  # ca.pem, crl.pem: what B-LTA embeds
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path in paths:
                z.write(path, f"review-{member}/{path.name}")
    return f"review-{member}-{statement_id[:16]}.zip", out.getvalue()


async def review_request(request: Request, visit: Visit) -> Response:
    try:
        name, data = await run_in_threadpool(
            _request_zip, settings_of(request).home, request.path_params["statement_id"]
        )
    except EcoclusterError as e:
        return await review_page(request, visit, 409, error=str(e))
    return Response(
        data, media_type="application/zip", headers={"content-disposition": f'attachment; filename="{name}"'}
    )


@dataclass(frozen=True)
class DecisionResult:
    """What the desk shows after an upload: the offline checks, then what the inbox recorded."""

    checks: tuple[signing.Check, ...]
    outcome: str  # approved | rejected | refused | incomplete
    rule: str | None
    detail: str


async def _read_upload(value: object, limit: int, key: str) -> signing.InboxFile | None:
    """One uploaded file read once, bounded: ``data`` None when it is larger than the inbox accepts."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    data = await value.read(limit + 1)
    return signing.InboxFile(key, len(data), data if len(data) <= limit else None)


def _receive(
    settings: Settings, files: dict[str, signing.InboxFile], statement_id: str, accreditation_no: str
) -> DecisionResult:
    home = settings.home
    limits = signing.InboxLimits.from_config(home.config().inbox)
    envelope, cert = files[signing.ENVELOPE], files.get(signing.CERTIFICATE)
    try:
        trust = signing.trust_anchors(home)
    except EcoclusterError as e:  # the home's own configuration (no CA yet): nothing can be verified
        return DecisionResult((), "refused", "trust", f"{e}; tell the coordinator")
    stamp = files.get(signing.TIMESTAMP)
    report = signing.verify_envelope(
        envelope, cert or b"", trust, limits=limits, timestamp=stamp.data if stamp is not None else None
    )
    if envelope.data is None:  # larger than the inbox reads: refused unread, as the inbox does
        return DecisionResult(report.checks, "refused", "envelope-too-large", report.checks[0].detail)
    try:
        parsed = signing.parse_approval(envelope.data or b"", max_bytes=limits.envelope_bytes)
    except signing.ApprovalRuleFailed as e:
        return DecisionResult(report.checks, "refused", e.rule, str(e))
    with warehouse(home) as con:
        version = statements.show(con, statement_id)
    if (parsed.predicate.member.id, parsed.predicate.reporting_year) != (
        version.member_id,
        version.reporting_year,
    ):
        return DecisionResult(
            report.checks,
            "refused",
            "statement",
            f"the decision is about member "
            f"{parsed.predicate.member.id} {parsed.predicate.reporting_year}, not this statement's "
            f"{version.member_id} {version.reporting_year}; upload it on that statement's page",
        )
    if parsed.predicate.verifier.accreditation_no.upper() != accreditation_no.upper():
        return DecisionResult(
            report.checks,
            "refused",
            "identity",
            f"the decision is signed for verifier "
            f"{parsed.predicate.verifier.accreditation_no}; upload your own decisions only",
        )
    store = signing.open_store(home)
    stem = f"inbox/approvals/portal-{envelope.sha256[:16]}"
    for suffix, f in files.items():  # the inbox's own record of what arrived; the flows poll sees it handled
        if f.data is not None:
            store.put(f"{stem}.{suffix}", f.data)
    arrival = signing.Arrival(
        signing.InboxFile(f"{stem}.{signing.ENVELOPE}", envelope.size, envelope.data),
        {
            s: signing.InboxFile(f"{stem}.{s}", f.size, f.data)
            for s, f in files.items()
            if s != signing.ENVELOPE
        },
    )
    try:
        with warehouse(home, write=True) as con:
            verified = signing.receive_decision(con, store, trust, arrival, limits)
    except signing.ApprovalRuleFailed as e:
        return DecisionResult(report.checks, "refused", e.rule, str(e))
    except EcoclusterError as e:  # DecisionIncomplete: a file the decision needs is missing
        return DecisionResult(
            report.checks, "incomplete" if "waits for" in str(e) else "refused", None, str(e)
        )
    return DecisionResult(
        report.checks,
        verified.decision,
        None,  # approved | rejected
        f"{verified.member_id}, statement {verified.statement_id[:16]}…, verifier "
        f"{verified.verifier.name} ({verified.verifier.accreditation_no})",
    )


async def decision_upload(request: Request, visit: Visit) -> Response:
    assert visit.account is not None
    settings = settings_of(request)
    statement_id = request.path_params["statement_id"]
    limits = signing.InboxLimits.from_config(settings.home.config().inbox)
    declared = request.headers.get("content-length", "")
    if (
        declared.isdigit()
        and int(declared) > sum(limits.for_suffix(s) for s in DECISION_FILES.values()) + 64 * 1024
    ):
        return await review_page(request, visit, 413, error=words(visit.language)["too_large"])
    form = await check_csrf(request, visit, max_files=len(DECISION_FILES))
    files = {}
    for field, suffix in DECISION_FILES.items():
        read = await _read_upload(form.get(field), limits.for_suffix(suffix), f"upload.{suffix}")
        if read is not None:
            files[suffix] = read
    if signing.ENVELOPE not in files:
        return await review_page(request, visit, 400, error=words(visit.language)["no_file"])
    result = await run_in_threadpool(_receive, settings, files, statement_id, visit.account.scope)
    await run_in_threadpool(
        record,
        visit,
        Action.DECISION_UPLOAD,
        f"{statement_id}/{files[signing.ENVELOPE].sha256}",
        f"{result.outcome}{f' ({result.rule})' if result.rule else ''}",
    )
    code = 200 if result.outcome in ("approved", "rejected") else 422
    return await review_page(request, visit, code, decision=result)


# ---- the competent body --------------------------------------------------------------------------


def _body_view(home: Home, country: str, page: int) -> dict[str, Any]:
    with warehouse(home) as con:
        intakes = signing.body_intakes(con, country, page=page, page_size=PAGE_SIZE)
    return {"country": country, "intakes": intakes, "page": page, "more": len(intakes) == PAGE_SIZE}


async def body_page(request: Request, visit: Visit) -> Response:
    try:
        view = await run_in_threadpool(
            _body_view, settings_of(request).home, request.path_params["country"], page_number(request)
        )
    except signing.UnknownCountry:
        return message(request, visit, "not_found", 404)
    return render(request, visit, "body.html", **view)


def _receipt(home: Home, country: str, package_sha256: str) -> tuple[str, bytes]:
    with warehouse(home) as con:
        return signing.intake_receipt(con, signing.open_store(home), country, package_sha256)


async def body_receipt(request: Request, visit: Visit) -> Response:
    package = request.path_params["package_sha256"]
    if not _SHA256.match(package):
        return message(request, visit, "not_found", 404)
    try:
        name, data = await run_in_threadpool(
            _receipt, settings_of(request).home, request.path_params["country"], package
        )
    except EcoclusterError:  # UnknownId: no receipt of this body for that package
        return message(request, visit, "not_found", 404)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return Response(
        data, media_type="application/json", headers={"content-disposition": f'attachment; filename="{safe}"'}
    )
