"""Chain stock: where a product is in the chain and on the marketplace, and ordering it
for the customer standing in front of the associate."""
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from omni_store.auth.models import Role
from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Offer
from omni_store.extensions import db as _db
from omni_store.orders.models import DeliveryMethod, Order
from omni_store.shuttles.models import Parcel, ParcelKind, ParcelLine, ParcelStatus
from omni_store.tasks.models import Task, TaskKind
from tests import factories


@pytest.fixture
def chain(db):
    rivoli = factories.store("PAR-RIV", 48.8600, 2.3470)
    bastille = factories.store("PAR-BAS", 48.8532, 2.3691)  # 1.8 km
    defense = factories.store("PAR-DEF", 48.8918, 2.2362)  # 8.8 km
    warehouse = factories.warehouse("WH-GEN", 48.9333, 2.3000)
    supplier = factories.supplier("SUP-TECH", lead_time_days=4)
    factories.shuttle_route(bastille, rivoli, ["08:00", "14:00"], transit_minutes=45)
    phone = factories.product("PHN-B", "Pixelle 8", price_cents=74900)
    _db.session.commit()
    return SimpleNamespace(rivoli=rivoli, bastille=bastille, defense=defense,
                           warehouse=warehouse, supplier=supplier, phone=phone)


@pytest.fixture
def associate(login, chain):
    return login(Role.ASSOCIATE, chain.rivoli)


def shelve(*pairs):
    for location, product, quantity in pairs:
        factories.stock(location, product, quantity)
    _db.session.commit()


