"""A real server on the demo chain, driven by Debian's Chromium through Playwright."""
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from omni_store.extensions import db, limiter
from omni_store.network.models import Location
from omni_store.orders.models import Order
from omni_store.tasks.models import Task, TaskKind
from tests.conftest import empty_all_tables

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or os.environ.get("REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (set REQUIRE_BROWSER=1 to fail instead)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def live_server(app):
    """The demo chain served on a free port; the database is emptied afterwards."""
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        empty_all_tables()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(app, browser):
    """new_page(viewport) -> a page in a fresh context that records console errors."""
    with app.app_context():
        limiter.reset()  # each test signs in; the whole suite signs in more than the per-minute limit
    contexts = []

    def _new_page(viewport=TABLET):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        return page

    yield _new_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Playwright would hide the caret with an inline style, which the CSP refuses (console error).
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


def sign_in(page, base_url: str, email: str, password: str = "demo") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


# --- steps of the store screens, with a scanner only (type + Enter) ---------------------


def task_id(app, number: str, kind: TaskKind, store_code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Task.id).join(Task.order).join(Task.location)
            .where(Order.number == number, Task.kind == kind, Location.code == store_code))


def scan(page, code: str) -> None:
    field = page.locator("[data-scan-field]")
    field.fill(code)
    field.press("Enter")


def pick_one_unit(page, base: str, pick_id: int, ean: str) -> None:
    page.goto(f"{base}/tasks/{pick_id}")
    scan(page, ean)
    page.wait_for_selector("#task-screen[data-status='done']")
