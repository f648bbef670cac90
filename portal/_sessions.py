"""Server-side sessions: the cookie holds a random token, the portal database only its digest.

A session ends after ``IDLE_S`` without a request or ``ABSOLUTE_S`` after it began, whichever
comes first. Signing in replaces the anonymous session with a new token (no fixation), and each
session has its own CSRF token, which every state-changing request must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass

IDLE_S = 30 * 60
ABSOLUTE_S = 12 * 60 * 60
# The idle clock is written at most this often: a write (a WAL commit, serialised between requests)
# on every page read cost more than the page's queries; a session may so end up to a minute early.
TOUCH_S = 60


@dataclass(frozen=True)
class Session:
    token: str
    email: str | None  # None: not signed in yet
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(con: sqlite3.Connection, email: str | None, now: float | None = None) -> Session:
    now = time.time() if now is None else now
    session = Session(secrets.token_urlsafe(32), email, secrets.token_urlsafe(32))
    with con:
        con.execute(
            "INSERT INTO session VALUES (?, ?, ?, ?, ?)",
            [_digest(session.token), email, session.csrf, now, now],
        )
    return session


def load(con: sqlite3.Connection, token: str | None, now: float | None = None) -> Session | None:
    """The live session for ``token``, its idle clock reset; None when absent or expired."""
    if not token or len(token) > 128:
        return None
    now = time.time() if now is None else now
    key = _digest(token)
    row = con.execute(
        "SELECT email, csrf, created_at, last_seen FROM session WHERE token_sha256 = ?", [key]
    ).fetchone()
    if row is None:
        return None
    if now - row[3] > IDLE_S or now - row[2] > ABSOLUTE_S:
        end(con, token)
        return None
    if now - row[3] >= TOUCH_S:
        with con:
            con.execute("UPDATE session SET last_seen = ? WHERE token_sha256 = ?", [now, key])
    return Session(token, row[0], row[1])


def rotate(con: sqlite3.Connection, old: Session | None, email: str, now: float | None = None) -> Session:
    """A fresh session for the signed-in user; the old token stops working."""
    if old is not None:
        end(con, old.token)
    return start(con, email, now)


def end(con: sqlite3.Connection, token: str) -> None:
    with con:
        con.execute("DELETE FROM session WHERE token_sha256 = ?", [_digest(token)])


def csrf_ok(session: Session | None, presented: str | None) -> bool:
    return session is not None and presented is not None and hmac.compare_digest(session.csrf, presented)
