"""At PAR-RIV: hand an order over at the counter, then take a return with every disposition."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from omni_store.extensions import db
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import Customer, Order
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in

pytestmark = pytest.mark.browser

ASSOCIATE = "associate@rivoli.demo"


def demo_order(app, email: str) -> tuple[str, list[str]]:
    """The number of the customer's demo order and the barcode of each unit in it."""
    with app.app_context():
        order = db.session.scalar(select(Order).join(Order.customer).where(Customer.email == email))
        return order.number, [line.product.ean for line in order.lines for _ in range(line.quantity)]


def test_hand_over_an_order_by_typing_its_number_and_scanning_its_items(app, live_server, new_page):
    number, barcodes = demo_order(app, "camille.martin@client.demo")
    page = new_page(TABLET)
    sign_in(page, live_server, ASSOCIATE)
    page.click("nav.tabs >> text=Counter")
    expect(page.locator("h1")).to_have_text("Counter")

    page.fill("#q", number)
    page.press("#q", "Enter")
    page.wait_for_url("**/counter/orders/*")
    expect(page.locator(".order-title")).to_have_text(f"Order {number}")
    expect(page.locator(".hold-slot")).to_contain_text("PAR-RIV-H")
    expect(page.locator(".customer-name")).to_have_text("Camille Martin")
    screenshot(page, "counter-order-tablet")

    for scanned, barcode in enumerate(barcodes, start=1):
        page.fill("#code", barcode)
        page.press("#code", "Enter")
        expect(page.locator("[role=status]")).to_contain_text("Scanned:")
        expect(page.locator("#code")).to_be_focused()
        assert page.locator(".is-complete").count() <= scanned
    expect(page.locator(".handover-line.is-complete")).to_have_count(len(barcodes))
    screenshot(page, "counter-scanned-tablet")

    page.click("#handover-step button[type=submit]")
    expect(page.locator(".chip-status")).to_have_text("Handed over")
    expect(page.locator("[role=status]")).to_contain_text(f"{len(barcodes)} items handed over.")
    screenshot(page, "counter-handed-over-tablet")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    assert page.console_errors == []


def test_counter_search_and_order_on_a_phone(app, live_server, new_page):
    number, _barcodes = demo_order(app, "lucas.bernard@client.demo")
    page = new_page(PHONE)
    sign_in(page, live_server, ASSOCIATE)
    page.goto(f"{live_server}/counter/?q=bernard")
    expect(page.locator(".order-result")).to_contain_text(number)
    screenshot(page, "counter-search-phone")
    page.click(f".order-result >> text={number}")
    expect(page.locator(".order-title")).to_have_text(f"Order {number}")
    page.fill("#code", "3000000000000")  # a code that is no product
    page.press("#code", "Enter")
    expect(page.locator("#toasts .toast")).to_contain_text("No product has the barcode")
    page.locator("details.refusals summary").click()
    screenshot(page, "counter-order-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# (condition, what happens to it) for each of the four items of Antoine Gauthier's order.
DISPOSITIONS = [
    ("as_new", "restock_here"),
    ("opened", "quarantine"),
    ("defective", "send_to_warehouse"),
    ("defective", "back_to_supplier"),
]


def test_a_return_with_every_disposition(app, live_server, new_page):
    page = new_page(TABLET)
    sign_in(page, live_server, ASSOCIATE)
    page.click("nav.tabs >> text=Returns")
    page.fill("#q", "antoine.gauthier@")
    page.press("#q", "Enter")
    expect(page.locator(".order-result")).to_have_count(1)
    page.click(".order-result a")
    expect(page.locator(".return-line")).to_have_count(4)
    screenshot(page, "returns-order-tablet")
    page.click("text=Start a return")
    page.wait_for_url("**/returns/*")

    for condition, disposition in DISPOSITIONS:
        form = page.locator(".return-line-form").first
        form.locator("input[name=reason]").fill("Not what I expected")
        form.locator("select[name=condition]").select_option(condition)
        form.locator("select[name=disposition]").select_option(disposition)
        form.locator("button[type=submit]").click()
        expect(page.locator(f".return-line-added[data-disposition={disposition}]")).to_have_count(1)
    screenshot(page, "returns-sheet-tablet")

    page.click("text=Complete the return")
    expect(page.locator(".chip-return-done")).to_be_visible()
    expect(page.locator(".refund-total")).to_contain_text("€")
    outcome = page.locator(".return-line-added[data-disposition=send_to_warehouse] .return-outcome")
    expect(outcome).to_contain_text("parcel")
    screenshot(page, "returns-done-tablet")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    page.set_viewport_size(PHONE)
    screenshot(page, "returns-done-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with app.app_context():
        assert ledger_mismatches() == []
