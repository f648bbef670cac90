"""Answering the verifier's findings: a member answers its own, a coordinator its cluster's.

The answer goes through ``ecocluster.signing.answer_finding``, the function ``ecocluster finding
answer`` calls, so an evidence file meets the same rules from a browser as from the shell: its size,
its type judged by content (not by its name), its name made safe. The portal only bounds what it
reads (one byte past the limit) and writes the upload under a safe name into a private temporary
folder for that function; a refusal is shown in the user's language and recorded in the audit log.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from ecocluster import signing
from ecocluster.core.errors import ReviewRefused
from ecocluster.core.home import Home
from ecocluster.portal._authz import Action, Role, Target, allowed
from ecocluster.portal._i18n import words
from ecocluster.portal._web import (
    Visit,
    check_csrf,
    message,
    page_number,
    record,
    render,
    settings_of,
    warehouse,
)
from ecocluster.warehouse.desk import cluster_card, member_card
from ecocluster.warehouse.digest import cluster_members

PAGE_SIZE = 50
MAX_TEXT = 4000  # signing refuses a longer answer by name (rule finding-text); this bounds what is read
_FINDING_ID = re.compile(r"^F-[0-9a-f]{12}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A refusal's rule -> the words that explain it; rules not listed show the generic refusal.
REFUSALS = {
    "evidence-size": "refused_evidence_size",
    "evidence-type": "refused_evidence_type",
    "evidence-count": "refused_evidence_type",
    "evidence-file": "refused_evidence_type",
    "finding-text": "refused_answer_text",
    "finding-transition": "refused_not_open",
    "finding-unknown": "refused_not_open",
}


def finding_target(request: Request) -> Target:
    """The finding's member and cluster; an unknown or malformed id targets nothing (refused)."""
    finding_id = request.path_params["finding_id"]
    if not _FINDING_ID.match(finding_id):
        return Target(member_id="?")
    with warehouse(settings_of(request).home) as con:
        try:
            found = signing.finding(con, finding_id)
        except ReviewRefused:
            return Target(member_id="?")
        card = member_card(con, found.member_id)
    return Target(member_id=found.member_id, cluster_id=card.cluster_id if card else None)


def safe_evidence_name(name: str) -> str:
    """The uploaded file's base name with only safe characters (no folder, no leading dot)."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    safe_stem = _UNSAFE.sub("_", stem if dot else base).strip("._")[:80] or "evidence"
    return f"{safe_stem}.{_UNSAFE.sub('', suffix)[:10]}" if dot else safe_stem


def _open_view(home: Home, *, member_id: str | None, cluster_id: str | None, page: int) -> dict[str, Any]:
    """The page's findings (one database page) and whose they are; empty when the id names no one."""
    whose: dict[str, Any]
    with warehouse(home) as con:
        if member_id is not None:
            card = member_card(con, member_id)
            if card is None:
                return {}
            members, whose = [member_id], {"member": card}
            target = Target(member_id=member_id, cluster_id=card.cluster_id)
        else:
            cluster = cluster_card(con, cluster_id or "")
            if cluster is None:
                return {}
            members, whose = cluster_members(con, [cluster.cluster_id]), {"cluster": cluster}
            target = Target(cluster_id=cluster.cluster_id)
        found = signing.open_findings(con, members, page=page, page_size=PAGE_SIZE)
    return {
        **whose,
        "target": target,
        "findings": found,
        "page": page,
        "more": len(found) == PAGE_SIZE,
        "max_mb": signing.MAX_EVIDENCE_BYTES // 1_000_000,
    }


async def _answers_page(
    request: Request,
    visit: Visit,
    *,
    member_id: str | None = None,
    cluster_id: str | None = None,
    code: int = 200,
    **result: Any,
) -> Response:
    view = await run_in_threadpool(
        _open_view,
        settings_of(request).home,
        member_id=member_id,
        cluster_id=cluster_id,
        page=page_number(request),
    )
    if not view:
        return message(request, visit, "not_found", 404)
    can_answer = allowed(visit.user, Action.FINDING_ANSWER, view.pop("target"))
    return render(request, visit, "answers.html", code, result=result, can_answer=can_answer, **view)


async def member_answers(request: Request, visit: Visit) -> Response:
    return await _answers_page(request, visit, member_id=request.path_params["member_id"])


async def cluster_answers(request: Request, visit: Visit) -> Response:
    return await _answers_page(request, visit, cluster_id=request.path_params["cluster_id"])


def _answer(home: Home, finding_id: str, text: str, name: str | None, data: bytes | None, by: str) -> None:
    with tempfile.TemporaryDirectory(prefix="ecocluster-evidence-") as folder:
        files = []
        if name is not None and data is not None:
            path = Path(folder) / name
            path.write_bytes(data)
            files.append(path)
        with warehouse(home, write=True) as con:
            signing.answer_finding(con, signing.open_store(home), finding_id, text, by=by, files=files)


def _refusal(language: str, rule: str, name: str | None) -> str:
    t = words(language)
    key = REFUSALS.get(rule, "refused_answer")
    return t[key].format(name=name or "", mb=signing.MAX_EVIDENCE_BYTES // 1_000_000, rule=rule)


async def answer(request: Request, visit: Visit) -> Response:
    """Answer one finding (text, at most one evidence file), then show the desk it came from."""
    assert visit.account is not None
    finding_id = request.path_params["finding_id"]
    limit = signing.MAX_EVIDENCE_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        return await _refused(request, visit, finding_id, "evidence-size", None, 413)
    form = await check_csrf(request, visit)
    upload = form.get("file")
    name, data = None, None
    if isinstance(upload, UploadFile) and upload.filename:
        name = safe_evidence_name(upload.filename)
        data = await upload.read(limit + 1)
        if len(data) > limit:
            return await _refused(request, visit, finding_id, "evidence-size", name, 413)
    who = f"{visit.account.email} ({visit.account.role.value})"
    try:
        await run_in_threadpool(
            _answer,
            settings_of(request).home,
            finding_id,
            str(form.get("text", ""))[: MAX_TEXT + 1],
            name,
            data,
            who,
        )
    except ReviewRefused as e:
        return await _refused(request, visit, finding_id, e.rule, name, 422)
    await run_in_threadpool(record, visit, Action.FINDING_ANSWER, finding_id, "answered")
    return await _back(request, visit, 200, answered=finding_id)


async def _refused(
    request: Request, visit: Visit, finding_id: str, rule: str, name: str | None, code: int
) -> Response:
    await run_in_threadpool(record, visit, Action.FINDING_ANSWER, finding_id, f"refused: {rule}")
    return await _back(request, visit, code, error=_refusal(visit.language, rule, name))


async def _back(request: Request, visit: Visit, code: int, **result: Any) -> Response:
    """The answering desk again with the outcome: the member's own, or the coordinator's cluster."""
    assert visit.account is not None
    scope = visit.account.scope
    if visit.account.role is Role.MEMBER:
        return await _answers_page(request, visit, member_id=scope, code=code, **result)
    return await _answers_page(request, visit, cluster_id=scope, code=code, **result)
