"""The member's path in a real browser (Debian's chromium driven by Playwright), with axe-core.

Chromium is the system one (`make system-deps`); Playwright never downloads a browser here.
Screenshots go to ``$ECOCLUSTER_SCREENSHOTS`` (default: the test's tmp folder) to be looked at.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyotp
import pytest
import uvicorn

from ecocluster import signing
from ecocluster.portal import add_user, create_invite, open_portal_db
from ecocluster.signing import DEMO_PASSWORD, read_review, sign_draft
from ecocluster.signing.signers import fixed_secret, open_signer
from ecocluster.warehouse import Home, connect
from tests.portal.conftest import (
    ACCOUNTS,
    ANSWER_TEXT,
    BLOCKING_RULE,
    CLUSTER,
    MEMBER,
    PASSWORD,
    PortalHome,
    build_home,
    raise_findings,
)
from tests.portal.test_desks import BODY, BODY_PASSWORD, VERIFIER, decide_close, reviewed_home
from tests.warehouse.builders import submission

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium: run `make system-deps`"
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(home: Home) -> Iterator[str]:
    """The portal over ``home`` on a free port of 127.0.0.1, in a thread; yields its base URL."""
    from ecocluster.portal import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(home), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the portal did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(tmp_path: Path, cheap_argon2: None) -> Iterator[tuple[str, PortalHome]]:
    portal_home = build_home(tmp_path)
    with _serving(portal_home.home) as base:
        yield base, portal_home


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ECOCLUSTER_SCREENSHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def _browser() -> Iterator[tuple[Any, list[str]]]:
    """A page of Debian's chromium, and the CSP refusals it logs (there must be none)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        yield page, blocked
        browser.close()


