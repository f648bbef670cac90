"""Accounts, sessions, throttling and the second factor, through the real app and portal database."""

from __future__ import annotations

import time

import pyotp
import pytest

from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.portal import _sessions, add_user, authenticate, disable_user, open_portal_db
from ecocluster.portal._accounts import MAX_FAILURES_PER_ACCOUNT, LoginRefused
from tests.portal.conftest import ACCOUNTS, PASSWORD, PortalHome, csrf_of


def test_passwords_are_argon2id_and_never_stored_in_clear(portal_home: PortalHome) -> None:
    db = open_portal_db(portal_home.home)
    stored = db.execute("SELECT password_hash FROM account WHERE role = 'member'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PASSWORD.encode() not in portal_home.home.root.joinpath("portal.sqlite3").read_bytes()


def test_second_factor_is_required_for_admin_and_not_for_members(portal_home: PortalHome) -> None:
    assert portal_home.secrets["member"] is None and portal_home.secrets["coordinator"] is None
    assert all(portal_home.secrets[r] for r in ("verifier", "competent-body", "admin"))
    db = open_portal_db(portal_home.home)
    email = ACCOUNTS["admin"][0]
    with pytest.raises(LoginRefused):
        authenticate(db, email, PASSWORD, "", "10.0.0.1")
    with pytest.raises(LoginRefused):
        authenticate(
            db,
            email,
            PASSWORD,
            "000000" if pyotp.TOTP(portal_home.secrets["admin"] or "").now() != "000000" else "111111",
            "10.0.0.1",
        )
    assert (
        authenticate(
            db, email, PASSWORD, pyotp.TOTP(portal_home.secrets["admin"] or "").now(), "10.0.0.1"
        ).role.value
        == "admin"
    )


def test_login_is_throttled_per_account_then_per_address(portal_home: PortalHome) -> None:
    db = open_portal_db(portal_home.home)
    email = ACCOUNTS["member"][0]
    now = time.time()
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(LoginRefused) as refused:
            authenticate(db, email, "wrong password!", "", "10.0.0.2", now=now)
        assert not refused.value.throttled
    with pytest.raises(LoginRefused) as refused:  # even the right password is refused while locked out
        authenticate(db, email, PASSWORD, "", "10.0.0.3", now=now)
    assert refused.value.throttled
    assert authenticate(db, email, PASSWORD, "", "10.0.0.3", now=now + 16 * 60).email == email
    for i in range(20):  # one address trying many accounts
        with pytest.raises(LoginRefused):
            authenticate(db, f"nobody{i}@x.example", "guess guess guess", "", "10.9.9.9", now=now)
    with pytest.raises(LoginRefused) as refused:
        authenticate(db, ACCOUNTS["coordinator"][0], PASSWORD, "", "10.9.9.9", now=now)
    assert refused.value.throttled


def test_disabled_account_cannot_sign_in_and_loses_its_sessions(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        portal_home.sign_in(client, "member")
        assert client.get("/desk", follow_redirects=False).status_code == 303
        disable_user(open_portal_db(portal_home.home), ACCOUNTS["member"][0])
        assert client.get("/desk", follow_redirects=False).headers["location"] == "/login"
    with pytest.raises(LoginRefused):
        authenticate(open_portal_db(portal_home.home), ACCOUNTS["member"][0], PASSWORD, "", "10.0.0.4")


def test_add_user_refuses_bad_input(portal_home: PortalHome) -> None:
    db = open_portal_db(portal_home.home)
    with pytest.raises(ConfigurationError, match="unknown role"):
        add_user(db, "x@y.example", "superuser", "IT")
    with pytest.raises(ConfigurationError, match="at least 12"):
        add_user(db, "x@y.example", "member", "IT-H01", password="short")
    with pytest.raises(ConfigurationError, match="exists already"):
        add_user(db, ACCOUNTS["member"][0], "member", "IT-H01")


def test_session_cookie_flags_rotation_and_secure_behind_tls(portal_home: PortalHome) -> None:
    with portal_home.client(secure=True) as client:
        first = client.get("/login")
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
        before = client.cookies.get("ecocluster_session")
        email, _ = ACCOUNTS["member"]
        signed = client.post(
            "/login",
            data={"csrf": csrf_of(first.text), "email": email, "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        after = signed.cookies.get("ecocluster_session")
        assert after and after != before  # rotated at sign-in: a planted token is worth nothing
        db = open_portal_db(portal_home.home)
        assert _sessions.load(db, before) is None and _sessions.load(db, after) is not None


def test_sessions_expire_when_idle_and_absolutely(portal_home: PortalHome) -> None:
    db = open_portal_db(portal_home.home)
    start = 1_000_000.0
    idle = _sessions.start(db, "a@b.example", now=start)
    assert _sessions.load(db, idle.token, now=start + _sessions.IDLE_S - 1) is not None
    assert _sessions.load(db, idle.token, now=start + 2 * _sessions.IDLE_S) is None
    busy = _sessions.start(db, "a@b.example", now=start)
    t = start
    while t < start + _sessions.ABSOLUTE_S - _sessions.IDLE_S:
        t += _sessions.IDLE_S - 60
        assert _sessions.load(db, busy.token, now=t) is not None
    assert _sessions.load(db, busy.token, now=start + _sessions.ABSOLUTE_S + 1) is None


def test_the_idle_clock_is_written_at_most_once_a_minute(portal_home: PortalHome) -> None:
    db = open_portal_db(portal_home.home)
    start = 1_000_000.0
    session = _sessions.start(db, "a@b.example", now=start)

    def seen() -> float:
        return float(db.execute("SELECT last_seen FROM session").fetchone()[0])

    for t in (1.0, 30.0, _sessions.TOUCH_S - 1):
        assert _sessions.load(db, session.token, now=start + t) is not None
    assert seen() == start  # page reads within a minute: no write
    assert _sessions.load(db, session.token, now=start + _sessions.TOUCH_S) is not None
    assert seen() == start + _sessions.TOUCH_S
    # idle counts from the last write: at most TOUCH_S early, never late
    assert _sessions.load(db, session.token, now=start + _sessions.TOUCH_S + _sessions.IDLE_S + 1) is None


def test_state_changing_requests_need_the_csrf_token(portal_home: PortalHome) -> None:
    with portal_home.client() as client:
        page = client.get("/login")
        email, _ = ACCOUNTS["member"]
        no_token = client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
        assert no_token.status_code == 403
        other_origin = client.post(
            "/login",
            data={"csrf": csrf_of(page.text), "email": email, "password": PASSWORD},
            headers={"origin": "https://evil.example"},
            follow_redirects=False,
        )
        assert other_origin.status_code == 403
        portal_home.sign_in(client, "member")
        assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
        assert client.get("/desk", follow_redirects=False).status_code == 303  # still signed in


def test_security_headers_on_pages_and_static_files(client) -> None:
    for path in ("/register", "/login", "/static/portal.css", "/static/htmx.min.js"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"


def test_demo_accounts_are_made_once_marked_demo_and_can_sign_in(home: Home, cheap_argon2: None) -> None:
    from ecocluster.portal import DEMO_PASSWORD, add_demo_accounts

    db = open_portal_db(home)
    made = add_demo_accounts(db)
    assert {d.role for d in made} == {"member", "coordinator", "verifier", "competent-body", "admin"}
    assert add_demo_accounts(db) == []
    verifier = next(d for d in made if d.role == "verifier")
    signed_in = authenticate(
        db, verifier.email, DEMO_PASSWORD, pyotp.TOTP(verifier.totp_secret or "").now(), "::1"
    )
    assert signed_in.clusters == ("IT-CERRETO",)  # the demo's cluster is in the DEMO verifier's queue
    assert db.execute("SELECT count(*) FROM account WHERE demo = 1").fetchone() == (len(made),)
    admin = next(d for d in made if d.role == "admin")
    assert (
        admin.totp_secret
        and authenticate(
            db, admin.email, DEMO_PASSWORD, pyotp.TOTP(admin.totp_secret).now(), "127.0.0.1"
        ).role.value
        == "admin"
    )
