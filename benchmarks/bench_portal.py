"""The portal over the 120,290-member warehouse: p95 of three desks, then a bounded load test (issue 17).

Goals: p95 ≤ 300 ms for the coordinator's cluster dashboard (115 members), the verifier's queue
and the public register's first page, each asked ``--requests`` times in turn by one signed-in
client; and ``locust --headless`` (``benchmarks/locustfile.py``) with ``--users`` concurrent
sessions for ``--seconds`` on 127.0.0.1: no error, p95 ≤ 500 ms.

HOME is an ingested home (``ecocluster sample --clusters 1046 --members-per-cluster 115``, then
``ecocluster ingest``). ``--prepare`` first gives it what the pages show, through the packages'
own functions: whole-year checks, review drafts (JSON + HTML) of every member and cluster (with
``--review-drafts``: about 4 minutes on a quiet machine, so optional), full
drafts of ``--cluster`` sent to verification (the verifier's queue) and ``--registered`` members
entered in the competent bodies' register (the public register; entries made directly, without
the signed approvals and packages that lead to them, which the register page does not read).
The portal is started as ``ecocluster portal`` on a free port over HOME, with a coordinator and a
verifier account made by ``ecocluster user add ... --password-stdin`` (kept for later runs).
Usage: ``python -m benchmarks.bench_portal HOME [--prepare] [--cluster ID] [--requests 100]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil
import pyotp

from ecocluster.core.home import Home
from ecocluster.core.processes import free_port

HERE = Path(__file__).parent
PAGE_GOAL_MS = 300.0
LOAD_GOAL_MS = 500.0
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def prepare(home: Home, cluster: str, registered: int, *, everyone: bool, year: int = 2025) -> None:
    """Whole-year checks, review drafts for everyone (``everyone``), ``cluster`` drafted in full and
    submitted, a register."""
    from ecocluster import checks, statements
    from ecocluster.signing._feed import enter
    from ecocluster.warehouse import connect, transaction

    started = time.perf_counter()
    checks.run_checks(home, year)
    print(f"whole-year checks: {time.perf_counter() - started:.0f} s", flush=True)
    con = connect(home.warehouse_path)
    try:
        if everyone:
            started = time.perf_counter()
            reviewed = statements.draft(con, home, pdf=False)
            took = time.perf_counter() - started
            print(f"review drafts: {len(reviewed.statements):,} in {took:.0f} s", flush=True)
        full = statements.draft(con, home, cluster=cluster)
        members = [a.member_id for a in full.statements if a.member_id]
        for draft in statements.current_drafts(con, year, members):
            if draft.status == "draft":
                statements.submit(con, draft.statement_id)
        print(f"{cluster}: {len(members)} statements drafted with PDF and submitted", flush=True)
        rows = con.execute(
            "SELECT m.member_id, c.country FROM member m JOIN cluster c USING (cluster_id) "
            "ORDER BY m.member_id LIMIT ?",
            [registered],
        ).fetchall()
        with transaction(con):
            for member, country in rows:
                enter(con, str(country), str(member), "0" * 64, date(2026, 6, 1))
        print(f"register: {len(rows):,} organisations entered", flush=True)
    finally:
        con.close()


def _cli(home: Home, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from ecocluster.flows.cli import main; main()",
            "--home",
            str(home.root),
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "300"},
    )


def accounts(home: Home, cluster: str) -> dict[str, Any]:
    """A coordinator of ``cluster`` and a verifier assigned to it, made once per home and kept in
    ``<home>/bench-portal-accounts.json`` (the passwords are random, for this benchmark only)."""
    kept = home.root / "bench-portal-accounts.json"
    if kept.exists():
        saved: dict[str, Any] = json.loads(kept.read_text())
        if saved.get("cluster") == cluster:
            return saved
    made: dict[str, Any] = {"cluster": cluster}
    tag = secrets.token_hex(4)
    for role, scope, extra in (
        ("coordinator", cluster, []),
        ("verifier", "BENCH-V-0001", ["--cluster", cluster]),
    ):
        email, password = f"{role}.{tag}@bench.example", secrets.token_urlsafe(18)
        done = _cli(
            home, "user", "add", email, "--role", role, "--scope", scope, "--password-stdin", *extra,
            stdin=password + "\n",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"user add {email} exited {done.returncode}: {done.stdout}{done.stderr}")
        totp = re.search(r"\(TOTP, 30 s\): ([A-Z2-7]+)", done.stdout)
        made[role] = {"email": email, "password": password, "totp": totp[1] if totp else None}
    kept.write_text(json.dumps(made))
    return made


def _serve(home: Home, port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-c", "from ecocluster.flows.cli import main; main()", "--home", str(home.root),
         "portal", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/register", timeout=5)
            return server
        except httpx.TransportError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    server.terminate()
    server.wait()
    raise RuntimeError(f"the portal did not answer on port {port}")


def _signed_in(base: str, account: dict[str, Any]) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    found = _CSRF.search(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "csrf": found[1] if found else "",
            "email": account["email"],
            "password": account["password"],
            "code": pyotp.TOTP(account["totp"]).now() if account.get("totp") else "",
        },
    )
    if response.status_code != 303:
        client.close()
        raise RuntimeError(f"sign-in of {account['email']} answered {response.status_code}")
    return client


def _p95(times: list[float]) -> float:
    ranked = sorted(times)
    return ranked[max(0, math.ceil(0.95 * len(ranked)) - 1)]


class _ServerTree:
    """The portal's process and its worker processes (``--workers``), whose CPU time is summed."""

    def __init__(self, main: psutil.Process) -> None:
        self.main = main

    def cpu_times(self) -> tuple[float, float]:
        user = system = 0.0
        for p in [self.main, *self.main.children(recursive=True)]:
            try:
                t = p.cpu_times()
            except psutil.NoSuchProcess:
                continue
            user, system = user + t.user, system + t.system
        return user, system


