"""A parcel's whole trip on tablets: packed and labelled at PAR-BAS, loaded and dispatched
at its dock, received at PAR-RIV by scanning its label and its items."""
from sqlalchemy import select

from omni_store.auth.models import User
from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Barcode, Product
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import Location
from omni_store.orders.models import AllocationStatus, Order
from omni_store.fulfilment.placing import place_order
from omni_store.orders.intake import OrderRequest
from omni_store.shuttles.models import Parcel, ParcelStatus
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.services import claim_task, complete_task
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in

UNITS = 2
STOCK_AT_BASTILLE = 5


def order_fed_from_bastille(app) -> tuple[str, int, str, int]:
    """A pickup at PAR-RIV of a product only PAR-BAS holds, picked there already."""
    with app.app_context():
        bastille = db.session.scalar(select(Location).filter_by(code="PAR-BAS"))
        product = Product(sku="SHUTTLE-TEST-1", name="Casque Navette", brand="Omni",
                          category="accessories", price_cents=4900,
                          barcodes=[Barcode(code=make_ean13("299000000001"))])
        db.session.add(product)
        db.session.flush()
        inventory.receive(bastille.id, product.id, STOCK_AT_BASTILLE, inventory.Ref("test:setup"))
        order = place_order(OrderRequest(
            email="browser.shuttle@test.example", first_name="Lina", last_name="Roche",
            lines=[(product.sku, UNITS)], delivery_method="pickup", pickup_store_code="PAR-RIV"))
        tasks = {t.kind: t for t in db.session.scalars(select(Task).filter_by(order_id=order.id))}
        assert tasks[TaskKind.PICK].location_id == bastille.id
        picker = db.session.scalar(select(User.id).filter_by(email="associate@bastille.demo"))
        claim_task(tasks[TaskKind.PICK], picker)
        complete_task(tasks[TaskKind.PICK], picker)
        db.session.commit()
        return order.number, tasks[TaskKind.PACK].id, product.barcodes[0].code, product.id


def test_pack_label_load_dispatch_and_receive_a_shuttle_parcel(app, live_server, new_page):
    number, pack_id, ean, product_id = order_fed_from_bastille(app)

    page = new_page(TABLET)
    page.on("dialog", lambda dialog: dialog.accept())  # "Dispatch the van with 1 parcel?"
    sign_in(page, live_server, "associate@bastille.demo")
    page.goto(f"{live_server}/shuttles/pack/{pack_id}")
    page.wait_for_selector("#pack-screen [data-scan-field]")
    for packed in range(1, UNITS + 1):
        field = page.locator("[data-scan-field]")
        field.fill(ean)
        field.press("Enter")
        page.wait_for_selector(f".pack-item .progress strong:text-is('{packed}')")
    screenshot(page, "shuttle-pack-tablet")
    page.get_by_role("button", name="Seal and print the label").click()
    page.wait_for_selector(".label-sheet")
    assert "PAR-RIV" in page.inner_text(".label-to-code")
    assert page.locator(".label-qr path").count() == 1
    screenshot(page, "shuttle-label-tablet")
    page.emulate_media(media="print")
    screenshot(page, "shuttle-label-print")
    page.emulate_media(media="screen")
    code = page.inner_text(".label-qrcode figcaption").strip()

    page.get_by_role("link", name="Run manifest").click()
    page.wait_for_selector("#run-screen [data-scan-field]")
    field = page.locator("[data-scan-field]")
    field.fill(code)
    field.press("Enter")
    page.wait_for_selector("#run-screen .parcel-loaded")
    screenshot(page, "shuttle-manifest-tablet")
    page.get_by_role("button", name="Dispatch the van").click()
    page.wait_for_selector("#run-screen:has-text('on the road')")
    page.goto(f"{live_server}/shuttles/dock")
    screenshot(page, "shuttle-dock-tablet")
    assert page.console_errors == []

    with app.app_context():
        parcel = db.session.scalar(select(Parcel).filter_by(code=code))
        assert parcel.status == ParcelStatus.IN_TRANSIT

    receiver = new_page(TABLET)
    sign_in(receiver, live_server, "associate@rivoli.demo")
    receiver.get_by_role("link", name="Shuttles").click()
    receiver.get_by_role("link", name="Receive").click()
    receiver.wait_for_selector("#incoming")
    screenshot(receiver, "shuttle-receive-tablet")
    field = receiver.locator("[data-scan-field]")
    field.fill(code)
    field.press("Enter")
    receiver.wait_for_selector("#count-screen")
    for counted in range(1, UNITS + 1):
        field = receiver.locator("[data-scan-field]")
        field.fill(ean)
        field.press("Enter")
        receiver.wait_for_selector(f"#count-screen .count-input[value='{counted}']")
    screenshot(receiver, "shuttle-count-tablet")
    receiver.get_by_role("button", name="Confirm the receipt").click()
    receiver.wait_for_selector("#received-screen")
    assert "Everything is there" in receiver.inner_text("#received-screen")
    screenshot(receiver, "shuttle-received-tablet")
    assert receiver.console_errors == []

    with app.app_context():
        rivoli = db.session.scalar(select(Location).filter_by(code="PAR-RIV"))
        bastille = db.session.scalar(select(Location).filter_by(code="PAR-BAS"))
        levels = {
            level.location_id: (level.on_hand, level.allocated)
            for level in db.session.scalars(select(StockLevel).filter_by(product_id=product_id))
        }
        assert levels[bastille.id] == (STOCK_AT_BASTILLE - UNITS, 0)
        assert levels[rivoli.id] == (UNITS, UNITS)
        order = db.session.scalar(select(Order).filter_by(number=number))
        allocation = order.lines[0].allocations[0]
        assert (allocation.location_id, allocation.status) == (rivoli.id, AllocationStatus.ACTIVE)
        receive = db.session.scalar(select(Task).filter_by(order_id=order.id, kind=TaskKind.RECEIVE))
        assert receive.status == TaskStatus.DONE
        assert db.session.scalar(select(Task).filter_by(order_id=order.id, kind=TaskKind.ISOLATE))
        assert ledger_mismatches() == []


def test_shuttle_screens_fit_a_phone(live_server, new_page):
    page = new_page(PHONE)
    sign_in(page, live_server, "associate@bastille.demo")
    for path, name in (("/shuttles/dock", "shuttle-dock-phone"),
                       ("/shuttles/receive", "shuttle-receive-phone"),
                       ("/shuttles/carrier-manifest", "shuttle-carrier-manifest-phone")):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        screenshot(page, name)
    assert page.console_errors == []