def page(client, query, **headers):
    response = client.get("/stock", query_string={"q": query}, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post(client, path, sku, **fields):
    form = {"csrf_token": factories.csrf_token(client, f"/stock?q={sku}"), "sku": sku,
            "first_name": "Camille", "last_name": "Martin", "email": "camille@test.example",
            "quantity": "1", **fields}
    return client.post(path, data=form)


def orders():
    return _db.session.scalar(select(func.count()).select_from(Order))


def test_the_search_form_without_a_query(client, associate):
    html = page(client, "")

    assert 'id="chain-stock-form"' in html and 'aria-current="page">Chain stock' in html
    assert "scan a barcode" in html


def test_every_location_here_first_then_stores_by_distance_then_warehouses_and_suppliers(
        client, associate, chain, hx):
    shelve((chain.supplier, chain.phone, 9), (chain.warehouse, chain.phone, 5),
           (chain.defense, chain.phone, 2), (chain.bastille, chain.phone, 1),
           (chain.rivoli, chain.phone, 1))
    factories.marketplace_offer(chain.phone, "DEAR", 79900, shipping_cents=0)
    factories.marketplace_offer(chain.phone, "CHEAP", 69900, shipping_cents=1000, lead_time_days=3)
    _db.session.commit()

    html = page(client, "PHN-B", **hx)

    assert not html.lstrip().startswith("<!doctype")  # the fragment only
    assert re.findall(r'data-location="([^"]+)"', html) == [
        "PAR-RIV", "PAR-BAS", "PAR-DEF", "WH-GEN", "SUP-TECH"]
    assert "PAR-BAS shuttle (cut-off" in html
    assert re.findall(r'data-seller="([^"]+)"', html) == ["CHEAP", "DEAR"]  # by total
    assert "saves €40.00" in html and "€50.00 more" in html


def test_parcels_on_the_way_and_units_in_the_backroom(client, associate, chain):
    shelve((chain.bastille, chain.phone, 3))
    factories.task(chain.bastille, TaskKind.RESTOCK, product_id=chain.phone.id, quantity=2)
    parcel = Parcel(code="PCL-42", kind=ParcelKind.SHUTTLE, status=ParcelStatus.IN_TRANSIT,
                    origin_id=chain.warehouse.id, destination_id=chain.defense.id,
                    expected_at=datetime(2030, 1, 8, 9, 30, tzinfo=UTC))
    parcel.lines.append(ParcelLine(product_id=chain.phone.id, quantity=4))
    _db.session.add(parcel)
    _db.session.commit()

    html = page(client, "PHN-B")

    bastille = re.search(r'data-location="PAR-BAS".*?</li>', html, re.S).group(0)
    assert re.search(r"Backroom</dt><dd>2<", bastille)
    moving = re.search(r"Parcel PCL-42.*?</li>", html, re.S).group(0)
    assert "WH-GEN → PAR-DEF" in moving and "In transit</dt><dd>4<" in moving
    assert "arrives Tue 8 Jan 10:30" in moving  # shown in the store's time (Paris)


def test_a_scanned_barcode_finds_the_product(client, associate, chain):
    shelve((chain.bastille, chain.phone, 1))

    html = page(client, chain.phone.ean)

    assert "Pixelle 8" in html and 'data-location="PAR-BAS"' in html


def test_unknown_and_misread_barcodes_say_so(client, associate, chain):
    unknown = make_ean13("300000000999")
    misread = unknown[:-1] + str((int(unknown[-1]) + 1) % 10)

    assert f"No product with barcode {unknown}." in page(client, unknown)
    assert "is not a valid barcode" in page(client, misread)


def test_several_matches_let_the_associate_choose(client, associate, chain):
    factories.product("PHN-B2", "Pixelle 8 Pro")
    _db.session.commit()

    html = page(client, "Pixelle")

    assert "Several products match" in html and "/stock?q=PHN-B2" in html


def test_comparable_products_with_their_availability(client, associate, chain):
    phone_a = factories.product("PHN-A", "Nova X5", price_cents=79900)
    factories.product("TV-1", "Télé", category="tv")
    shelve((chain.rivoli, phone_a, 3), (chain.bastille, phone_a, 2))
    factories.marketplace_offer(phone_a, "SELL", 70000)
    _db.session.commit()

    html = page(client, "PHN-B")

    row = re.search(r"Nova X5</a></td>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[1:3] == ["3", "2"]
    assert "from €700.00" in row and "Télé" not in html


def test_reserve_here_from_another_store_starts_its_work(client, associate, chain):
    shelve((chain.bastille, chain.phone, 1), (chain.warehouse, chain.phone, 3))

    response = post(client, "/stock/reserve", "PHN-B", source="PAR-BAS")

    assert response.status_code == 303
    order = _db.session.scalar(select(Order))
    assert response.headers["Location"].endswith(f"placed={order.number}")
    assert (order.delivery_method, order.pickup_location.code) == (DeliveryMethod.RESERVE, "PAR-RIV")
    assert [a.location.code for a in order.lines[0].allocations] == ["PAR-BAS"]
    work = {(t.kind, t.location.code) for t in _db.session.scalars(select(Task))}
    assert work == {(TaskKind.PICK, "PAR-BAS"), (TaskKind.PACK, "PAR-BAS"),
                    (TaskKind.RECEIVE, "PAR-RIV")}
    assert f"Order {order.number} placed." in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_htmx_reservation_is_followed_to_the_result(client, associate, chain, hx):
    shelve((chain.bastille, chain.phone, 1))
    form = {"csrf_token": factories.csrf_token(client, "/stock?q=PHN-B"), "sku": "PHN-B",
            "first_name": "Camille", "email": "c@test.example", "quantity": "1", "source": "PAR-BAS"}

    response = client.post("/stock/reserve", data=form, headers=hx)

    assert response.status_code == 200 and "placed=" in response.headers["HX-Redirect"]


@pytest.mark.parametrize("fields, status, message", [
    ({"source": "PAR-BAS", "email": "not-an-email"}, 422, "valid email address"),
    ({"source": "PAR-BAS", "first_name": " "}, 422, "first name"),
    ({"source": "PAR-BAS", "quantity": "two"}, 422, "whole number from 1 to 999"),
    ({"source": "PAR-BAS", "quantity": "2"}, 409, "Not enough Pixelle 8"),
    ({"source": "NOWHERE"}, 404, "Choose the location"),
    ({"source": "PAR-DEF"}, 409, "Not enough"),  # no stock there: the only allowed source
])
def test_a_bad_reservation_says_why_and_writes_nothing(client, associate, chain, hx, fields,
                                                       status, message):
    shelve((chain.bastille, chain.phone, 1), (chain.warehouse, chain.phone, 5))
    form = {"csrf_token": factories.csrf_token(client, "/stock?q=PHN-B"), "sku": "PHN-B",
            "first_name": "Camille", "email": "c@test.example", "quantity": "1", **fields}

    response = client.post("/stock/reserve", data=form, headers=hx)

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert orders() == 0


def test_home_delivery_from_own_stock(client, associate, chain):
    shelve((chain.warehouse, chain.phone, 3))

    response = post(client, "/stock/home", "PHN-B", address="2 rue Hoche, Courbevoie",
                    latitude="48,895", longitude="2.25")

    assert response.status_code == 303
    order = _db.session.scalar(select(Order))
    assert (order.delivery_method, order.ship_latitude) == (DeliveryMethod.HOME, 48.895)
    assert [a.location.code for a in order.lines[0].allocations] == ["WH-GEN"]


def test_home_delivery_by_a_marketplace_seller(client, associate, chain):
    offer = factories.marketplace_offer(chain.phone, "SELL", 69900, shipping_cents=500, stock=2)
    _db.session.commit()

    response = post(client, "/stock/home", "PHN-B", offer=str(offer.id),
                    address="2 rue Hoche", latitude="48.895", longitude="2.25")

    assert response.status_code == 303
    order = _db.session.scalar(select(Order))
    (line,) = order.lines
    assert (order.number[0], line.offer_id, line.unit_price_cents, line.allocations) == (
        "M", offer.id, 69900, [])
    assert _db.session.scalar(select(Offer.stock).where(Offer.id == offer.id)) == 1


@pytest.mark.parametrize("fields, status, message", [
    ({"latitude": None, "longitude": "east"}, 422, "valid coordinates"),
    ({"address": "", "latitude": "48.9", "longitude": "2.2"}, 422, "delivery address"),
    ({"offer": "abc"}, 422, "Choose an offer"),
    ({"offer": "999999"}, 404, "does not exist"),
    ({"offer": "SOLD"}, 409, "no longer has 1 in stock"),
])
def test_a_bad_home_order_says_why_and_writes_nothing(client, associate, chain, hx, fields,
                                                      status, message):
    sold_out = factories.marketplace_offer(chain.phone, "SOLD", 69900, stock=0)
    shelve((chain.warehouse, chain.phone, 3))
    if fields.get("offer") == "SOLD":
        fields["offer"] = str(sold_out.id)
    form = {"csrf_token": factories.csrf_token(client, "/stock?q=PHN-B"), "sku": "PHN-B",
            "first_name": "Camille", "email": "c@test.example", "quantity": "1",
            "address": "2 rue Hoche", "latitude": "48.9", "longitude": "2.2"} | fields
    form = {key: value for key, value in form.items() if value is not None}

    response = client.post("/stock/home", data=form, headers=hx)

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert orders() == 0


def test_the_screen_needs_a_signed_in_user(client, chain):
    response = client.get("/stock?q=PHN-B")

    assert response.status_code == 302
    assert response.location == "/login?next=/stock?q%3DPHN-B"  # back to the search after
    assert "Pixelle 8" not in response.get_data(as_text=True)
    assert 'name="password"' in client.get(response.location).get_data(as_text=True)


def test_no_query_per_location_parcel_or_offer(client, associate, chain, hx):
    shelve((chain.bastille, chain.phone, 1))
    factories.marketplace_offer(chain.phone, "ONE", 70000)
    factories.product("PHN-C", "Another phone")
    _db.session.commit()
    page(client, "PHN-B", **hx)  # read models loaded, here and below
    with factories.counted_statements() as few:
        page(client, "PHN-B", **hx)
    for n in range(6):
        other = factories.store(f"PAR-X{n}", 48.85 + n / 100, 2.35)
        factories.shuttle_route(other, chain.rivoli, ["14:00"])
        factories.stock(other, chain.phone, 2)
        factories.marketplace_offer(chain.phone, f"MORE{n}", 70000 + n)
        factories.product(f"PHN-C{n}", f"Other phone {n}")
    _db.session.commit()
    page(client, "PHN-B", **hx)

    with factories.counted_statements() as many:
        html = page(client, "PHN-B", **hx)

    assert html.count("data-location=") == 7 and html.count("data-seller=") == 7
    assert len(many) == len(few)


def test_a_product_in_many_stores_lists_the_nearest_and_offers_every_store(client, associate,
                                                                           chain, hx):
    shelve((chain.rivoli, chain.phone, 1), (chain.warehouse, chain.phone, 3))
    for n in range(14):  # further and further north of Rivoli
        factories.stock(factories.store(f"NRD-{n:02d}", 48.87 + n / 10, 2.347), chain.phone, 2)
    _db.session.commit()
    page(client, "PHN-B", **hx)  # the network read model is loaded once for both below
    with factories.counted_statements() as nearest_only:
        html = page(client, "PHN-B", **hx)

    listed = re.findall(r'data-location="([^"]+)"', html)
    assert listed == ["PAR-RIV"] + [f"NRD-{n:02d}" for n in range(10)] + ["WH-GEN"]
    assert "4 more stores have it: show every store" in html
    # Right after the stores listed, before the warehouse.
    assert html.index("show every store") < html.index('data-location="WH-GEN"')

    with factories.counted_statements() as every_store:
        response = client.get("/stock", query_string={"q": "PHN-B", "all": "1"}, headers=hx)
    html = response.get_data(as_text=True)
    listed = re.findall(r'data-location="([^"]+)"', html)
    assert listed == ["PAR-RIV"] + [f"NRD-{n:02d}" for n in range(14)] + ["WH-GEN"]
    assert "show every store" not in html
    assert len(every_store) == len(nearest_only)
