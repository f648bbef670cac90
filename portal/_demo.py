"""DEMO accounts for `ecocluster demo`: one per desk that exists, on the bundled sample, marked demo.

Never for production: the password is printed and the same for all. The admin's TOTP secret is
printed too, so the second factor can be tried with any authenticator app.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from portal._accounts import add_user

DEMO_PASSWORD = "demo-password-DEMO"
_ACCOUNTS = (  # email, role, scope, language — ids of the bundled sample
    ("member.it@demo.example", "member", "IT-CL-CERRETO-H01", "it"),
    ("member.lv@demo.example", "member", "LV-DGV-01", "lv"),
    ("coordinator@demo.example", "coordinator", "IT-CERRETO", "en"),
    ("admin@demo.example", "admin", "*", "en"),
)


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
            secret = add_user(con, email, role, scope, password=DEMO_PASSWORD, language=language, demo=True)
            made.append(DemoAccount(email, role, scope, secret))
    return made
