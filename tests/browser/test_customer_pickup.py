"""The customer confirms a pickup on their own phone while the associate's tablet waits."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Barcode, Product
from omni_store.counter.ledger import broken_records
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.network.models import Location, Zone, ZoneKind
from omni_store.orders.models import Order, OrderStatus
from omni_store.counter.tokens import customer_link
from tests import factories
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in

ASSOCIATE = "associate@rivoli.demo"


def ready_order_at_rivoli(app) -> tuple[int, str, list[str], str]:
    """A READY order of two units at PAR-RIV: its id, number, barcodes and customer link."""
    with app.app_context():
        store = db.session.scalar(select(Location).filter_by(code="PAR-RIV"))
        slot = db.session.scalar(select(Zone).filter_by(location_id=store.id, kind=ZoneKind.HOLD)
                                 .order_by(Zone.code.desc()))
        ean = make_ean13("299000000091")
        product = Product(sku="QR-PICKUP-1", name="Casque audio Omni", brand="Omni",
                          category="audio", price_cents=7990, barcodes=[Barcode(code=ean)])
        db.session.add(product)
        db.session.flush()
        inventory.receive(store.id, product.id, 2, inventory.Ref("test:setup"))
        order = factories.ready_order(store, slot, [(product, 2)], first_name="Inès",
                                      last_name="Moreau", email="ines.moreau@test.example")
        link = customer_link(order)
        db.session.commit()
        return order.id, order.number, [ean, ean], link


def test_the_customer_confirms_the_handover_on_their_phone(app, live_server, new_page):
    order_id, number, barcodes, link = ready_order_at_rivoli(app)
    link = re.sub(r"^https?://[^/]+", live_server, link)

    phone = new_page(PHONE)
    phone.goto(link)
    expect(phone.locator("h1")).to_contain_text("Inès")
    expect(phone.locator(".public-status")).to_have_text("Ready to collect")
    expect(phone.locator("svg.qr")).to_be_visible()
    assert "Moreau" not in phone.content()
    screenshot(phone, "pickup-phone-order")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    tablet = new_page(TABLET)
    sign_in(tablet, live_server, ASSOCIATE)
    tablet.goto(f"{live_server}/counter/orders/{order_id}")
    for barcode in barcodes:
        tablet.fill("#code", barcode)
        tablet.press("#code", "Enter")
        expect(tablet.locator("[role=status]")).to_contain_text("Scanned:")
    expect(tablet.locator(".handover-line.is-complete")).to_have_count(1)
    tablet.click("#ask-customer")
    panel = tablet.locator("#customer-confirmation")
    expect(panel.locator("svg.qr")).to_be_visible()
    confirm_url = panel.get_attribute("data-confirm-url")
    screenshot(tablet, "counter-qr-tablet")

    phone.goto(re.sub(r"^https?://[^/]+", live_server, confirm_url))
    expect(phone.locator(".public-items")).to_contain_text("2 × Casque audio Omni")
    screenshot(phone, "pickup-phone-confirm")
    phone.click("text=I received these items")
    expect(phone.locator("#confirmation")).to_have_attribute("data-status", "confirmed")
    screenshot(phone, "pickup-phone-done")

    # Nobody touches the tablet: its poll brings the hand-over in.
    expect(tablet.locator(".chip-status")).to_have_text("Handed over", timeout=10_000)
    expect(tablet.locator("#counter-order")).to_contain_text("confirmed on their phone")
    expect(tablet.locator("#customer-confirmation")).to_have_count(0)
    assert tablet.console_errors == [] and phone.console_errors == []
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status == OrderStatus.HANDED_OVER
        assert broken_records(order.pickup_location_id) == []