def _cpu_ms(server: _ServerTree) -> float:
    user, system = server.cpu_times()
    return (user + system) * 1000


def pages(base: str, made: dict[str, Any], requests: int, server: _ServerTree) -> dict[str, dict[str, float]]:
    """Each desk ``requests`` times, the three in turn (so all three see the same load), in ms; with
    the server's CPU per request, steadier than wall time on a shared machine."""
    coordinator = _signed_in(base, made["coordinator"])
    verifier = _signed_in(base, made["verifier"])
    public = httpx.Client(base_url=base, timeout=30)
    asks = {
        "coordinator's cluster dashboard": (coordinator, f"/cluster/{made['cluster']}"),
        "verifier's queue": (verifier, "/verifier"),
        "public register, first page": (public, "/register"),
    }
    times: dict[str, list[float]] = {name: [] for name in asks}
    cpu: dict[str, list[float]] = {name: [] for name in asks}
    try:
        for client, path in asks.values():  # one warm-up each: templates compiled, first connection
            client.get(path).raise_for_status()
        for _ in range(requests):
            for name, (client, path) in asks.items():
                started, used = time.perf_counter(), _cpu_ms(server)
                response = client.get(path)
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append(_cpu_ms(server) - used)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
    finally:
        for client in (coordinator, verifier, public):
            client.close()
    return {
        name: {
            "median_ms": statistics.median(t),
            "p95_ms": _p95(t),
            "max_ms": max(t),
            "server_cpu_median_ms": statistics.median(cpu[name]),
            "server_cpu_p95_ms": _p95(cpu[name]),
        }
        for name, t in times.items()
    }


def load_test(base: str, made: dict[str, Any], users: int, seconds: int) -> dict[str, Any]:
    """``locust --headless`` in its own process (gevent patches the process it runs in)."""
    with tempfile.TemporaryDirectory(prefix="ecocluster-locust-") as tmp:
        prefix = Path(tmp) / "run"
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
             "--users", str(users), "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{seconds}s",
             "--host", base, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10"],
            env={**os.environ, "ECOCLUSTER_BENCH_ACCOUNTS": json.dumps(made)},
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv", newline="") as f:
            stats = list(csv.DictReader(f))
    rows = {
        row["Name"]: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "max_ms": float(row["Max Response Time"]),
            "per_s": float(row["Requests/s"]),
        }
        for row in stats
    }
    return {"exit_code": done.returncode, "rows": rows}


def run(
    home: Home, cluster: str, requests: int, users: int, seconds: int, workers: int = 1
) -> dict[str, Any]:
    made = accounts(home, cluster)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(home, port, workers)
    try:
        before = os.getloadavg()
        desks = pages(base, made, requests, _ServerTree(psutil.Process(server.pid)))
        during_pages = os.getloadavg()
        load = load_test(base, made, users, seconds)
        after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "desks": desks,
        "load": load,
        "load_average": {"start": before, "after pages": during_pages, "after load test": after},
    }


def _report(figures: dict[str, Any], users: int, seconds: int) -> None:
    for name, f in figures["desks"].items():
        verdict = "met" if f["p95_ms"] <= PAGE_GOAL_MS else "NOT met"
        print(
            f"{name}: median {f['median_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms, max {f['max_ms']:.0f} ms "
            f"(goal p95 ≤ {PAGE_GOAL_MS:.0f} ms: {verdict}); server CPU median "
            f"{f['server_cpu_median_ms']:.0f} ms, p95 {f['server_cpu_p95_ms']:.0f} ms"
        )
    print(f"locust, {users} sessions for {seconds} s (exit {figures['load']['exit_code']}):")
    for name, row in figures["load"]["rows"].items():
        print(
            f"  {name}: {row['requests']} requests, {row['failures']} failures, {row['per_s']:.1f}/s, "
            f"median {row['median_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, max {row['max_ms']:.0f} ms"
        )
    total = figures["load"]["rows"].get("Aggregated")
    if total:
        ok = total["failures"] == 0 and total["p95_ms"] <= LOAD_GOAL_MS
        print(f"goal: no error, p95 ≤ {LOAD_GOAL_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    print("load average: " + "; ".join(f"{k} {v[0]:.1f}" for k, v in figures["load_average"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("home", type=Path, help="an ingested home (the 120,290-member one)")
    parser.add_argument("--cluster", default="CL0001", help="the coordinator's and the verifier's cluster")
    parser.add_argument("--prepare", action="store_true", help="checks, drafts, a queue and a register first")
    parser.add_argument(
        "--review-drafts", action="store_true", help="with --prepare: review drafts of every member too"
    )
    parser.add_argument("--registered", type=int, default=5000, help="organisations entered with --prepare")
    parser.add_argument("--requests", type=int, default=100, help="requests per desk for the p95")
    parser.add_argument("--users", type=int, default=50, help="concurrent sessions of the load test")
    parser.add_argument("--seconds", type=int, default=60, help="length of the load test")
    parser.add_argument("--workers", type=int, default=1, help="the portal's server processes")
    args = parser.parse_args()
    home = Home.resolve(args.home)
    if args.prepare:
        prepare(home, args.cluster, args.registered, everyone=args.review_drafts)
    figures = run(home, args.cluster, args.requests, args.users, args.seconds, args.workers)
    _report(figures, args.users, args.seconds)


if __name__ == "__main__":
    main()