def _sign_in(page: Any, base: str, email: str, secret: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    if secret:
        page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")


def _no_serious_violation(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: " + json.dumps(
        [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious], indent=1
    )


def test_member_uploads_a_file_with_errors_fixes_it_and_is_accepted(
    served: tuple[str, PortalHome], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, _ = served
    shots = Path(os.environ.get("ECOCLUSTER_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    bad, good = submission(), submission()
    bad["indicators"][1]["value"] = "tanta"
    good["indicators"][1]["value"] = 5200
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "good.json").write_text(json.dumps(good))
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{base}/register")
        _no_serious_violation(page, "register")
        page.screenshot(path=shots / "register-en.png", full_page=True)
        page.goto(f"{base}/login")
        _no_serious_violation(page, "login")
        page.fill("#email", ACCOUNTS["member"][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/member/{MEMBER}")
        assert page.locator("html").get_attribute("lang") == "it"
        page.set_input_files("#file", str(tmp_path / "bad.json"))
        page.click("form[hx-post] button[type=submit]")
        page.wait_for_selector("#upload-result.rejected table.errors")
        assert "non è un numero" in page.inner_text("#upload-result")
        assert page.url.endswith(f"/member/{MEMBER}")  # htmx swapped the result in; no page load
        _no_serious_violation(page, "member desk with errors")
        page.screenshot(path=shots / "member-errors-it.png", full_page=True)
        page.set_input_files("#file", str(tmp_path / "good.json"))
        page.click("form[hx-post] button[type=submit]")
        page.wait_for_selector("#upload-result.ingested")
        assert "Accettato" in page.inner_text("#upload-result")
        page.screenshot(path=shots / "member-accepted-it.png", full_page=True)
        for lang in ("en", "lv"):
            page.goto(f"{base}/member/{MEMBER}?lang={lang}")
            _no_serious_violation(page, f"member desk {lang}")
            page.screenshot(path=shots / f"member-{lang}.png", full_page=True)
        browser.close()
    assert not blocked, blocked  # nothing the pages need is refused by their own CSP


def test_coordinator_sees_the_dashboard_filters_the_findings_and_opens_a_review(
    served: tuple[str, PortalHome], shots: Path
) -> None:
    base, portal_home = served
    with _browser() as (page, blocked):
        _sign_in(page, base, ACCOUNTS["coordinator"][0])
        page.wait_for_url(f"**/cluster/{CLUSTER}")
        assert "1 × blocking" in page.inner_text("#members-h + table")
        _no_serious_violation(page, "coordinator dashboard")
        page.screenshot(path=shots / "coordinator-en.png", full_page=True)
        page.select_option("#severity", "warning")
        page.click("#findings button[type=submit]")
        page.wait_for_url("**severity=warning**")
        assert page.locator(f"#findings td.mono:text-is('{BLOCKING_RULE}')").count() == 0
        page.select_option("#severity", "blocking")
        page.select_option("#rule", BLOCKING_RULE)
        page.click("#findings button[type=submit]")
        assert BLOCKING_RULE in page.inner_text("#findings table")
        page.goto(f"{base}/cluster/{CLUSTER}?lang=it")
        _no_serious_violation(page, "coordinator dashboard it")
        page.screenshot(path=shots / "coordinator-it.png", full_page=True)
        page.click(f"a[href='/review/{portal_home.statements[MEMBER]}']")
        page.wait_for_url("**/review/**")
        assert page.locator("form.raise").count() == 0  # a coordinator reads the review; the verifier raises
        _no_serious_violation(page, "review as coordinator")
    assert not blocked, blocked


@pytest.mark.prefect_server
def test_coordinator_reruns_through_prefect_and_the_page_follows_the_run_without_reloading(
    served: tuple[str, PortalHome], shots: Path, prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real Prefect server: the rerun is a run of the deployment, and as its state moves on the
    server (as a worker would move it) the cluster page's runs section changes in place, polled by
    the vendored htmx under the CSP (no inline script), until the run is final."""
    from prefect.client.orchestration import get_client
    from prefect.states import Completed, Running

    from ecocluster.flows.cycles import rerun

    base, portal_home = served
    home = str(portal_home.home.root)
    rerun.to_deployment("manual-rerun", parameters={"home": home}).apply()  # type: ignore[union-attr]
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    with _browser() as (page, blocked), get_client(sync_client=True) as prefect:
        _sign_in(page, base, ACCOUNTS["coordinator"][0])
        page.wait_for_url(f"**/cluster/{CLUSTER}")
        page.click(f"button[aria-label='Rerun check {MEMBER}']")
        page.wait_for_selector("#runs .badge.run-scheduled")
        _no_serious_violation(page, "coordinator dashboard following a run")
        page.screenshot(path=shots / "coordinator-run-scheduled-en.png", full_page=True)
        [flow_run] = [r for r in prefect.read_flow_runs() if r.parameters.get("home") == home]
        prefect.set_flow_run_state(flow_run.id, Running(), force=True)
        page.wait_for_selector("#runs .badge.run-running", timeout=15_000)  # no reload: htmx's poll
        page.screenshot(path=shots / "coordinator-run-running-en.png", full_page=True)
        prefect.set_flow_run_state(flow_run.id, Completed(), force=True)
        page.wait_for_selector("#runs .badge.run-completed", timeout=15_000)
        assert page.locator("#runs[hx-trigger]").count() == 0  # final: the section stops asking
        page.goto(f"{base}/cluster/{CLUSTER}?lang=lv")
        assert "pabeigta" in page.inner_text("#runs")
        _no_serious_violation(page, "coordinator dashboard lv, run completed")
        page.screenshot(path=shots / "coordinator-run-completed-lv.png", full_page=True)
    assert not blocked, blocked


def _sign_offline(request: Path, signer_uri: str) -> dict[str, bytes]:
    """What `ecocluster sign REQUEST --signer URI` writes: the decision files, by suffix."""
    review = read_review(request)
    with open_signer(signer_uri, fixed_secret(DEMO_PASSWORD)) as signer:
        return sign_draft(
            review.draft,
            review.statement_json,
            signer,
            tsa_url=os.environ["ECOCLUSTER_TSA_URL"],  # the session's test TSA (tests/fixtures_tsa.py)
            roots=review.cas,
            crls=review.crls,
        ).files()


def _deliver_and_take_in(home: Home) -> str:
    """Package the approved member and take it in as the IT competent body; its registration number."""
    con = connect(home.warehouse_path)
    try:
        store, trust = signing.open_store(home), signing.trust_anchors(home)
        signing.build_packages(con, store, trust)
        signing.init_body_key(home.root / "competent-body" / "IT", "IT", BODY_PASSWORD)
        [received] = signing.intake(home, con, store, trust, "IT", BODY_PASSWORD)
        later = received.waiting_until  # the IT profile: registered after the regional agency's 90 days
        [receipt] = signing.intake(home, con, store, trust, "IT", BODY_PASSWORD, today=later)
    finally:
        con.close()
    assert receipt.registration_no is not None, receipt.reasons
    return receipt.registration_no


def test_verifier_reviews_signs_offline_and_uploads_the_decision_then_the_body_sees_the_registration(
    tmp_path: Path, cheap_argon2: None, shots: Path
) -> None:
    reviewed = reviewed_home(tmp_path)
    sid = reviewed.statement_id
    with _serving(reviewed.home) as base, _browser() as (page, blocked):
        _sign_in(page, base, VERIFIER, reviewed.secrets[VERIFIER])
        page.wait_for_url("**/verifier")
        _no_serious_violation(page, "verifier queue")
        page.screenshot(path=shots / "verifier-queue-en.png", full_page=True)
        page.click(f"a[href='/review/{sid}']")
        page.wait_for_url(f"**/review/{sid}")
        page.select_option("#kind", "request-for-information")
        page.fill("#text", "Send the 2025 electricity invoices")
        page.select_option("#owner", "coordinator")
        page.click("form.raise button[type=submit]")
        page.wait_for_selector("article.finding.open")
        with page.expect_download() as download:
            page.click(f"a[href='/review/{sid}/request.zip']")
        download.value.save_as(tmp_path / "request.zip")
        zipfile.ZipFile(tmp_path / "request.zip").extractall(tmp_path / "request")
        with ThreadPoolExecutor(1) as machine:  # the verifier's own machine (pyHanko runs its own event loop)
            decision = machine.submit(
                _sign_offline, tmp_path / "request" / "review-IT-HOT-1", reviewed.signer_uri
            ).result()
        for suffix, data in decision.items():
            (tmp_path / f"decision.{suffix}").write_bytes(data)

        def upload() -> None:
            page.set_input_files("#envelope", str(tmp_path / "decision.dsse.json"))
            page.set_input_files("#certificate", str(tmp_path / "decision.cert.pem"))
            page.set_input_files("#timestamp", str(tmp_path / "decision.tsr"))
            page.set_input_files("#pdf", str(tmp_path / "decision.validated.pdf"))
            page.click("#upload-h ~ form button[type=submit]")
            page.wait_for_selector("#decision-result")

        upload()
        assert "open-findings" in page.inner_text("#decision-result")
        _no_serious_violation(page, "review with a refused decision")
        page.screenshot(path=shots / "verifier-review-refused-en.png", full_page=True)
        finding_id = page.inner_text("article.finding.open h3 .mono")
        with ThreadPoolExecutor(1) as machine:  # the verifier signs the close with their own signer
            answers = machine.submit(
                decide_close, reviewed, tmp_path / "request" / "review-IT-HOT-1", finding_id
            ).result()
        (tmp_path / "close.json").write_bytes(answers)
        (tmp_path / "hostile.json").write_bytes(b"<html>not a signed decision</html>")
        page.set_input_files(f"#decision-{finding_id}", str(tmp_path / "hostile.json"))
        page.click(f"form[action$='/findings/{finding_id}/decision'] button")
        page.wait_for_selector("p.notice.error")
        assert "(review-answers:" in page.inner_text("p.notice.error")  # named, and the finding still open
        assert page.locator("article.finding.open").count() == 1
        _no_serious_violation(page, "review with a refused signed decision")
        page.screenshot(path=shots / "verifier-review-refused-close-en.png", full_page=True)
        page.set_input_files(f"#decision-{finding_id}", str(tmp_path / "close.json"))
        page.click(f"form[action$='/findings/{finding_id}/decision'] button")
        page.wait_for_selector("article.finding.closed")
        assert "Signed decision verified and recorded" in page.inner_text("main")
        _no_serious_violation(page, "review with a signed close")
        page.screenshot(path=shots / "verifier-review-signed-close-en.png", full_page=True)
        upload()
        assert "Approval verified and recorded" in page.inner_text("#decision-result")
        page.screenshot(path=shots / "verifier-review-approved-en.png", full_page=True)
        for lang in ("it", "lv"):
            page.goto(f"{base}/review/{sid}?lang={lang}")
            _no_serious_violation(page, f"review {lang}")
            page.screenshot(path=shots / f"verifier-review-{lang}.png", full_page=True)
        with ThreadPoolExecutor(1) as body:  # the pipeline delivers, the competent body takes it in
            receipt = body.submit(_deliver_and_take_in, reviewed.home).result()
        page.click("form[action='/logout'] button")
        _sign_in(page, base, BODY, reviewed.secrets[BODY])
        page.wait_for_url("**/body/IT")
        assert receipt in page.inner_text("main")
        _no_serious_violation(page, "competent body desk")
        page.screenshot(path=shots / "body-desk.png", full_page=True)
        db = open_portal_db(reviewed.home)
        add_user(db, "new.body@it.example", "competent-body", "IT")
        token = create_invite(db, "new.body@it.example")
        db.close()
        page.goto(f"{base}/welcome/{token}")
        _no_serious_violation(page, "first-login page")
        page.screenshot(path=shots / "welcome-en.png", full_page=True)
    assert not blocked, blocked


def test_member_answers_a_finding_and_the_coordinator_reruns_and_reads_the_audit(
    served: tuple[str, PortalHome], shots: Path, tmp_path: Path
) -> None:
    base, portal_home = served
    found = raise_findings(portal_home)
    evidence = tmp_path / "letture.csv"
    evidence.write_text("mese;m3\ngennaio;410\n")
    with _browser() as (page, blocked):
        _sign_in(page, base, ACCOUNTS["member"][0])
        page.wait_for_url(f"**/member/{MEMBER}")
        page.click(f"a[href='/member/{MEMBER}/answers']")
        page.wait_for_url("**/answers")
        _no_serious_violation(page, "member answers")
        page.screenshot(path=shots / "member-answers-it.png", full_page=True)
        page.fill(f"#text-{found[MEMBER]}", ANSWER_TEXT)
        page.set_input_files(f"#file-{found[MEMBER]}", str(evidence))
        page.click(f"form[action='/finding/{found[MEMBER]}/answer'] button[type=submit]")
        page.wait_for_selector(".notice.ok")
        assert found[MEMBER] in page.inner_text(".notice.ok")
        page.screenshot(path=shots / "member-answered-it.png", full_page=True)
        page.click("header form button[type=submit]")  # sign out
        _sign_in(page, base, ACCOUNTS["coordinator"][0])
        page.wait_for_url(f"**/cluster/{CLUSTER}")
        page.click(f"form[action='/member/{MEMBER}/rerun/draft'] button[type=submit]")
        page.wait_for_selector(".notice.ok", timeout=120_000)
        page.click(f"form[action='/member/{MEMBER}/send'] button[type=submit]")
        page.wait_for_selector(".notice.ok")
        assert "is with the verifier" in page.inner_text(".notice.ok")
        _no_serious_violation(page, "coordinator after send")
        page.screenshot(path=shots / "coordinator-sent-en.png", full_page=True)
        page.goto(f"{base}/cluster/{CLUSTER}/audit?lang=lv")
        assert "finding.answer" in page.inner_text("main")
        _no_serious_violation(page, "cluster audit lv")
        page.screenshot(path=shots / "coordinator-audit-lv.png", full_page=True)
    assert not blocked, blocked
