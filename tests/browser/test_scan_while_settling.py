"""A scan typed while the screen is still settling from the last one stays on the page.

htmx wires a swapped-in form when the swap settles; on a busy tablet a scanner's second
Enter can come first. That form must still post through htmx (the counter's running
count and its "Scanned:" line stay), never as a plain form that reloads the page.
"""
from playwright.sync_api import expect
from sqlalchemy import select

from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Barcode, Product
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.network.models import Location, Zone, ZoneKind
from omni_store.orders.models import Hold, HoldStatus
from tests import factories
from tests.browser.conftest import TABLET, scan, sign_in


def ready_order_of_two(app) -> tuple[int, str]:
    with app.app_context():
        store = db.session.scalar(select(Location).filter_by(code="PAR-RIV"))
        waiting = select(Hold.id).where(Hold.zone_id == Zone.id, Hold.status == HoldStatus.ACTIVE)
        slot = db.session.scalar(select(Zone).filter_by(location_id=store.id, kind=ZoneKind.HOLD)
                                 .where(~waiting.exists()).order_by(Zone.code))  # an empty one
        ean = make_ean13("299000000121")
        product = Product(sku="SETTLE-1", name="Enceinte Omni", brand="Omni", category="audio",
                          price_cents=4990, barcodes=[Barcode(code=ean)])
        db.session.add(product)
        db.session.flush()
        inventory.receive(store.id, product.id, 2, inventory.Ref("test:setup"))
        order = factories.ready_order(store, slot, [(product, 2)], first_name="Noé")
        db.session.commit()
        return order.id, ean


def test_a_second_scan_before_the_first_settles_still_goes_through_htmx(app, live_server, new_page):
    order_id, ean = ready_order_of_two(app)
    tablet = new_page(TABLET)
    sign_in(tablet, live_server, "associate@rivoli.demo")
    tablet.goto(f"{live_server}/counter/orders/{order_id}")
    plain_posts = []
    tablet.on("request", lambda request: plain_posts.append(request.url)
              if request.method == "POST" and "hx-request" not in request.headers else None)
    # A slow tablet: what a swap brings in is wired by htmx only a second and a half later.
    tablet.evaluate("htmx.config.defaultSettleDelay = 1500")

    scan(tablet, ean)
    expect(tablet.locator("[role=status]")).to_contain_text("Scanned: Enceinte Omni")
    scan(tablet, ean)

    expect(tablet.locator(".handover-line")).to_contain_text("2 / 2 scanned")
    expect(tablet.locator("[role=status]")).to_contain_text("Scanned: Enceinte Omni")
    assert plain_posts == []
    assert tablet.console_errors == []
