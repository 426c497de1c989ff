"""An associate picks an order by scanning, then puts it in a hold slot, on a tablet."""
from sqlalchemy import select

from omni_store.extensions import db
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import Location
from omni_store.orders.models import Hold, Order, OrderStatus
from omni_store.fulfilment.placing import place_order
from omni_store.orders.intake import OrderRequest
from omni_store.tasks.models import Task, TaskKind
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in

UNITS = 2


def order_from_rivoli(app):
    """A pickup at PAR-RIV of a product PAR-RIV holds: only a pick and an isolate there."""
    with app.app_context():
        rivoli = db.session.scalar(select(Location).filter_by(code="PAR-RIV"))
        level = db.session.scalar(
            select(StockLevel).where(StockLevel.location_id == rivoli.id,
                                     StockLevel.zone_id.is_not(None),
                                     StockLevel.on_hand - StockLevel.allocated >= UNITS + 2)
            .order_by(StockLevel.id))
        product = level.product
        order = place_order(OrderRequest(
            email="browser.pick@test.example", first_name="Nora", last_name="Petit",
            lines=[(product.sku, UNITS)], delivery_method="pickup", pickup_store_code="PAR-RIV"))
        db.session.commit()
        pick = db.session.scalar(select(Task).filter_by(order_id=order.id, kind=TaskKind.PICK))
        assert pick.location_id == rivoli.id
        return order.number, pick.id, product.ean


def test_pick_by_scanning_then_isolate_into_a_slot(app, live_server, new_page):
    number, pick_id, ean = order_from_rivoli(app)
    page = new_page(TABLET)
    sign_in(page, live_server, "associate@rivoli.demo")

    page.goto(f"{live_server}/?show=unassigned")
    page.locator(f"a[href='/tasks/{pick_id}']").click()
    page.wait_for_selector("[data-scan-field]")
    screenshot(page, "pick-tablet")

    for done in range(1, UNITS + 1):
        field = page.locator("[data-scan-field]")
        field.fill(ean)
        field.press("Enter")
        page.wait_for_selector(f"#task-screen .progress-done:text-is('{done}')")
    page.wait_for_selector("#task-screen[data-status='done']")
    screenshot(page, "pick-done-tablet")

    page.get_by_role("link", name="Next: Put in hold zone").click()
    page.wait_for_selector(".slot-code")
    slot = page.locator(".slot-code").inner_text().strip()
    screenshot(page, "isolate-tablet")
    field = page.locator("[data-scan-field]")
    field.fill(slot)
    field.press("Enter")
    page.wait_for_selector("#task-screen[data-status='done']")
    assert "Waiting in slot" in page.inner_text("#task-screen")
    screenshot(page, "isolate-done-tablet")

    phone = new_page(PHONE)
    sign_in(phone, live_server, "associate@rivoli.demo")
    phone.goto(f"{live_server}/orders/{number}")
    screenshot(phone, "order-phone")
    assert page.console_errors == [] and phone.console_errors == []

    with app.app_context():
        order = db.session.scalar(select(Order).filter_by(number=number))
        hold = db.session.scalar(select(Hold).filter_by(order_id=order.id))
        assert order.status == OrderStatus.READY and hold.zone.code == slot
        assert ledger_mismatches() == []


def test_task_list_and_count_screen_on_a_phone(live_server, new_page):
    page = new_page(PHONE)
    sign_in(page, live_server, "associate@rivoli.demo")
    page.goto(f"{live_server}/?show=all")
    screenshot(page, "today-filters-phone")
    page.locator("[data-kind='count'] a.task-open").first.click()
    page.wait_for_selector("[data-scan-field]")
    screenshot(page, "count-phone")
    assert page.console_errors == []
