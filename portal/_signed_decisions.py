"""The verifier closes a finding by uploading the decision they signed on their own machine.

There is no close button: a close is final, and the portal never holds a verifier's key, so the
only close it records is one the verifier signed and the TSA timestamped elsewhere (``ecocluster
finding decide FOLDER --close ID --signer URI`` on the review export the desk hands out). The file
goes through ``ecocluster.signing.import_answers``, the function ``ecocluster finding import`` runs
(signature, certificate judged at the attested time, timestamp, the finding as it is now), with
:class:`ecocluster.signing.ExpectedDecision`: one decision, on this finding (rule ``finding-other``),
signed by the verifier who uploads it (``finding-signer``). Every outcome is audited and, by
``import_answers``, recorded in ``review_import``; a refusal is shown by rule in the user's language.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from ecocluster import signing, statements
from ecocluster.core.errors import EcoclusterError, ReviewRefused
from ecocluster.core.home import Home
from ecocluster.portal._authz import Action
from ecocluster.portal._desks import review_page
from ecocluster.portal._i18n import words
from ecocluster.portal._web import Visit, check_csrf, record, settings_of, warehouse

FIELD = "decision"
# rule -> the words' key that says it to the verifier (the detail from signing follows, in English)
REFUSALS = {
    "review-answers": "refused_decision_file",
    "finding-decision": "refused_decision_signature",
    "certificate-malformed": "refused_decision_signature",
    "timestamp": "refused_decision_timestamp",
    "finding-other": "refused_decision_other",
    "finding-unknown": "refused_decision_other",
    "finding-signer": "refused_decision_signer",
    "finding-stale": "refused_decision_stale",
    "finding-transition": "refused_decision_stale",
}


def _import(home: Home, statement_id: str, finding_id: str, data: bytes, by: str) -> signing.ImportOutcome:
    """The upload through ``signing.import_answers``, for this statement's finding and this verifier."""
    expect = signing.ExpectedDecision(finding_id, by)
    try:
        trust = signing.trust_anchors(home)
    except EcoclusterError as e:  # the home's own configuration (no CA yet): nothing can be verified
        return signing.ImportOutcome(
            "file", None, signing.Imported.REFUSED, "trust", f"{e}; tell the coordinator"
        )
    with warehouse(home, write=True) as con:
        version = statements.show(con, statement_id)
        try:
            current = signing.finding(con, finding_id)
        except ReviewRefused as e:
            return signing.ImportOutcome("file", None, signing.Imported.REFUSED, e.rule, str(e))
        if (current.member_id, current.reporting_year) != (version.member_id, version.reporting_year):
            return signing.ImportOutcome(
                "file",
                None,
                signing.Imported.REFUSED,
                "finding-unknown",
                f"finding {finding_id[:40]} is not about this statement's member and year",
            )
        [outcome] = signing.import_answers(con, trust, data, expect=expect)
    return outcome


def _refusal(language: str, outcome: signing.ImportOutcome) -> str:
    t = words(language)
    rule = outcome.rule or "?"
    return f"{t[REFUSALS.get(rule, 'refused_decision')].format(rule=rule)} ({rule}: {outcome.message})"


async def upload_signed_decision(request: Request, visit: Visit) -> Response:
    """POST ``/review/{statement}/findings/{finding}/decision``: one answers file, read once, bounded."""
    # the matrix allowed a verifier assigned to the statement's cluster; their scope is their accreditation
    accreditation_no = visit.account.scope if visit.account is not None else ""
    statement_id, finding_id = request.path_params["statement_id"], request.path_params["finding_id"]
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > signing.MAX_ANSWERS_BYTES + 64 * 1024:
        await run_in_threadpool(
            record, visit, Action.FINDING_DECIDE, f"{finding_id[:40]}/signed", "refused: review-answers"
        )
        return await review_page(request, visit, 413, error=words(visit.language)["too_large"])
    form = await check_csrf(request, visit)
    upload = form.get(FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await review_page(request, visit, 400, error=words(visit.language)["no_file"])
    data = await upload.read(signing.MAX_ANSWERS_BYTES + 1)  # one byte more: import_answers refuses it
    outcome = await run_in_threadpool(
        _import, settings_of(request).home, statement_id, finding_id, data, accreditation_no
    )
    refused = outcome.outcome is signing.Imported.REFUSED
    await run_in_threadpool(
        record,
        visit,
        Action.FINDING_DECIDE,
        f"{finding_id[:40]}/signed",
        f"refused: {outcome.rule}" if refused else f"{outcome.outcome.value}: {outcome.message[:200]}",
    )
    if refused:
        return await review_page(request, visit, 422, error=_refusal(visit.language, outcome))
    notice = f"{words(visit.language)['decision_recorded']} {finding_id} {outcome.message}"
    return await review_page(request, visit, 200, notice=notice)
