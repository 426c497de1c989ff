"""The acceptance story's appointment, end to end (DESIGN §5).

The customer's phone speaks to the e-commerce front, which calls the JSON API: she
reserves phone A with an appointment tonight, moves it to a later evening and adds B and C
to compare. The far store picks B and sends it on the shuttle; Rivoli's associates see
where each phone is, receive B and C (from the supplier), and isolate the three together.
At the appointment she prefers A from a marketplace seller, delivered home: the associate
orders it from the booking screen and the phones go back on the shelves.
"""
import json
import urllib.request
from datetime import timedelta
from types import SimpleNamespace
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
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import Location
from omni_store.orders.models import Order, OrderStatus
from omni_store.tasks.models import Task, TaskKind
from tests.browser.conftest import (
    PHONE,
    TABLET,
    pick_one_unit,
    scan,
    screenshot,
    sign_in,
    task_id,
)

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

    # 40 km away, the far store's associate picks B, packs it and puts it on the shuttle.
    far = new_page(TABLET)
    far.on("dialog", lambda dialog: dialog.accept())
    sign_in(far, live_server, "associate@meaux.demo")
    expect(far.locator("main")).to_contain_text(_product(app, PHONE_B_SKU).name)
    screenshot(far, "appointment-far-store-today")
    ean_b = _product(app, PHONE_B_SKU).ean
    pick_one_unit(far, live_server, task_id(app, number, TaskKind.PICK, FAR_STORE_CODE), ean_b)
    far.goto(f"{live_server}/tasks/{task_id(app, number, TaskKind.PACK, FAR_STORE_CODE)}")
    scan(far, ean_b)
    far.get_by_role("button", name="Seal and print the label").click()
    far.wait_for_selector(".label-sheet")
    parcel_code = far.inner_text(".label-qrcode figcaption").strip()
    far.get_by_role("link", name="Run manifest").click()
    scan(far, parcel_code)
    far.wait_for_selector("#run-screen .parcel-loaded")
    far.get_by_role("button", name="Dispatch the van").click()
    far.wait_for_selector("#run-screen:has-text('on the road')")

    # At Rivoli: where each phone is.
    tablet = new_page(TABLET)
    sign_in(tablet, live_server, "associate@rivoli.demo")
    tablet.click("nav >> text=Appointments")
    entry = tablet.locator("li", has_text=number)
    expect(entry).to_contain_text("here")
    expect(entry).to_contain_text(f"in a parcel on the way ({parcel_code})")
    expect(entry).to_contain_text(f"at the supplier {PHONE_SUPPLIER_CODE}")
    screenshot(tablet, "appointments-tablet")
    phone = new_page(PHONE)
    sign_in(phone, live_server, "associate@rivoli.demo")
    phone.goto(f"{live_server}/appointments")
    screenshot(phone, "appointments-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Before the appointment: A picked here, B off the shuttle, C from the supplier's van,
    # and the three isolated together in one hold slot.
    pick_one_unit(tablet, live_server, task_id(app, number, TaskKind.PICK, STORE),
                  _product(app, PHONE_A_SKU).ean)
    tablet.goto(f"{live_server}/shuttles/receive")
    scan(tablet, parcel_code)
    _count_and_confirm(tablet, ean_b)
    tablet.goto(f"{live_server}/shuttles/receive/{_receive_task_of(app, number, PHONE_C_SKU)}")
    _count_and_confirm(tablet, _product(app, PHONE_C_SKU).ean)
    tablet.goto(f"{live_server}/tasks/{task_id(app, number, TaskKind.ISOLATE, STORE)}")
    slot = tablet.locator(".slot-code").inner_text().strip()
    scan(tablet, slot)
    tablet.wait_for_selector("#task-screen[data-status='done']")
    tablet.goto(f"{live_server}/appointments")
    expect(tablet.locator("li", has_text=number).get_by_text(f"isolated in slot {slot}")).to_have_count(3)
    screenshot(tablet, "appointments-isolated-tablet")

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
    form.locator("select[name=line_id]").select_option(label=f"{_product(app, PHONE_A_SKU).name} × 1")
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
        # The three phones go back on Rivoli's shelves; C stays there for sale.
        restocks = db.session.scalars(select(Task).filter_by(
            order_id=booking.order_id, kind=TaskKind.RESTOCK)).all()
        assert sorted(t.product.sku for t in restocks) == sorted(
            [PHONE_A_SKU, PHONE_B_SKU, PHONE_C_SKU])
        assert {t.location.code for t in restocks} == {STORE}
        phone_c_here = db.session.scalar(select(StockLevel).join(StockLevel.product).join(
            StockLevel.location).where(Product.sku == PHONE_C_SKU, Location.code == STORE))
        assert (phone_c_here.on_hand, phone_c_here.allocated) == (1, 0)
        assert ledger_mismatches() == []


def _product(app, sku: str) -> SimpleNamespace:
    """The name an associate reads and the barcode they scan."""
    with app.app_context():
        product = db.session.scalar(select(Product).filter_by(sku=sku))
        return SimpleNamespace(name=product.name, ean=product.ean)


def _receive_task_of(app, number: str, sku: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Task.id).join(Task.order).join(Task.product)
            .where(Order.number == number, Task.kind == TaskKind.RECEIVE, Product.sku == sku))


def _count_and_confirm(page, ean: str) -> None:
    page.wait_for_selector("#count-screen")
    scan(page, ean)
    page.wait_for_selector("#count-screen .count-input[value='1']")
    page.get_by_role("button", name="Confirm the receipt").click()
    page.wait_for_selector("#received-screen")
