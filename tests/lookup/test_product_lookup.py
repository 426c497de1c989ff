import re

import pytest

from omni_store.auth.models import Role
from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Barcode
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Buffer, Channel
from omni_store.network.models import ZoneKind
from tests import factories


def lookup(client, query, **headers):
    response = client.get("/products", query_string={"q": query}, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def product_card(html: str, product) -> str:
    start = html.index(f'id="product-{product.id}"')
    return html[start:html.index("</li>", start)]


def available_to_sell(card: str) -> dict[str, int]:
    return {channel: int(quantity) for channel, quantity in
            re.findall(r'data-channel="(\w+)">\s*<dt>[^<]*</dt><dd>(\d+)</dd>', card)}


def figure(card: str, label: str) -> int:
    return int(re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", card).group(1))


@pytest.fixture
def store(db):
    return factories.store(code="PAR-RIV")


@pytest.fixture
def associate(login, store):
    return login(Role.ASSOCIATE, store)


def test_finds_by_part_of_the_name_or_brand_whatever_the_case(client, associate):
    kettle = factories.product(name="Blue Kettle 1.7 L", brand="Moulinex")
    factories.product(name="Toaster")

    by_name = lookup(client, "kettle")
    by_brand = lookup(client, "MOULI")

    assert f'id="product-{kettle.id}"' in by_name and "Toaster" not in by_name
    assert f'id="product-{kettle.id}"' in by_brand


def test_an_exact_sku_comes_first(client, associate):
    factories.product(sku="CASE-2", name="A case for phone CASE-1")
    case = factories.product(sku="CASE-1", name="Zebra case")

    html = lookup(client, "case-1")

    assert html.index(f'id="product-{case.id}"') < html.index("A case for phone")


def test_percent_and_underscore_are_searched_as_typed(client, associate):
    factories.product(name="Kettle")
    sale = factories.product(name="Sale 50% off")

    assert "Kettle" not in lookup(client, "%")
    assert f'id="product-{sale.id}"' in lookup(client, "50%")


def test_a_scanned_barcode_finds_its_product_even_a_second_barcode(client, db, associate):
    phone = factories.product(name="Pixel 9")
    second = make_ean13("400000000001")
    db.session.add(Barcode(product_id=phone.id, code=second))
    factories.product(name="Other")
    db.session.commit()

    for code in (phone.ean, second):
        html = lookup(client, f" {code} ")
        assert f'id="product-{phone.id}"' in html and "Other" not in html


def test_an_unknown_barcode_says_so(client, associate):
    code = make_ean13("999999999999")

    html = lookup(client, code)

    assert f"No product with barcode {code}." in html


def test_a_misread_barcode_is_not_valid(client, associate):
    product = factories.product()
    misread = product.ean[:12] + str((int(product.ean[12]) + 1) % 10)

    html = lookup(client, misread)

    assert f"{misread} is not a valid barcode." in html
    assert f'id="product-{product.id}"' not in html


def test_an_oversized_search_gets_a_clear_message(client, associate):
    html = lookup(client, "x" * 101)

    assert "That search is too long: 100 characters at most." in html


def test_an_empty_search_prompts_for_one(client, associate):
    for query in ("", "   "):
        html = lookup(client, query)
        assert "Type a product name, a brand or a SKU, or scan a barcode." in html
    assert 'autofocus' in html and 'name="q"' in html


def test_nothing_found_says_what_was_searched(client, associate):
    assert "No product matches “unicorn”." in lookup(client, "unicorn")


def test_shows_the_store_buckets_zone_and_available_to_sell_per_channel(client, db, store, associate):
    phone = factories.product(name="Pixel 9", category="phones")
    shelf = factories.zone(store, ZoneKind.BACKROOM, code="PAR-RIV-R3", name="Backroom shelf 3")
    factories.stock(store, phone, 10)
    assert inventory.allocate(store.id, phone, 3, Channel.STORE)
    inventory.to_quarantine(store.id, phone.id, 1)
    db.session.add_all([
        Buffer(channel=Channel.WEB, quantity=2),  # chain-wide
        Buffer(channel=Channel.MARKETPLACE, category="phones", quantity=3),
        Buffer(channel=Channel.MARKETPLACE, product_id=phone.id, location_id=store.id, quantity=5),
    ])
    level = db.session.scalar(db.select(inventory.StockLevel).filter_by(product_id=phone.id))
    level.zone_id = shelf.id
    db.session.commit()

    card = product_card(lookup(client, "pixel"), phone)

    # on hand 9 (one to quarantine), 3 allocated: 6 free before buffers
    assert (figure(card, "On hand"), figure(card, "Allocated"), figure(card, "Quarantine")) == (9, 3, 1)
    assert available_to_sell(card) == {"web": 4, "store": 6, "marketplace": 1}
    assert "Backroom shelf 3" in card and "PAR-RIV-R3" in card


def test_never_shows_another_store_quantities(client, db, store, associate):
    elsewhere = factories.store(code="LYO-BEL")
    only_there = factories.product(name="Lyon only")
    both = factories.product(name="Both stores")
    factories.stock(elsewhere, only_there, 57)
    factories.stock(elsewhere, both, 48)
    factories.stock(store, both, 2)
    db.session.commit()

    html = lookup(client, "o")

    assert "Not stocked in this store." in product_card(html, only_there)
    assert figure(product_card(html, both), "On hand") == 2
    shown_figures = {int(n) for n in re.findall(r"<dd>(\d+)</dd>", html)}
    assert shown_figures.isdisjoint({57, 48})


def test_at_most_25_results_and_a_hint_to_narrow(client, associate):
    for n in range(26):
        factories.product(name=f"Cable {n:02d}")

    html = lookup(client, "cable")

    assert html.count('class="product-card card"') == 25
    assert "Only the first 25 products are shown" in html


def test_htmx_gets_only_the_results_fragment(client, associate, hx):
    factories.product(name="Kettle")

    html = lookup(client, "kettle", **hx)

    assert html.lstrip().startswith('<section id="lookup-results"')
    assert "<html" not in html and 'id="lookup-form"' not in html


def test_lookup_runs_as_many_queries_for_25_products_as_for_one(client, db, store, associate):
    db.session.add(Buffer(channel=Channel.WEB, quantity=1))

    def add_products(count):
        for _ in range(count):
            product = factories.product(name="Speaker")
            factories.stock(store, product, 4)
        db.session.commit()

    def statements_for_lookup():
        with factories.counted_statements() as statements:
            lookup(client, "speaker", **{"HX-Request": "true"})
        return len(statements)

    add_products(1)
    with_one = statements_for_lookup()
    add_products(24)
    with_many = statements_for_lookup()

    assert lookup(client, "speaker").count('class="product-card card"') == 25
    assert with_many == with_one


def test_what_was_typed_is_shown_as_text_never_as_markup(client, associate):
    html = lookup(client, "<b>bold</b>")

    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
