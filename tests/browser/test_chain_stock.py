"""An associate finds phone B in the far store and reserves it from there for a customer here."""
from playwright.sync_api import expect
from sqlalchemy import select

from omni_store.demo.catalog_data import PHONE_B_SKU
from omni_store.demo.network_data import FAR_STORE_CODE
from omni_store.extensions import db
from omni_store.orders.models import DeliveryMethod, Order
from omni_store.tasks.models import Task, TaskKind
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in


def test_reserve_phone_b_from_the_far_store(app, live_server, new_page):
    page = new_page(TABLET)
    sign_in(page, live_server, "associate@rivoli.demo")
    page.click("nav >> text=Chain stock")
    page.fill("#q", "Pixelle 8")
    page.press("#q", "Enter")
    page.click(f"a[href$='q={PHONE_B_SKU}']")

    # The demo holds B only there (the appointment story may have brought one to Rivoli).
    far_row = page.locator(f"[data-location='{FAR_STORE_CODE}']")
    expect(far_row).to_contain_text(f"{FAR_STORE_CODE} shuttle")
    screenshot(page, "chain-stock-tablet")

    form = page.locator("form[action$='/stock/reserve']")
    form.locator("select[name=source]").select_option(FAR_STORE_CODE)
    form.locator("input[name=first_name]").fill("Léa")
    form.locator("input[name=last_name]").fill("Durand")
    form.locator("input[name=email]").fill("lea.durand@test.example")
    form.locator("button[type=submit]").click()
    expect(page.locator("[role=status]")).to_contain_text("placed")
    screenshot(page, "chain-stock-reserved")
    assert not page.console_errors

    with app.app_context():
        order = db.session.scalar(select(Order).join(Order.customer)
                                  .where(Order.delivery_method == DeliveryMethod.RESERVE)
                                  .order_by(Order.id.desc()))
        assert order.customer.email == "lea.durand@test.example"
        assert order.pickup_location.code == "PAR-RIV"
        assert {a.location.code for line in order.lines for a in line.allocations} == {FAR_STORE_CODE}
        work = {(t.kind, t.location.code)
                for t in db.session.scalars(select(Task).filter_by(order_id=order.id))}
        assert {(TaskKind.PICK, FAR_STORE_CODE), (TaskKind.PACK, FAR_STORE_CODE)} <= work

    phone = new_page(PHONE)
    sign_in(phone, live_server, "associate@rivoli.demo")
    phone.goto(f"{live_server}/stock?q={PHONE_B_SKU}")
    screenshot(phone, "chain-stock-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
