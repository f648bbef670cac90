"""The portal's own state (accounts, verifiers' assigned clusters, first-login invites, sessions, login
failures, audit log, the Prefect flow runs its buttons started) in ``<home>/portal.sqlite3``.

Kept out of the DuckDB warehouse on purpose: DuckDB allows one writing process, and a portal
that wrote a session row on every request would hold that lock against the CLI and the flows.
SQLite in WAL mode lets the CLI (``user add``, ``audit verify``) and the portal share this file,
each transaction short. The warehouse is opened only for the moment a page reads or an upload
ingests, with the warehouse's configured lock wait.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ecocluster.core.home import Home

FILE_NAME = "portal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    email         TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    password_hash TEXT,                 -- argon2id; NULL until the user sets one
    totp_secret   TEXT,                 -- base32; set for roles that need a second factor
    language      TEXT NOT NULL DEFAULT 'en',
    disabled      INTEGER NOT NULL DEFAULT 0,
    demo          INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session (
    token_sha256  TEXT PRIMARY KEY,     -- the cookie holds the token, the file only its digest
    email         TEXT,                 -- NULL: the anonymous session that carries the login form's CSRF token
    csrf          TEXT NOT NULL,
    created_at    REAL NOT NULL,
    last_seen     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failure (
    key           TEXT NOT NULL,        -- 'account:<email>' or 'address:<ip>'
    at            REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failure_key ON login_failure (key, at);
CREATE TABLE IF NOT EXISTS audit (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    who           TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    object        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL,
    cluster_id    TEXT,                 -- the scope of the object acted on (coordinators read theirs)
    country       TEXT                  -- (competent bodies read their country's)
);
CREATE TABLE IF NOT EXISTS assignment (
    email         TEXT NOT NULL REFERENCES account (email),
    cluster_id    TEXT NOT NULL,        -- a cluster the verifier reviews (`ecocluster user add --cluster`)
    PRIMARY KEY (email, cluster_id)
);
CREATE TABLE IF NOT EXISTS invite (
    token_sha256  TEXT PRIMARY KEY,     -- the link holds the token, the file only its digest
    email         TEXT NOT NULL REFERENCES account (email),
    expires_at    REAL NOT NULL,
    used_at       REAL                  -- set once: a link works one time
);
CREATE TABLE IF NOT EXISTS flow_run (
    flow_run_id   TEXT PRIMARY KEY,     -- Prefect's id of a deployment run a coordinator's button started
    cluster_id    TEXT NOT NULL,        -- the cluster page that follows it
    member_id     TEXT NOT NULL,
    stage         TEXT NOT NULL,
    started_by    TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    state         TEXT NOT NULL,        -- Prefect's state type as last read; a final one is not read again
    state_name    TEXT NOT NULL,
    scheduled_at  TEXT,
    begun_at      TEXT,
    ended_at      TEXT
);
CREATE INDEX IF NOT EXISTS flow_run_cluster ON flow_run (cluster_id, started_at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""  # noqa: E501  # SQL: wrapping a line would change the query text


def portal_db_path(home: Home) -> Path:
    return home.root / FILE_NAME


def open_portal_db(home: Home, *, ensure_schema: bool = True) -> sqlite3.Connection:
    """A short-lived connection to the portal's state in autocommit mode (callers group writes
    with ``with con:``); the portal ensures the schema once at start, not per request."""
    con = sqlite3.connect(portal_db_path(home), timeout=10, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA busy_timeout=10000")
    if ensure_schema:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(_SCHEMA)
        _add_audit_scope(con)
    return con


def _add_audit_scope(con: sqlite3.Connection) -> None:
    """The audit scope columns on a portal file made before they existed (its entries keep no scope)."""
    have = {row[1] for row in con.execute("PRAGMA table_info(audit)")}
    for column in ("cluster_id", "country"):
        if column not in have:
            con.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT")
    con.execute("CREATE INDEX IF NOT EXISTS audit_cluster ON audit (cluster_id, seq)")
    con.execute("CREATE INDEX IF NOT EXISTS audit_country ON audit (country, seq)")
