"""GET /products and GET /availability: chain-wide, web buffers applied, by contract."""
from omni_store.catalog.models import Offer, Product, Seller
from omni_store.inventory.models import Buffer, Channel
from tests import factories
from tests.factories import counted_statements


def _phone_in_two_stores(db):
    near = factories.store("PAR-NEA", lat=48.8600, lon=2.3470)
    far = factories.store("LYO-FAR", lat=45.7640, lon=4.8357)
    phone = factories.product("PH-A", name="Phone Alpha", price_cents=79900, brand="Omni")
    factories.stock(near, phone, 5)
    factories.stock(far, phone, 3)
    db.session.add(Buffer(channel=Channel.WEB, location_id=near.id, product_id=phone.id,
                          quantity=2))
    db.session.commit()
    return near, far, phone


def test_products_search_by_name_sku_and_ean_with_chain_web_atp(client, db, auth, contract):
    _near, _far, phone = _phone_in_two_stores(db)
    factories.product("CASE-1", name="Phone case")
    db.session.commit()

    by_name = contract(client.get("/api/v1/products?q=alpha", headers=auth), "/products", "get")
    assert [item["sku"] for item in by_name["items"]] == ["PH-A"]
    assert by_name["items"][0] | {"eans": None} == {
        "sku": "PH-A", "name": "Phone Alpha", "brand": "Omni", "category": "phones",
        "eans": None, "price_cents": 79900, "currency": "EUR",
        "web_atp": 6,  # 5 - 2 kept back for the store + 3
    }
    by_ean = client.get(f"/api/v1/products?q={phone.ean}", headers=auth).get_json()
    assert [item["sku"] for item in by_ean["items"]] == ["PH-A"]
    by_sku = client.get("/api/v1/products?q=case-1", headers=auth).get_json()
    assert by_sku["items"][0]["sku"] == "CASE-1" and by_sku["items"][0]["web_atp"] == 0


def test_products_pagination(client, db, auth, contract):
    for n in range(5):
        factories.product(f"PG-{n}", name=f"Paged {n}")
    db.session.commit()
    page = contract(client.get("/api/v1/products?q=paged&page=2&per_page=2", headers=auth),
                    "/products", "get")
    assert [item["sku"] for item in page["items"]] == ["PG-2", "PG-3"]
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 5)
    beyond = client.get("/api/v1/products?q=paged&page=9&per_page=2", headers=auth).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5


def test_products_bad_parameters_are_422_naming_the_field(client, auth, contract):
    for query, field in [("per_page=0", "per_page"), ("per_page=500", "per_page"),
                         ("page=-1", "page"), ("page=abc", "page"), ("page=10001", "page"),
                         ("page=" + "9" * 5000, "page"), ("page=", "page"),
                         ("q=" + "x" * 101, "q"), ("q=a%00", "q"), ("sort=name", "sort")]:
        response = client.get(f"/api/v1/products?{query}", headers=auth)
        body = contract(response, "/products", "get")
        assert response.status_code == 422, query
        assert body["errors"][0]["field"] == field


def test_products_run_a_fixed_number_of_queries(client, db, auth):
    store = factories.store("PAR-QRY")

    def statements_with_products(total):
        while db.session.query(Product).count() < total:
            factories.stock(store, factories.product(name="Counted thing"), 2)
        db.session.commit()
        client.get("/api/v1/products?q=counted", headers=auth)  # read models loaded
        with counted_statements() as statements:
            body = client.get("/api/v1/products?q=counted&per_page=100", headers=auth).get_json()
        assert len(body["items"]) == total
        return len(statements)

    assert statements_with_products(1) == statements_with_products(20)


def _offers(db, phone):
    good = Seller(code="SELL-1", name="Good Deals", rating=4.6)
    cheap = Seller(code="SELL-2", name="Cheap Co", rating=3.9)
    db.session.add_all([
        Offer(seller=good, product=phone, price_cents=74900, shipping_cents=0, stock=4,
              lead_time_days=3),
        Offer(seller=cheap, product=phone, price_cents=72900, shipping_cents=990, stock=1,
              lead_time_days=5),
        Offer(seller=cheap, product=phone, condition="used", price_cents=40000, stock=0),
    ])
    db.session.commit()


def test_availability_near_a_position(client, db, auth, contract):
    _near, _far, phone = _phone_in_two_stores(db)
    _offers(db, phone)

    response = client.get("/api/v1/availability?sku=PH-A&lat=48.85&lon=2.35", headers=auth)
    body = contract(response, "/availability", "get")
    assert body["product"]["web_atp"] == 6
    assert [(row["code"], row["on_hand"], row["web_atp"]) for row in body["locations"]] == [
        ("PAR-NEA", 5, 3), ("LYO-FAR", 3, 3)]
    assert body["locations"][0]["distance_km"] < 2
    assert body["locations"][1]["distance_km"] > 300
    # In stock only, cheapest total (price + shipping) first.
    assert [(o["seller"]["code"], o["total_cents"]) for o in body["offers"]] == [
        ("SELL-2", 73890), ("SELL-1", 74900)]
    assert body["offers"][0] == {
        "seller": {"code": "SELL-2", "name": "Cheap Co", "rating": 3.9}, "condition": "new",
        "price_cents": 72900, "shipping_cents": 990, "total_cents": 73890, "stock": 1,
        "lead_time_days": 5}
    marketplace = [o for o in body["delivery_options"] if o["method"] == "marketplace"]
    assert {o["source"] for o in marketplace} == {"SELL-1", "SELL-2"}


