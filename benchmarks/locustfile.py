"""The portal's bounded load test: coordinators, verifiers and public visitors at once (issue 17).

Run by ``benchmarks/bench_portal.py`` (``locust --headless``) against a portal it started on
127.0.0.1; the accounts come from ``ECOCLUSTER_BENCH_ACCOUNTS`` (JSON written by that script:
coordinator and verifier e-mail, password, TOTP secret, the coordinator's cluster). Each simulated
session signs in once (a fresh server-side session, CSRF token from the form) and then reads its
desk with a person's think time between pages; a public visitor reads the register's first pages.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pyotp
from locust import HttpUser, between, task

_ACCOUNTS: dict[str, Any] = json.loads(os.environ.get("ECOCLUSTER_BENCH_ACCOUNTS", "{}"))
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class _Desk(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # a person reading a page, not a crawler
    role = ""

    def on_start(self) -> None:
        account = _ACCOUNTS[self.role]
        form = self.client.get("/login", name="/login")
        found = _CSRF.search(form.text)
        code = pyotp.TOTP(account["totp"]).now() if account.get("totp") else ""
        with self.client.post(
            "/login",
            data={
                "csrf": found[1] if found else "",
                "email": account["email"],
                "password": account["password"],
                "code": code,
            },
            name="/login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 303:
                response.failure(f"sign-in of {account['email']} answered {response.status_code}")


class Coordinator(_Desk):
    role = "coordinator"

    @task
    def dashboard(self) -> None:
        self.client.get(f"/cluster/{_ACCOUNTS['cluster']}", name="/cluster/[id]")


class Verifier(_Desk):
    role = "verifier"

    @task
    def queue(self) -> None:
        self.client.get("/verifier", name="/verifier")


class Visitor(HttpUser):
    wait_time = between(1, 3)

    @task(3)
    def register(self) -> None:
        self.client.get("/register", name="/register")

    @task(1)
    def register_next(self) -> None:
        self.client.get("/register?page=1", name="/register?page=1")
