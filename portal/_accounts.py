"""Accounts: argon2id passwords, TOTP second factor, disabling, and login throttling.

A login is refused with one message whatever failed (unknown account, wrong password, wrong
code, disabled), so the form does not tell an attacker which accounts exist; failures are
counted per account and per address and a burst locks both out for a while.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ecocluster.core.errors import ConfigurationError, EcoclusterError
from ecocluster.portal._authz import SECOND_FACTOR, Principal, Role
from ecocluster.warehouse.messages import LANGUAGES

_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory parameters
_DUMMY_HASH = _HASHER.hash("not a password anyone has")  # unknown accounts cost the same time
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")
MIN_PASSWORD = 12
THROTTLE_WINDOW_S = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginRefused(EcoclusterError):
    """A login did not succeed; ``throttled`` when the account or address is locked out for now."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


@dataclass(frozen=True)
class Account:
    email: str
    role: Role
    scope: str
    language: str
    needs_second_factor: bool
    clusters: tuple[str, ...] = ()  # a verifier's assigned clusters

    @property
    def principal(self) -> Principal:
        return Principal(self.email, self.role, self.scope, frozenset(self.clusters))


def _valid_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ConfigurationError(f"{email!r} is not an e-mail address (expected name@domain)")
    return email


def _valid_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ConfigurationError(f"the password has {len(password)} characters; use at least {MIN_PASSWORD}")
    return password


def add_user(
    con: sqlite3.Connection,
    email: str,
    role: str,
    scope: str,
    *,
    password: str | None = None,
    language: str = "en",
    demo: bool = False,
    clusters: Sequence[str] = (),
) -> str | None:
    """Create the account; returns the TOTP secret to enrol in an authenticator app for roles
    that need a second factor (None otherwise). An existing address is refused. ``clusters`` are
    the clusters a verifier reviews (their queue and what they may open); only verifiers have them."""
    email = _valid_email(email)
    try:
        chosen = Role(role)
    except ValueError as e:
        raise ConfigurationError(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from e
    if not scope.strip():
        raise ConfigurationError(
            "--scope is required: member id, cluster id, accreditation number or country"
        )
    if language not in LANGUAGES:
        raise ConfigurationError(f"no portal pages in {language!r}; choose one of {', '.join(LANGUAGES)}")
    assigned = sorted({c.strip() for c in clusters if c.strip()})
    if assigned and chosen is not Role.VERIFIER:
        raise ConfigurationError(
            "--cluster assigns clusters to a verifier; a coordinator's cluster is its --scope"
        )
    secret = pyotp.random_base32() if chosen in SECOND_FACTOR else None
    digest = password_hash(password) if password is not None else None
    try:
        with con:
            con.execute(
                "INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                [
                    email,
                    chosen.value,
                    scope.strip(),
                    digest,
                    secret,
                    language,
                    int(demo),
                    dt.datetime.now(dt.UTC).isoformat(),
                ],
            )
            con.executemany("INSERT INTO assignment VALUES (?, ?)", [(email, c) for c in assigned])
    except sqlite3.IntegrityError as e:
        raise ConfigurationError(
            f"an account {email} exists already; `ecocluster user disable` it first"
        ) from e
    return secret


def password_hash(password: str) -> str:
    """The argon2id hash of an acceptable password; :class:`ConfigurationError` for a short one."""
    return _HASHER.hash(_valid_password(password))


def set_password(con: sqlite3.Connection, email: str, password: str) -> None:
    with con:
        changed = con.execute(
            "UPDATE account SET password_hash = ? WHERE email = ?",
            [password_hash(password), _valid_email(email)],
        ).rowcount
    if not changed:
        raise ConfigurationError(f"no account {email}; add it with `ecocluster user add`")


def disable_user(con: sqlite3.Connection, email: str) -> None:
    """Disable the account and end its sessions at once."""
    email = _valid_email(email)
    with con:
        changed = con.execute("UPDATE account SET disabled = 1 WHERE email = ?", [email]).rowcount
        con.execute("DELETE FROM session WHERE email = ?", [email])
    if not changed:
        raise ConfigurationError(f"no account {email}")


def account(con: sqlite3.Connection, email: str) -> Account | None:
    """The enabled account, None when absent or disabled."""
    row = con.execute(
        "SELECT email, role, scope, language, totp_secret IS NOT NULL FROM account "
        "WHERE email = ? AND disabled = 0",
        [email],
    ).fetchone()
    if row is None:
        return None
    clusters = tuple(
        r[0] for r in con.execute("SELECT cluster_id FROM assignment WHERE email = ? ORDER BY 1", [email])
    )
    return Account(row[0], Role(row[1]), row[2], row[3], bool(row[4]), clusters)


def _failures(con: sqlite3.Connection, key: str, now: float) -> int:
    row = con.execute(
        "SELECT count(*) FROM login_failure WHERE key = ? AND at > ?", [key, now - THROTTLE_WINDOW_S]
    ).fetchone()
    return int(row[0])


def authenticate(
    con: sqlite3.Connection, email: str, password: str, code: str, address: str, now: float | None = None
) -> Account:
    """The account when password (and code, where required) match; raises :class:`LoginRefused`."""
    now = time.time() if now is None else now
    email = email.strip().lower()[:256]
    keys = (f"account:{email}", f"address:{address}")
    if (
        _failures(con, keys[0], now) >= MAX_FAILURES_PER_ACCOUNT
        or _failures(con, keys[1], now) >= MAX_FAILURES_PER_ADDRESS
    ):
        raise LoginRefused("too many failed sign-ins; wait 15 minutes", throttled=True)
    row = con.execute(
        "SELECT password_hash, totp_secret FROM account WHERE email = ? AND disabled = 0", [email]
    ).fetchone()
    ok = False
    try:
        ok = _HASHER.verify(row[0] if row and row[0] else _DUMMY_HASH, password) and bool(row and row[0])
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and row and row[1]:
        ok = pyotp.TOTP(row[1]).verify(code.strip(), for_time=int(now), valid_window=1)
    found = account(con, email) if ok else None
    if found is None:
        with con:
            con.executemany("INSERT INTO login_failure VALUES (?, ?)", [(k, now) for k in keys])
        raise LoginRefused("e-mail, password or code not accepted")
    with con:
        con.execute("DELETE FROM login_failure WHERE key = ?", [keys[0]])
    return found