def test_availability_for_a_store_starts_with_it(client, db, auth, contract):
    _phone_in_two_stores(db)
    response = client.get("/api/v1/availability?sku=ph-a&store=lyo-far", headers=auth)
    body = contract(response, "/availability", "get")
    assert body["origin"]["store"] == "LYO-FAR"
    assert [row["code"] for row in body["locations"]] == ["LYO-FAR", "PAR-NEA"]
    assert body["locations"][0]["distance_km"] == 0
    # The promise engine's options for this store: collected here first, by date.
    pickups = [o for o in body["delivery_options"] if o["method"] == "pickup"]
    assert [o["source"] for o in pickups][:1] == ["LYO-FAR"]
    assert all(o["explanation"] for o in body["delivery_options"])
    dates = [o["date"] for o in body["delivery_options"]]
    assert dates == sorted(dates)


def test_availability_bad_input(client, db, auth, contract):
    _phone_in_two_stores(db)
    factories.warehouse("WH-1")
    db.session.commit()
    cases = [
        ("", 422, "sku"),
        ("sku=%20", 422, "sku"),
        ("sku=PH-A&lat=48.8", 422, "lon"),
        ("sku=PH-A&lat=91&lon=2", 422, "lat"),
        ("sku=PH-A&lat=abc&lon=2", 422, "lat"),
        ("sku=PH-A&lat=1e999&lon=2", 422, "lat"),
        ("sku=PH-A&lat=nan&lon=2", 422, "lat"),
        (f"sku=PH-A&lat={'9' * 5000}&lon=2", 422, "lat"),
        ("sku=PH-A&lat=1&lat=2&lon=2", 422, "lat"),
        ("sku=PH-A&store=", 422, "store"),
        ("sku=PH-A&limit=0", 422, "limit"),
        (f"sku=PH-A&limit={'9' * 5000}", 422, "limit"),
        ("sku=PH-A&near=PAR-NEA", 422, "near"),
        ("sku=PH-A%00", 422, "sku"),
        ("sku=PH-A&store=NOPE", 404, "store"),
        ("sku=PH-A&store=WH-1", 404, "store"),
        ("sku=UNKNOWN", 404, "sku"),
    ]
    for query, status, field in cases:
        response = client.get(f"/api/v1/availability?{query}", headers=auth)
        body = contract(response, "/availability", "get")
        assert response.status_code == status, query
        assert body["detail"]
        if field:
            assert body["errors"][0]["field"] == field, query


def test_availability_lists_the_nearest_locations_and_costs_the_same_for_a_whole_chain(
        client, db, auth, contract):
    near, _far, phone = _phone_in_two_stores(db)
    paris = "sku=PH-A&store=PAR-NEA"
    client.get(f"/api/v1/availability?{paris}", headers=auth)  # the network read model loads
    with counted_statements() as two_stores:
        small = contract(client.get(f"/api/v1/availability?{paris}", headers=auth),
                         "/availability", "get")
    for n in range(30):  # a chain: stores further and further south, each with shuttles
        store = factories.store(f"SUD-{n:02d}", lat=48.80 - n / 10, lon=2.35)
        factories.shuttle_route(store, near, ["09:00", "15:00"])
        factories.stock(store, phone, 2)
        factories.marketplace_offer(phone, f"SELL-{n:02d}", 70000 + n)
    db.session.commit()
    client.get(f"/api/v1/availability?{paris}", headers=auth)
    with counted_statements() as chain:
        body = contract(client.get(f"/api/v1/availability?{paris}&limit=5", headers=auth),
                        "/availability", "get")

    assert len(chain) == len(two_stores)
    assert len(small["locations"]) == small["locations_total"] == 2
    assert body["locations_total"] == 32
    assert [row["code"] for row in body["locations"]] == [
        "PAR-NEA", "SUD-00", "SUD-01", "SUD-02", "SUD-03"]
    assert body["product"]["web_atp"] == 3 + 3 + 30 * 2
    methods = [option["method"] for option in body["delivery_options"]]
    assert {method: methods.count(method) for method in set(methods)} == {
        "pickup": 3, "ship_from_store": 3, "marketplace": 3}
    assert [o["source"] for o in body["delivery_options"] if o["method"] == "marketplace"] == [
        "SELL-00", "SELL-01", "SELL-02"]  # the cheapest of 31 offers
