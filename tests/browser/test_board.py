"""The manager's board on the demo chain, at tablet and desktop sizes."""
from sqlalchemy import select

from omni_store.extensions import db
from omni_store.tasks.models import Task
from tests.browser.conftest import TABLET, screenshot, sign_in

DESKTOP = {"width": 1440, "height": 900}


def test_the_manager_reads_the_day_and_acts_on_it(app, live_server, new_page):
    page = new_page(TABLET)
    sign_in(page, live_server, "manager@rivoli.demo")
    page.get_by_role("link", name="Board").click()
    page.wait_for_selector("#board .board-tasks")
    assert page.locator("h1").inner_text() == "Mission board"
    assert page.locator(".board-chart svg g[data-hour]").count() > 0

    raise_buttons = page.get_by_role("button", name="Raise priority")
    if raise_buttons.count():
        task_id = int(page.locator(".alert-row form[action$='/priority']").first
                      .get_attribute("action").split("/")[-2])
        raise_buttons.first.click()
        page.wait_for_selector(".alert-row .chip-priority")
        with app.app_context():
            assert db.session.scalar(select(Task.priority).where(Task.id == task_id)) == 1

    # A refresh does not throw away a choice being made in the board.
    chooser = page.locator(".alert-row select").first
    if chooser.count():
        chooser.focus()
        values = [o.get_attribute("value") for o in chooser.locator("option").all()]
        other = next(v for v in values if v != chooser.input_value())
        chooser.select_option(other)
        page.evaluate("htmx.ajax('GET', '/board', {source: '#board', target: '#board', swap: 'outerHTML'})")
        page.wait_for_timeout(500)
        assert page.locator(".alert-row select").first.input_value() == other

    page.get_by_role("button", name="Pause for today").click()
    page.wait_for_selector("#ship-state:text('Ship from store paused today')")
    screenshot(page, "board-tablet")
    page.get_by_role("button", name="Resume").click()
    page.wait_for_selector("#ship-state:text('Shipping web orders from this store')")

    desktop = new_page(DESKTOP)
    sign_in(desktop, live_server, "manager@rivoli.demo")
    desktop.goto(f"{live_server}/board")
    desktop.wait_for_selector("#board .board-tasks")
    # A wide screen has two columns: what needs acting on, and the day's facts beside it.
    chart_box = desktop.locator(".board-hours").bounding_box()
    alerts_box = desktop.locator(".board-alerts").bounding_box()
    assert chart_box["x"] > alerts_box["x"] + alerts_box["width"] - 1
    screenshot(desktop, "board-desktop")

    assert page.console_errors == [] and desktop.console_errors == []


def test_an_associate_has_no_board(live_server, new_page):
    page = new_page(TABLET)
    sign_in(page, live_server, "associate@rivoli.demo")
    assert page.get_by_role("link", name="Board").count() == 0
    response = page.goto(f"{live_server}/board")
    assert response.status == 403
