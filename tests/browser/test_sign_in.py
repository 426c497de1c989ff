"""An associate signs in on the tablet and on a phone, sees today's tasks, switches to French."""
import pytest

from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size_name, viewport", [("tablet", TABLET), ("phone", PHONE)])
def test_associate_sees_todays_tasks_and_switches_to_french(live_server, new_page, size_name, viewport):
    page = new_page(viewport)
    sign_in(page, live_server, "associate@rivoli.demo")

    assert page.locator("h1").inner_text() == "Today"
    assert "PAR-RIV" in page.locator(".topbar").inner_text()
    assert page.locator("#today-list .task-card").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"today-{size_name}-en")

    page.click(".language-switch button[value=fr]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Aujourd’hui"
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, f"today-{size_name}-fr")
    assert page.console_errors == []


def test_wrong_password_is_refused_with_a_message(live_server, new_page):
    page = new_page(TABLET)
    sign_in(page, live_server, "associate@rivoli.demo", "not-the-password")
    assert page.url.endswith("/login") or "/login" in page.url
    assert page.locator("[role=alert]").is_visible()
