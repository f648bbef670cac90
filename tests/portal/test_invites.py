"""One-time first-login links: printed by `ecocluster user add --invite`, used once, expiring.

The person sets their password on the page (and, for roles with a second factor, enrols the TOTP
secret the page shows and proves it with a code); a second use, an expired link and a link made
unusable by a newer one are refused; a wrong code or a weak password leaves the link usable.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from typer.testing import CliRunner

from ecocluster.core.errors import ConfigurationError
from ecocluster.flows.cli import app
from ecocluster.portal import (
    INVITE_TTL_S,
    InviteRefused,
    authenticate,
    create_app,
    create_invite,
    open_invite,
    open_portal_db,
)
from ecocluster.portal._audit import entries
from ecocluster.warehouse import Home, connect
from tests.portal.conftest import csrf_of

NEW_PASSWORD = "a password chosen by the person"


@pytest.fixture
def made(home: Home) -> Home:
    """A home with its (empty) warehouse made and closed: the portal opens it per request."""
    connect(home.warehouse_path).close()
    return home


def _invite(home: Home, *args: str) -> str:
    result = CliRunner().invoke(
        app,
        [
            "--home",
            str(home.root),
            "user",
            "add",
            *args,
            "--invite",
            "--portal-url",
            "https://portal.example/",
        ],
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"https://portal\.example/welcome/(\S+)", result.output.replace("\n", ""))
    assert found, result.output
    assert "TOTP" not in result.output  # the secret is shown on the page behind the link, not in the shell
    return found.group(1)


@pytest.mark.usefixtures("cheap_argon2")
def test_a_verifier_sets_password_and_second_factor_once_and_is_signed_in(made: Home) -> None:
    home = made
    from starlette.testclient import TestClient

    token = _invite(
        home, "V@Acc.example", "--role", "verifier", "--scope", "IT-V-0001", "--cluster", "IT-TEST"
    )
    with TestClient(create_app(home)) as client:
        page = client.get(f"/welcome/{token}")
        assert page.status_code == 200 and "v@acc.example" in page.text
        secret = re.search(r'<p class="mono secret">([A-Z2-7]+)</p>', page.text)
        assert secret, "the TOTP secret to enrol is shown"
        form = {"csrf": csrf_of(page.text), "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
        wrong = client.post(f"/welcome/{token}", data={**form, "code": "000000"})
        assert wrong.status_code == 422 and "code was not accepted" in wrong.text
        differ = client.post(
            f"/welcome/{token}", data={**form, "password2": "something else entirely", "code": ""}
        )
        assert differ.status_code == 422 and "differ" in differ.text
        no_csrf = client.post(
            f"/welcome/{token}", data={**form, "csrf": "", "code": pyotp.TOTP(secret[1]).now()}
        )
        assert no_csrf.status_code == 403
        done = client.post(
            f"/welcome/{token}", data={**form, "code": pyotp.TOTP(secret[1]).now()}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/desk"
        assert client.get("/desk").url.path == "/verifier"  # signed in, at their own desk
        assert client.get(f"/welcome/{token}").status_code == 410  # used once: refused after
        assert (
            client.post(f"/welcome/{token}", data={**form, "code": pyotp.TOTP(secret[1]).now()}).status_code
            == 410
        )
    db = open_portal_db(home)
    assert authenticate(db, "v@acc.example", NEW_PASSWORD, pyotp.TOTP(secret[1]).now(), "::1").clusters == (
        "IT-TEST",
    )
    assert [e.outcome for e in entries(db) if e.action == "session.first_login"] == [
        "password set, signed in",
        "refused",
        "refused",
    ]
    db.close()


@pytest.mark.usefixtures("cheap_argon2")
def test_links_expire_are_replaced_by_a_newer_one_and_never_reset_a_password(made: Home) -> None:
    home = made
    token = _invite(home, "m@h01.example", "--role", "member", "--scope", "IT-H01")
    db = open_portal_db(home)
    try:
        with pytest.raises(InviteRefused, match="expired"):
            open_invite(db, token, now=time.time() + INVITE_TTL_S + 1)
        newer = create_invite(db, "m@h01.example")
        with pytest.raises(InviteRefused, match="used already"):
            open_invite(db, token)  # the older link stopped working when a newer one was made
        assert open_invite(db, newer).totp_secret is None  # a member has no second factor
        with pytest.raises(InviteRefused, match="not known"):
            open_invite(db, newer[:-1] + ("A" if newer[-1] != "A" else "B"))
    finally:
        db.close()
    refused = CliRunner().invoke(
        app,
        [
            "--home",
            str(home.root),
            "user",
            "add",
            "p@x.example",
            "--role",
            "member",
            "--scope",
            "IT-H01",
            "--password-stdin",
            "--invite",
        ],
        input=NEW_PASSWORD + "\n",
    )
    assert refused.exit_code != 0
    CliRunner().invoke(
        app,
        [
            "--home",
            str(home.root),
            "user",
            "add",
            "q@x.example",
            "--role",
            "member",
            "--scope",
            "IT-H01",
            "--password-stdin",
        ],
        input=NEW_PASSWORD + "\n",
    )
    db = open_portal_db(home)
    with pytest.raises(ConfigurationError, match="has a password already"):
        create_invite(db, "q@x.example")
    db.close()


@pytest.mark.usefixtures("cheap_argon2")
def test_a_short_password_keeps_the_link_usable(made: Home) -> None:
    home = made
    from starlette.testclient import TestClient

    token = _invite(home, "m2@h01.example", "--role", "member", "--scope", "IT-H01", "--lang", "it")
    with TestClient(create_app(home)) as client:
        page = client.get(f"/welcome/{token}")
        assert 'lang="it"' in page.text  # the person's own language
        short = client.post(
            f"/welcome/{token}", data={"csrf": csrf_of(page.text), "password": "short", "password2": "short"}
        )
        assert short.status_code == 422 and "12" in short.text
        assert client.get(f"/welcome/{token}").status_code == 200
