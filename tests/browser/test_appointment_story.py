"""The acceptance story's appointment, end to end (DESIGN §5).

The customer's phone speaks to the e-commerce front, which calls the JSON API: she
reserves phone A with an appointment tonight, moves it to a later evening and adds B and C
to compare. The far store's associate finds the pick of B on their tablet; Rivoli's
associates see where each phone is. At the appointment she prefers A from a marketplace
seller, delivered home: the associate orders it from the booking screen.
"""
import json
import urllib.request
from datetime import timedelta
from uuid import uuid4

from playwright.sync_api import expect
from sqlalchemy import select

from omni_store.appointments.models import Booking, BookingStatus
from omni_store.catalog.models import Offer, Product
from omni_store.core.clock import utcnow
from omni_store.demo.catalog_data import PHONE_A_SKU, PHONE_B_SKU, PHONE_C_SKU
from omni_store.demo.network_data import FAR_STORE_CODE, PHONE_SUPPLIER_CODE
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import Location
from omni_store.orders.models import Order, OrderStatus
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in

STORE = "PAR-RIV"


def api(base_url: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": "Bearer demo-api-key", "Content-Type": "application/json",
                 "Idempotency-Key": str(uuid4())})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def first_slot(base_url: str, *skus: str) -> dict:
    query = "&".join(f"sku={sku}" for sku in skus)
    slots = api(base_url, "GET", f"/stores/{STORE}/appointment-slots?{query}"
                                 "&expertise=smartphones")["slots"]
    assert slots, f"no slot for {skus}"
    return slots[0]


def test_the_appointment_of_the_acceptance_story(app, live_server, new_page):
    with app.app_context():
        # Whatever other browser tests took, the far store has a B for this customer.
        far_store = db.session.scalar(select(Location).filter_by(code=FAR_STORE_CODE))
        phone_b = db.session.scalar(select(Product).filter_by(sku=PHONE_B_SKU))
        inventory.receive(far_store.id, phone_b.id, 1, inventory.Ref("test:story delivery"))
        db.session.commit()

    # Her phone: A tonight, then a later evening where an expert shows A, B and C.
    tonight = first_slot(live_server, PHONE_A_SKU)
    order = api(live_server, "POST", "/orders", {
        "customer": {"email": "lea.story@test.example", "first_name": "Léa",
                     "last_name": "Marchal"},
        "lines": [{"sku": PHONE_A_SKU, "qty": 1}],
        "delivery": {"method": "reserve", "store": STORE, "appointment_slot": tonight["id"]},
    })
    number = order["number"]
    assert order["appointment"]["slot"] == tonight["id"]
    later = first_slot(live_server, PHONE_A_SKU, PHONE_B_SKU, PHONE_C_SKU)
    assert later["starts_at"] > tonight["starts_at"]
    api(live_server, "POST", f"/orders/{number}/appointment", {"slot": later["id"]})
    for sku in (PHONE_B_SKU, PHONE_C_SKU):
        api(live_server, "POST", f"/orders/{number}/lines", {"sku": sku, "qty": 1})
    detail = api(live_server, "GET", f"/orders/{number}")
    assert detail["appointment"]["starts_at"] == later["starts_at"]
    assert detail["delivery"]["appointment_at"] == later["starts_at"]

    # 40 km away, the far store's associate has the pick of B on their tablet.
    far = new_page(TABLET)
    sign_in(far, live_server, "associate@meaux.demo")
    b_name = _product_name(app, PHONE_B_SKU)
    expect(far.locator("main")).to_contain_text(b_name)
    screenshot(far, "appointment-far-store-today")

    # At Rivoli: the appointment, with where each phone is.
    tablet = new_page(TABLET)
    sign_in(tablet, live_server, "associate@rivoli.demo")
    tablet.click("nav >> text=Appointments")
    entry = tablet.locator("article, li, section").filter(has_text=number).last
    expect(entry).to_contain_text("here")
    expect(entry).to_contain_text(f"being prepared at {FAR_STORE_CODE}")
    expect(entry).to_contain_text(f"at the supplier {PHONE_SUPPLIER_CODE}")
    screenshot(tablet, "appointments-tablet")
    phone = new_page(PHONE)
    sign_in(phone, live_server, "associate@rivoli.demo")
    phone.goto(f"{live_server}/appointments")
    screenshot(phone, "appointments-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The next evening, the appointment has begun (the clock of the test moves the slot).
    with app.app_context():
        booking = db.session.scalar(select(Booking).join(Booking.order)
                                    .where(Order.number == number))
        booking.slot.starts_at = utcnow() - timedelta(minutes=5)
        booking_id = booking.id
        cheapest = db.session.scalar(
            select(Offer).join(Offer.product).where(Product.sku == PHONE_A_SKU, Offer.stock > 0)
            .order_by(Offer.price_cents + Offer.shipping_cents))
        offer_id, seller = cheapest.id, cheapest.seller.name
        db.session.commit()

    # She compares on the chain stock screen, then takes A from the seller, delivered home.
    tablet.goto(f"{live_server}/stock?q={PHONE_A_SKU}")
    expect(tablet.locator(".chain-offers")).to_contain_text(seller)
    tablet.goto(f"{live_server}/appointments/{booking_id}")
    form = tablet.locator("form[action$='/home-delivery']")
    form.locator("select[name=line_id]").select_option(label=f"{_product_name(app, PHONE_A_SKU)} × 1")
    form.locator("select[name=offer_id]").select_option(str(offer_id))
    form.locator("input[name=address]").fill("12 rue de Rivoli, 75004 Paris")
    form.locator("input[name=latitude]").fill("48.8556")
    form.locator("input[name=longitude]").fill("2.3600")
    screenshot(tablet, "appointment-at-the-appointment")
    form.locator("button[type=submit]").click()
    expect(tablet.locator("#appointment")).to_contain_text("Home-delivery order:")
    screenshot(tablet, "appointment-ended-home-delivery")
    assert not far.console_errors and not tablet.console_errors and not phone.console_errors

    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking.status == BookingStatus.HOME_DELIVERY
        assert booking.order.status == OrderStatus.CANCELLED  # B, C and A back for others
        home = booking.follow_up_order
        assert (home.lines[0].product.sku, home.lines[0].offer_id) == (PHONE_A_SKU, offer_id)
        assert ledger_mismatches() == []


def _product_name(app, sku: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Product.name).filter_by(sku=sku))
