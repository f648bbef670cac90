"""What every page shares: the request's visit (session, account, language), rendering, CSRF, audit.

Kept apart from the routes so each desk's module (``_app`` for the member desk and sign-in,
``_desks`` for coordinators, verifiers and competent bodies, ``_welcome`` for first-login links)
uses the same few helpers, and ``_app`` alone declares the routes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ecocluster.core.home import Home
from ecocluster.portal import _accounts, _sessions
from ecocluster.portal import _audit as audit_log
from ecocluster.portal._authz import Action, Principal, Target
from ecocluster.portal._i18n import LANGUAGE_NAMES, words
from ecocluster.portal._store import open_portal_db
from ecocluster.warehouse import Limits, connect
from ecocluster.warehouse.messages import LANGUAGES
from ecocluster.warehouse.reader import shared_reader

SESSION_COOKIE = "ecocluster_session"
LANG_COOKIE = "ecocluster_lang"


@dataclass(frozen=True)
class Settings:
    home: Home
    secure_cookies: bool  # True behind a TLS reverse proxy: cookies get Secure
    limits: Limits


@dataclass(frozen=True)
class Visit:
    """What every handler knows about the request: portal database, session, user, language."""

    db: sqlite3.Connection
    session: _sessions.Session | None
    account: _accounts.Account | None
    language: str
    # What the request acts on, as the matrix judged it: the audit entry's scope.
    target: Target = field(default_factory=Target)

    @property
    def user(self) -> Principal | None:
        return self.account.principal if self.account else None


class StaleForm(Exception):
    """A state-changing request without the session's CSRF token (or from another origin)."""


Handler = Callable[[Request, Visit], Awaitable[Response]]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def visit_of(request: Request) -> Visit:
    db = open_portal_db(settings_of(request).home, ensure_schema=False)
    session = _sessions.load(db, request.cookies.get(SESSION_COOKIE))
    account = _accounts.account(db, session.email) if session and session.email else None
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    language = chosen if chosen in LANGUAGES else (account.language if account else "en")
    return Visit(db, session, account, language)


@contextmanager
def warehouse(home: Home, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the process's shared read-only connection for one page's reads (given up as soon
    as any writer waits: ``ecocluster.warehouse.reader``), or a connection for one action's write,
    closed at once: the portal never holds the warehouse's single writer lock between requests."""
    if not write:
        with shared_reader(home.warehouse_path).cursor() as cur:
            yield cur
        return
    con = connect(home.warehouse_path)
    try:
        yield con
    finally:
        con.close()


_templates = Jinja2Templates(directory=str(resources.files("ecocluster.portal").joinpath("templates")))


def render(request: Request, visit: Visit, name: str, code: int = 200, **context: Any) -> Response:
    response = _templates.TemplateResponse(
        request,
        name,
        {
            "t": words(visit.language),
            "lang": visit.language,
            "languages": LANGUAGE_NAMES,
            "account": visit.account,
            "csrf": visit.session.csrf if visit.session else "",
            **context,
        },
        status_code=code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            visit.language,
            max_age=365 * 86400,
            httponly=True,
            samesite="strict",
            secure=settings_of(request).secure_cookies,
        )
    return response


def message(request: Request, visit: Visit, key: str, code: int) -> Response:
    """A page that only says one thing, in the visitor's language."""
    return render(request, visit, "message.html", code, message=words(visit.language)[key])


def set_session_cookie(request: Request, response: Response, session: _sessions.Session) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=_sessions.ABSOLUTE_S,
        httponly=True,
        samesite="strict",
        secure=settings_of(request).secure_cookies,
        path="/",
    )


async def check_csrf(request: Request, visit: Visit, *, max_files: int = 1) -> dict[str, Any]:
    """The parsed form of a state-changing request, after the CSRF and origin checks."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise StaleForm(origin)
    form = await request.form(max_files=max_files, max_fields=10)
    presented = request.headers.get("x-csrf-token") or form.get("csrf")
    if not _sessions.csrf_ok(visit.session, presented if isinstance(presented, str) else None):
        raise StaleForm("csrf")
    return dict(form)


def record(visit: Visit, action: Action, obj: str, outcome: str, who: str | None = None) -> None:
    """One audit entry for a state-changing request, whatever its outcome."""
    audit_log.record(
        visit.db,
        who=who or (visit.account.email if visit.account else "anonymous"),
        role=visit.account.role.value if visit.account else "-",
        action=action.value,
        obj=obj,
        outcome=outcome,
        cluster_id=visit.target.cluster_id,
        country=visit.target.country,
    )


def page_number(request: Request) -> int:
    """The ``page`` query parameter, 0 when absent or not a small number."""
    raw = request.query_params.get("page", "0")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 0
