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
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.portal.conftest import ACCOUNTS, MEMBER, PASSWORD, PortalHome, build_home
from tests.warehouse.builders import submission

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: run `make system-deps`")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, cheap_argon2: None) -> Iterator[tuple[str, PortalHome]]:
    from portal import create_app

    portal_home = build_home(tmp_path)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(portal_home.home), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the portal did not start"
    yield f"http://127.0.0.1:{port}", portal_home
    server.should_exit = True
    thread.join(10)


def _no_serious_violation(page, name: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: " + json.dumps([(v["id"], v["help"], [n["target"] for n in v["nodes"]])
                                                  for v in serious], indent=1)


def test_member_uploads_a_file_with_errors_fixes_it_and_is_accepted(served: tuple[str, PortalHome],
                                                                    tmp_path: Path) -> None:
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
