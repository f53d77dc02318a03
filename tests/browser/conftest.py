"""Browser tests: Playwright driving Debian's chromium against the app served on 127.0.0.1.

The live server serves the same app as the test (one rolled-back transaction), from a thread;
the browser never touches the database itself. Chromium is never downloaded: /usr/bin/chromium.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=False)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["PUBLIC_URL"]
    server.shutdown()
    thread.join(5)


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is needed at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def sign_in_as_demo_user(browser: Any, base: str, email: str) -> Any:
    """A laptop-sized page signed in as one of the demo's people (demo password)."""
    from feedback.demo import data as demo_data

    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", demo_data.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"
    return page
