"""DEMO accounts for `ecocluster demo`: one per desk, on the bundled sample, marked demo.

Never for production: the password is printed and the same for all. The TOTP secrets of the
verifier, the competent body and the admin are printed too, so the second factor can be tried with
any authenticator app.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ecocluster.portal._accounts import add_user

DEMO_PASSWORD = "demo-password-DEMO"
_ACCOUNTS = (  # email, role, scope, language — ids of the bundled sample
    ("member.it@demo.example", "member", "IT-CL-CERRETO-H01", "it"),
    ("member.lv@demo.example", "member", "LV-DGV-01", "lv"),
    ("coordinator@demo.example", "coordinator", "IT-CERRETO", "en"),
    (
        "verifier@demo.example",
        "verifier",
        "DEMO-V-0001",
        "en",
    ),  # the demo's verifier (ecocluster.signing.demo_verifier)
    ("competent-body.it@demo.example", "competent-body", "IT", "it"),
    ("admin@demo.example", "admin", "*", "en"),
)
DEMO_VERIFIER_CLUSTERS = ("IT-CERRETO",)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    scope: str
    totp_secret: str | None


def add_demo_accounts(con: sqlite3.Connection) -> list[DemoAccount]:
    """Create the DEMO accounts that do not exist yet; returns those it created."""
    made = []
    for email, role, scope, language in _ACCOUNTS:
        if con.execute("SELECT 1 FROM account WHERE email = ?", [email]).fetchone() is None:
            secret = add_user(
                con,
                email,
                role,
                scope,
                password=DEMO_PASSWORD,
                language=language,
                demo=True,
                clusters=DEMO_VERIFIER_CLUSTERS if role == "verifier" else (),
            )
            made.append(DemoAccount(email, role, scope, secret))
    return made
