"""The portal's routes: each parses its input, asks the matrix, calls one package function, renders.

Starlette (with uvicorn) because the pages need routing, forms, cookies and templates and nothing
more: no ORM, no validation layer, no dependency injection to learn. Every route is declared in
:data:`ROUTES` with the action it performs, so the authorisation test can walk all of them.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ecocluster import statements
from ecocluster.checks import member_findings
from ecocluster.core.errors import UnknownId
from ecocluster.core.home import Home
from ecocluster.portal import _accounts, _actions, _answers, _desks, _sessions, _signed_decisions, _welcome
from ecocluster.portal import _audit as audit_log
from ecocluster.portal._authz import PUBLIC, Action, Forbidden, Role, Target, authorise
from ecocluster.portal._i18n import words
from ecocluster.portal._store import open_portal_db
from ecocluster.portal._web import (
    SESSION_COOKIE,
    Handler,
    Settings,
    StaleForm,
    Visit,
    check_csrf,
    message,
    page_number,
    render,
    set_session_cookie,
    settings_of,
    visit_of,
    warehouse,
)
from ecocluster.portal._web import record as _record
from ecocluster.warehouse import Limits, connect, ingest_paths
from ecocluster.warehouse.desk import country_clusters, member_card, member_sections, registered_organisations
from ecocluster.warehouse.messages import reason_in

UPLOAD_SUFFIXES = (".xlsx", ".csv", ".json")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_MEMBER_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}


def _guarded(
    action: Action, handler: Handler, target: Callable[[Request], Target] | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint: visit, CSRF on POST, the matrix's decision, then the handler; errors become pages."""

    async def endpoint(request: Request) -> Response:
        visit = await run_in_threadpool(visit_of, request)
        try:
            chosen = await run_in_threadpool(target, request) if target else Target()
            if visit.account is None and action not in PUBLIC:
                return RedirectResponse("/login", status_code=303)
            visit = replace(visit, target=chosen)
            authorise(visit.user, action, chosen)
            return await handler(request, visit)
        except Forbidden as e:
            if request.method == "POST":
                await run_in_threadpool(_record, visit, action, request.url.path, f"refused: {e}")
            return message(request, visit, "forbidden", 403)
        except StaleForm:
            return message(request, visit, "expired", 403)
        except UnknownId:  # an id no row has (the matrix let an admin ask): there is no such page
            return message(request, visit, "not_found", 404)
        finally:
            await request.close()  # the uploaded files' spooled temporaries
            visit.db.close()

    return endpoint


def _member_target(request: Request) -> Target:
    member_id = request.path_params["member_id"]
    if not _MEMBER_ID.match(member_id):
        return Target(member_id="?")
    with warehouse(settings_of(request).home) as con:
        card = member_card(con, member_id)
    return Target(member_id=member_id, cluster_id=card.cluster_id if card else None)


# ---- handlers ---------------------------------------------------------------------------------


async def home_page(request: Request, visit: Visit) -> Response:
    return RedirectResponse("/desk" if visit.account else "/register", status_code=303)


async def register_page(request: Request, visit: Visit) -> Response:
    page = page_number(request)

    def read() -> list[Any]:
        with warehouse(settings_of(request).home) as con:
            return registered_organisations(con, page)

    rows = await run_in_threadpool(read)
    return render(request, visit, "register.html", organisations=rows, page=page, more=len(rows) == 50)


async def login_page(request: Request, visit: Visit) -> Response:
    if request.method == "GET":
        session = visit.session if visit.session else await run_in_threadpool(_sessions.start, visit.db, None)
        response = render(request, Visit(visit.db, session, visit.account, visit.language), "login.html")
        set_session_cookie(request, response, session)
        return response
    form = await check_csrf(request, visit)
    email = str(form.get("email", ""))[:256]
    try:
        account = await run_in_threadpool(
            _accounts.authenticate,
            visit.db,
            email,
            str(form.get("password", ""))[:1024],
            str(form.get("code", ""))[:16],
            request.client.host if request.client else "unknown",
        )
    except _accounts.LoginRefused as e:
        await run_in_threadpool(
            _record,
            visit,
            Action.SIGN_IN,
            email,
            "throttled" if e.throttled else "refused",
            f"claimed:{email}",
        )
        key = "throttled" if e.throttled else "login_failed"
        return render(
            request,
            visit,
            "login.html",
            429 if e.throttled else 401,
            error=words(visit.language)[key],
            email=email,
        )
    session = await run_in_threadpool(_sessions.rotate, visit.db, visit.session, account.email)
    await run_in_threadpool(
        _record, Visit(visit.db, session, account, visit.language), Action.SIGN_IN, account.email, "signed in"
    )
    response = RedirectResponse("/desk", status_code=303)
    set_session_cookie(request, response, session)
    return response


