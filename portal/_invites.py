"""One-time first-login links: ``ecocluster user add --invite`` prints one, the person sets their password.

The link carries a random token; the portal database keeps only its SHA-256, the account it is for,
when it expires and when it was used. Opening the page does not use it; setting the password does,
in one immediate transaction, so a second use (or a race of two) is refused. For the roles that
need a second factor the page shows the account's TOTP secret while the link is unused, and the
password is set only with a current code from the authenticator the person just enrolled.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

import pyotp

from ecocluster.core.errors import ConfigurationError, EcoclusterError
from ecocluster.portal import _accounts
from ecocluster.portal._authz import Role

INVITE_TTL_S = 72 * 60 * 60


class InviteRefused(EcoclusterError):
    """The first-login link is unknown, used already or expired: the admin makes a new one."""

    exit_code = 77  # EX_NOPERM


@dataclass(frozen=True)
class Invitation:
    """What the first-login page shows: whose account, and the TOTP secret to enrol where needed."""

    email: str
    role: Role
    language: str
    totp_secret: str | None

    @property
    def totp_uri(self) -> str | None:
        """The otpauth:// URI authenticator apps take (typed or pasted; no QR image is made)."""
        if self.totp_secret is None:
            return None
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.email, issuer_name="ecocluster")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(
    con: sqlite3.Connection, email: str, *, ttl_s: int = INVITE_TTL_S, now: float | None = None
) -> str:
    """A new single-use token for ``email``'s first login; earlier unused links of the account stop working.
    Refused for an account that has a password already (`ecocluster user password` changes that one)."""
    now = time.time() if now is None else now
    email = email.strip().lower()
    row = con.execute(
        "SELECT password_hash IS NOT NULL FROM account WHERE email = ? AND disabled = 0", [email]
    ).fetchone()
    if row is None:
        raise ConfigurationError(f"no enabled account {email}; add it with `ecocluster user add`")
    if row[0]:
        raise ConfigurationError(
            f"{email} has a password already; a first-login link is only for a new account"
        )
    token = secrets.token_urlsafe(32)
    with con:
        con.execute("UPDATE invite SET used_at = ? WHERE email = ? AND used_at IS NULL", [now, email])
        con.execute("INSERT INTO invite VALUES (?, ?, ?, NULL)", [_digest(token), email, now + ttl_s])
    return token


def _live(con: sqlite3.Connection, token: str, now: float) -> tuple[str, str, str, str | None]:
    """(email, role, language, totp secret) of a usable link, or :class:`InviteRefused`."""
    row = con.execute(
        "SELECT i.email, i.expires_at, i.used_at, a.role, a.language, a.totp_secret, a.disabled "
        "FROM invite i JOIN account a USING (email) WHERE i.token_sha256 = ?",
        [_digest(token[:128])],
    ).fetchone()
    if row is None or row[6]:
        raise InviteRefused("this first-login link is not known; ask your administrator for a new one")
    if row[2] is not None:
        raise InviteRefused("this first-login link was used already; sign in, or ask for a new link")
    if now > row[1]:
        raise InviteRefused("this first-login link has expired; ask your administrator for a new one")
    return row[0], row[3], row[4], row[5]


def open_invite(con: sqlite3.Connection, token: str, *, now: float | None = None) -> Invitation:
    """The invitation behind a usable link (the link stays usable)."""
    email, role, language, secret = _live(con, token, time.time() if now is None else now)
    return Invitation(email, Role(role), language, secret)


def redeem_invite(
    con: sqlite3.Connection, token: str, password: str, code: str = "", *, now: float | None = None
) -> _accounts.Account:
    """Set the password through the link and use it up; the TOTP code is checked first where the role
    needs one (:class:`ecocluster.portal.LoginRefused`, the link stays usable), a weak password is a
    :class:`ConfigurationError` (ditto)."""
    now = time.time() if now is None else now
    con.execute("BEGIN IMMEDIATE")
    try:
        email, _role, _language, secret = _live(con, token, now)
        if secret is not None and not pyotp.TOTP(secret).verify(
            code.strip(), for_time=int(now), valid_window=1
        ):
            raise _accounts.LoginRefused(
                "the authenticator code was not accepted; check the app's clock and enter the current code"
            )
        digest = _accounts.password_hash(password)
        con.execute("UPDATE account SET password_hash = ? WHERE email = ?", [digest, email])
        con.execute("UPDATE invite SET used_at = ? WHERE token_sha256 = ?", [now, _digest(token)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    found = _accounts.account(con, email)
    assert found is not None  # enabled: _live checked it inside the transaction
    return found
