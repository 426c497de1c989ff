"""Availability is exact: whatever any process writes (a unit sold, a price, a buffer, a key
disabled), the next read shows it, though each process keeps what it read before."""
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from omni_store.catalog.models import Product
from omni_store.extensions import db as _db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Channel
from tests import factories

ASK = "/api/v1/availability?sku=PH-A&store=PAR-NEA"


def committed_elsewhere(app, *statements: str) -> None:
    """Writes by another connection, as another app process or psql would make them."""
    def write():
        with app.app_context():
            with _db.engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement))

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()


@pytest.fixture
def phone(db):
    """The ids of a phone with 3 units at PAR-NEA and one marketplace offer."""
    store = factories.store("PAR-NEA")
    phone = factories.product("PH-A", name="Phone Alpha", price_cents=79900)
    factories.stock(store, phone, 3)
    factories.marketplace_offer(phone, "SELL-1", 70000)
    ids = SimpleNamespace(product=phone.id, store=store.id)
    db.session.commit()  # and nothing read after it: the test holds no SQLite lock
    return ids


def ask(client, auth) -> dict:
    response = client.get(ASK, headers=auth)
    assert response.status_code == 200
    return response.get_json()


def test_a_unit_sold_by_another_process_is_gone_at_the_next_read(app, client, db, auth, phone):
    assert ask(client, auth)["product"]["web_atp"] == 3
    assert ask(client, auth)["product"]["web_atp"] == 3  # an answer kept for this minute

    def sell_one():
        with app.app_context():
            product = _db.session.get(Product, phone.product)
            assert inventory.allocate(phone.store, product, 1, Channel.WEB)
            _db.session.commit()

    worker = threading.Thread(target=sell_one)
    worker.start()
    worker.join()

    body = ask(client, auth)
    assert body["product"]["web_atp"] == 2
    assert body["locations"][0]["web_atp"] == 2


def test_a_buffer_a_price_and_a_name_changed_elsewhere_show_at_once(app, client, db, auth, phone):
    before = ask(client, auth)
    assert before["offers"][0]["price_cents"] == 70000

    committed_elsewhere(
        app, f"INSERT INTO buffer (channel, product_id, quantity) VALUES ('web', {phone.product}, 1)")
    assert ask(client, auth)["product"]["web_atp"] == 2

    committed_elsewhere(app, f"UPDATE product SET name = 'Phone Alpha (2026)' WHERE id = {phone.product}")
    assert ask(client, auth)["product"]["name"] == "Phone Alpha (2026)"

    committed_elsewhere(app, f"UPDATE offer SET price_cents = 65000 WHERE product_id = {phone.product}")
    after = ask(client, auth)
    assert after["offers"][0]["price_cents"] == 65000
    marketplace = [o for o in after["delivery_options"] if o["method"] == "marketplace"]
    assert marketplace[0]["price_cents"] == 65000


def test_a_key_disabled_elsewhere_is_refused_at_the_next_request(app, client, db, auth, phone):
    assert client.get(ASK, headers=auth).status_code == 200

    committed_elsewhere(app, "UPDATE api_client SET active = false")

    assert client.get(ASK, headers=auth).status_code == 401


def test_an_answer_kept_costs_two_small_statements(client, db, auth, phone):
    ask(client, auth)
    with factories.counted_statements() as statements:
        ask(client, auth)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2  # the read models' tokens, and the product's stock levels
    assert "stock_level" in reads[1]