async def logout(request: Request, visit: Visit) -> Response:
    await check_csrf(request, visit)
    if visit.session:
        await run_in_threadpool(_record, visit, Action.SIGN_OUT, visit.session.email or "-", "signed out")
        await run_in_threadpool(_sessions.end, visit.db, visit.session.token)
    response = RedirectResponse("/register", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def desk_page(request: Request, visit: Visit) -> Response:
    assert visit.account is not None  # the guard redirected anonymous visitors
    desk = {
        Role.MEMBER: f"/member/{visit.account.scope}",
        Role.COORDINATOR: f"/cluster/{visit.account.scope}",
        Role.VERIFIER: "/verifier",
        Role.COMPETENT_BODY: f"/body/{visit.account.scope}",
    }.get(visit.account.role)
    if desk is not None:
        return RedirectResponse(desk, status_code=303)
    return render(request, visit, "desk.html")


def _member_view(home: Home, member_id: str) -> dict[str, Any] | None:
    with warehouse(home) as con:
        card = member_card(con, member_id)
        if card is None:
            return None
        return {
            "card": card,
            "sections": member_sections(con, member_id),
            "findings": member_findings(con, member_id),
            "statements": statements.member_statements(con, member_id),
        }


async def member_page(request: Request, visit: Visit) -> Response:
    view = await run_in_threadpool(_member_view, settings_of(request).home, request.path_params["member_id"])
    if view is None:
        return render(request, visit, "message.html", 404, message=words(visit.language)["not_found"])
    return render(request, visit, "member.html", **view)


async def member_template(request: Request, visit: Visit) -> Response:
    from ecocluster.warehouse.template import write_template

    member_id = request.path_params["member_id"]
    folder = Path(tempfile.mkdtemp(prefix="ecocluster-portal-"))
    path = await run_in_threadpool(write_template, folder / "template.xlsx", visit.language, member_id)
    return FileResponse(
        path,
        filename=f"ecocluster-{member_id}-{visit.language}.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def safe_upload_name(name: str | None) -> str | None:
    """The uploaded file's base name reduced to safe characters, or None when its type is not accepted."""
    base = _SAFE_NAME.sub("_", Path((name or "").replace("\\", "/")).name).strip("._")[:100]
    return base if base.lower().endswith(UPLOAD_SUFFIXES) else None


def _ingest_upload(settings: Settings, member_id: str, name: str, data: bytes, language: str) -> Any:
    from ecocluster.core.store import open_store

    with tempfile.TemporaryDirectory(prefix="ecocluster-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        con = connect(settings.home.warehouse_path)
        try:
            report = ingest_paths(
                con,
                open_store(settings.home),
                [path],
                limits=settings.limits,
                language=language,
                member=member_id,
            )
        finally:
            con.close()
    return report.outcomes[0] if report.outcomes else None


async def member_upload(request: Request, visit: Visit) -> Response:
    settings = settings_of(request)
    member_id = request.path_params["member_id"]
    t = words(visit.language)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.limits.max_file_bytes + 64 * 1024:
        return await _upload_result(request, visit, 413, message=t["too_large"])
    form = await check_csrf(request, visit)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _upload_result(request, visit, 400, message=t["no_file"])
    name = safe_upload_name(upload.filename)
    data = await upload.read(settings.limits.max_file_bytes + 1)
    if name is None or len(data) > settings.limits.max_file_bytes:
        message = t["too_large"] if name else t["upload_help"]
        await run_in_threadpool(_record, visit, Action.MEMBER_UPLOAD, f"{member_id}/{name or '?'}", "refused")
        return await _upload_result(request, visit, 400, message=message)
    outcome = await run_in_threadpool(_ingest_upload, settings, member_id, name, data, visit.language)
    status = outcome.status if outcome else "rejected"
    await run_in_threadpool(_record, visit, Action.MEMBER_UPLOAD, f"{member_id}/{name}", status)
    errors = [
        {
            "part": e.part,
            "row": e.row,
            "column": e.column,
            "value": e.value,
            "reason": reason_in(e, visit.language),
        }
        for e in (outcome.errors if outcome else ())
    ]
    return await _upload_result(
        request, visit, 200 if status != "rejected" else 422, status=status, errors=errors
    )


async def _upload_result(request: Request, visit: Visit, code: int, **context: Any) -> Response:
    """The result fragment for htmx, or the whole member page for a plain form post."""
    if request.headers.get("hx-request") == "true":
        return render(request, visit, "_upload_result.html", 200, **context)
    view = await run_in_threadpool(_member_view, settings_of(request).home, request.path_params["member_id"])
    return render(request, visit, "member.html", code, result=context, **(view or {}))


AUDIT_PAGE = 50


def _country_clusters(home: Home, country: str) -> list[str]:
    with warehouse(home) as con:
        return country_clusters(con, country)


async def audit_page(request: Request, visit: Visit) -> Response:
    """The audit log, newest first, one database page: all of it (admin), one cluster's entries
    (its coordinator) or one country's (its competent body); the matrix chose who sees which."""
    page, params = page_number(request), request.path_params
    scope: dict[str, Any] = {}
    if "cluster_id" in params:
        scope = {"cluster_id": params["cluster_id"]}
    elif "country" in params:
        country = params["country"]
        clusters = await run_in_threadpool(_country_clusters, settings_of(request).home, country)
        scope = {"country": country, "clusters": clusters}
    found = await run_in_threadpool(audit_log.entries, visit.db, AUDIT_PAGE, page * AUDIT_PAGE, **scope)
    return render(
        request,
        visit,
        "audit.html",
        entries=found,
        page=page,
        more=len(found) == AUDIT_PAGE,
        scope=params.get("cluster_id") or params.get("country"),
    )


@dataclass(frozen=True)
class PortalRoute:
    path: str
    methods: tuple[str, ...]
    action: Action
    handler: Handler
    target: Callable[[Request], Target] | None = None


ROUTES: tuple[PortalRoute, ...] = (
    PortalRoute("/", ("GET",), Action.PUBLIC_REGISTER, home_page),
    PortalRoute("/register", ("GET",), Action.PUBLIC_REGISTER, register_page),
    PortalRoute("/login", ("GET", "POST"), Action.SIGN_IN, login_page),
    PortalRoute("/logout", ("POST",), Action.SIGN_OUT, logout),
    PortalRoute("/desk", ("GET",), Action.DESK, desk_page),
    PortalRoute("/member/{member_id}", ("GET",), Action.MEMBER_VIEW, member_page, _member_target),
    PortalRoute(
        "/member/{member_id}/template.xlsx", ("GET",), Action.MEMBER_TEMPLATE, member_template, _member_target
    ),
    PortalRoute("/member/{member_id}/upload", ("POST",), Action.MEMBER_UPLOAD, member_upload, _member_target),
    PortalRoute("/audit", ("GET",), Action.AUDIT_VIEW, audit_page),
    PortalRoute("/welcome/{token}", ("GET", "POST"), Action.FIRST_LOGIN, _welcome.welcome_page),
    PortalRoute(
        "/cluster/{cluster_id}", ("GET",), Action.CLUSTER_VIEW, _desks.cluster_page, _desks.cluster_target
    ),
    PortalRoute(
        "/cluster/{cluster_id}/runs",
        ("GET",),
        Action.CLUSTER_VIEW,
        _desks.cluster_runs,
        _desks.cluster_target,
    ),
    PortalRoute(
        "/statement/{statement_id}/{kind}",
        ("GET",),
        Action.STATEMENT_FILE,
        _desks.statement_file,
        _desks.statement_target,
    ),
    PortalRoute("/verifier", ("GET",), Action.VERIFIER_QUEUE, _desks.verifier_queue),
    PortalRoute(
        "/review/{statement_id}", ("GET",), Action.REVIEW_VIEW, _desks.review_page, _desks.statement_target
    ),
    PortalRoute(
        "/review/{statement_id}/request.zip",
        ("GET",),
        Action.REVIEW_REQUEST,
        _desks.review_request,
        _desks.statement_target,
    ),
    PortalRoute(
        "/review/{statement_id}/findings",
        ("POST",),
        Action.FINDING_RAISE,
        _desks.raise_finding,
        _desks.statement_target,
    ),
    PortalRoute(  # before the {move} route below, which would take "decision" for a move
        "/review/{statement_id}/findings/{finding_id}/decision",
        ("POST",),
        Action.FINDING_DECIDE,
        _signed_decisions.upload_signed_decision,
        _desks.statement_target,
    ),
    PortalRoute(
        "/review/{statement_id}/findings/{finding_id}/{move}",
        ("POST",),
        Action.FINDING_DECIDE,
        _desks.decide_finding,
        _desks.statement_target,
    ),
    PortalRoute(
        "/review/{statement_id}/decision",
        ("POST",),
        Action.DECISION_UPLOAD,
        _desks.decision_upload,
        _desks.statement_target,
    ),
    PortalRoute("/body/{country}", ("GET",), Action.BODY_INTAKES, _desks.body_page, _desks.country_target),
    PortalRoute(
        "/cluster/{cluster_id}/audit", ("GET",), Action.AUDIT_VIEW, audit_page, _desks.cluster_target
    ),
    PortalRoute("/body/{country}/audit", ("GET",), Action.AUDIT_VIEW, audit_page, _desks.country_target),
    PortalRoute(
        "/member/{member_id}/answers",
        ("GET",),
        Action.FINDING_ANSWERS,
        _answers.member_answers,
        _member_target,
    ),
    PortalRoute(
        "/cluster/{cluster_id}/answers",
        ("GET",),
        Action.FINDING_ANSWERS,
        _answers.cluster_answers,
        _desks.cluster_target,
    ),
    PortalRoute(
        "/finding/{finding_id}/answer",
        ("POST",),
        Action.FINDING_ANSWER,
        _answers.answer,
        _answers.finding_target,
    ),
    PortalRoute(
        "/member/{member_id}/rerun/{stage}",
        ("POST",),
        Action.STAGE_RERUN,
        _actions.rerun_stage,
        _member_target,
    ),
    PortalRoute(
        "/member/{member_id}/send",
        ("POST",),
        Action.VERIFICATION_SEND,
        _actions.send_to_verification,
        _member_target,
    ),
    PortalRoute(
        "/body/{country}/receipt/{package_sha256}",
        ("GET",),
        Action.BODY_RECEIPT,
        _desks.body_receipt,
        _desks.country_target,
    ),
)


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every response (static files too)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode().lower() not in SECURITY_HEADERS
                ]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def create_app(home: Home, *, secure_cookies: bool = False) -> Starlette:
    """The portal over ``home``; ``secure_cookies`` when a TLS reverse proxy terminates HTTPS in front."""
    open_portal_db(home).close()  # schema once, here
    routes: list[Route | Mount] = [
        Route(r.path, _guarded(r.action, r.handler, r.target), methods=list(r.methods)) for r in ROUTES
    ]
    routes.append(
        Mount(
            "/static",
            StaticFiles(directory=str(resources.files("ecocluster.portal").joinpath("static"))),
            name="static",
        )
    )
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.settings = Settings(home, secure_cookies, Limits.from_config(home.config().ingest))
    return app


HOME_ENV, BEHIND_TLS_ENV = "ECOCLUSTER_HOME", "ECOCLUSTER_PORTAL_BEHIND_TLS"


def app_from_environment() -> Starlette:
    """The app for each of uvicorn's worker processes (``ecocluster portal --workers N``): a worker
    imports it by name, so the home and the TLS choice travel in the environment."""
    import os

    return create_app(
        Home.resolve(Path(os.environ[HOME_ENV])), secure_cookies=os.environ.get(BEHIND_TLS_ENV) == "1"
    )
