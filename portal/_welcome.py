"""The first-login page behind a one-time link: set a password (and enrol the second factor), once."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ecocluster.core.errors import ConfigurationError
from ecocluster.portal import _accounts, _sessions
from ecocluster.portal._authz import Action
from ecocluster.portal._i18n import words
from ecocluster.portal._invites import InviteRefused, open_invite, redeem_invite
from ecocluster.portal._web import Visit, check_csrf, record, render, set_session_cookie


def _refused(request: Request, visit: Visit) -> Response:
    return render(request, visit, "message.html", 410, message=words(visit.language)["invite_refused"])


async def welcome_page(request: Request, visit: Visit) -> Response:
    token = request.path_params["token"]
    try:
        invitation = await run_in_threadpool(open_invite, visit.db, token)
    except InviteRefused:
        return _refused(request, visit)
    if request.method == "GET":
        session = visit.session if visit.session else await run_in_threadpool(_sessions.start, visit.db, None)
        shown = Visit(
            visit.db, session, visit.account, request.query_params.get("lang") or invitation.language
        )
        response = render(request, shown, "welcome.html", invitation=invitation)
        set_session_cookie(request, response, session)
        return response
    form = await check_csrf(request, visit)
    password, again = str(form.get("password", ""))[:1024], str(form.get("password2", ""))[:1024]
    t = words(visit.language)
    error = t["passwords_differ"] if password != again else None
    if error is None:
        try:
            account = await run_in_threadpool(
                redeem_invite, visit.db, token, password, str(form.get("code", ""))[:16]
            )
        except InviteRefused:
            return _refused(request, visit)
        except ConfigurationError:
            error = t["password_short"]
        except _accounts.LoginRefused:
            error = t["code_refused"]
    if error is not None:
        await run_in_threadpool(
            record, visit, Action.FIRST_LOGIN, invitation.email, "refused", f"invited:{invitation.email}"
        )
        return render(request, visit, "welcome.html", 422, invitation=invitation, error=error)
    session = await run_in_threadpool(_sessions.rotate, visit.db, visit.session, account.email)
    await run_in_threadpool(
        record,
        Visit(visit.db, session, account, visit.language),
        Action.FIRST_LOGIN,
        account.email,
        "password set, signed in",
    )
    response = RedirectResponse("/desk", status_code=303)
    set_session_cookie(request, response, session)
    return response
