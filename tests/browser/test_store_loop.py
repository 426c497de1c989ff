"""The store-side loop of the acceptance story on tablets, with a scanner only (type + Enter):
an order at PAR-RIV fed by PAR-RIV and PAR-BAS is picked at both stores, packed, labelled,
loaded and dispatched at PAR-BAS, received and isolated at PAR-RIV, and handed over."""
from playwright.sync_api import expect
from sqlalchemy import select

from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Barcode, Product
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import Location
from omni_store.orders.models import Order, OrderStatus
from omni_store.fulfilment.placing import place_order
from omni_store.orders.intake import OrderRequest
from omni_store.tasks.models import TaskKind
from tests.browser.conftest import TABLET, pick_one_unit, scan, screenshot, sign_in, task_id


def order_from_two_stores(app) -> tuple[str, str, int]:
    """Two units of a book PAR-RIV and PAR-BAS each hold once: one unit from each."""
    with app.app_context():
        stores = {loc.code: loc for loc in db.session.scalars(
            select(Location).where(Location.code.in_(["PAR-RIV", "PAR-BAS"])))}
        ean = make_ean13("299000000077")
        product = Product(sku="LOOP-BOOK-1", name="Le Tour du monde en 80 colis", brand="Omni",
                          category="books", price_cents=1990, barcodes=[Barcode(code=ean)])
        db.session.add(product)
        db.session.flush()
        for store in stores.values():
            inventory.receive(store.id, product.id, 1, inventory.Ref("test:setup"))
        order = place_order(OrderRequest(
            email="loop.customer@test.example", first_name="Sofia", last_name="Lambert",
            lines=[(product.sku, 2)], delivery_method="pickup", pickup_store_code="PAR-RIV"))
        sources = {a.location.code for a in order.lines[0].allocations}
        assert sources == {"PAR-RIV", "PAR-BAS"}
        db.session.commit()
        return order.number, ean, product.id


def test_order_from_two_stores_is_picked_shuttled_isolated_and_handed_over(app, live_server, new_page):
    number, ean, product_id = order_from_two_stores(app)
    base = live_server

    bastille = new_page(TABLET)
    bastille.on("dialog", lambda dialog: dialog.accept())
    sign_in(bastille, base, "associate@bastille.demo")
    pick_one_unit(bastille, base, task_id(app, number, TaskKind.PICK, "PAR-BAS"), ean)
    bastille.goto(f"{base}/tasks/{task_id(app, number, TaskKind.PACK, 'PAR-BAS')}")
    scan(bastille, ean)
    bastille.get_by_role("button", name="Seal and print the label").click()
    bastille.wait_for_selector(".label-sheet")
    parcel_code = bastille.inner_text(".label-qrcode figcaption").strip()
    screenshot(bastille, "loop-1-label-bastille")
    bastille.get_by_role("link", name="Run manifest").click()
    scan(bastille, parcel_code)
    bastille.wait_for_selector("#run-screen .parcel-loaded")
    bastille.get_by_role("button", name="Dispatch the van").click()
    bastille.wait_for_selector("#run-screen:has-text('on the road')")
    screenshot(bastille, "loop-2-dispatched-bastille")

    rivoli = new_page(TABLET)
    sign_in(rivoli, base, "associate@rivoli.demo")
    pick_one_unit(rivoli, base, task_id(app, number, TaskKind.PICK, "PAR-RIV"), ean)
    rivoli.goto(f"{base}/shuttles/receive")
    scan(rivoli, parcel_code)
    rivoli.wait_for_selector("#count-screen")
    scan(rivoli, ean)
    rivoli.wait_for_selector("#count-screen .count-input[value='1']")
    rivoli.get_by_role("button", name="Confirm the receipt").click()
    rivoli.wait_for_selector("#received-screen")
    screenshot(rivoli, "loop-3-received-rivoli")

    # Both units are here now: the isolate task has appeared in Today.
    rivoli.goto(f"{base}/?show=all")
    isolate_id = task_id(app, number, TaskKind.ISOLATE, "PAR-RIV")
    rivoli.locator(f"a[href='/tasks/{isolate_id}']").click()
    slot = rivoli.locator(".slot-code").inner_text().strip()
    scan(rivoli, slot)
    rivoli.wait_for_selector("#task-screen[data-status='done']")
    screenshot(rivoli, "loop-4-isolated-rivoli")

    rivoli.get_by_role("link", name="Counter").click()
    rivoli.fill("#q", number)
    rivoli.press("#q", "Enter")
    expect(rivoli.locator(".hold-slot")).to_contain_text(slot)
    for _unit in range(2):
        rivoli.fill("#code", ean)
        rivoli.press("#code", "Enter")
        expect(rivoli.locator("[role=status]")).to_contain_text("Scanned:")
    expect(rivoli.locator(".handover-line.is-complete")).to_have_count(1)
    rivoli.click("#handover-step button[type=submit]")
    expect(rivoli.locator(".chip-status")).to_have_text("Handed over")
    screenshot(rivoli, "loop-5-handed-over-rivoli")
    assert bastille.console_errors == [] and rivoli.console_errors == []

    with app.app_context():
        order = db.session.scalar(select(Order).filter_by(number=number))
        assert order.status == OrderStatus.HANDED_OVER
        levels = [(lv.on_hand, lv.allocated)
                  for lv in db.session.scalars(select(StockLevel).filter_by(product_id=product_id))]
        assert levels == [(0, 0), (0, 0)]  # one unit sold from each store's shelf, nothing left promised
        assert ledger_mismatches() == []
