"""The promise engine: dates of each delivery option and the sentence that explains them."""
from datetime import UTC, datetime, timedelta

from omni_store.extensions import db as _db
from omni_store.inventory.models import Buffer, Channel
from omni_store.orders.models import DeliveryMethod
from omni_store.orders.delivery_options import OptionMethod, delivery_options
from omni_store.fulfilment.placing import place_order
from tests import factories
from tests.orders.conftest import COURBEVOIE, NOW, shelve

# Tuesday 10 March 2026; Paris is UTC+1.
WEEKDAY_HOURS = {day: [["10:00", "20:00"]] for day in ("mon", "tue", "thu", "fri", "sat")}


def utc(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def paris(day, hour, minute=0):
    return utc(day, hour - 1, minute)


def only(options, method, source=None):
    (option,) = [o for o in options if o.method == method and source in (None, o.source)]
    return option


def test_in_stock_here_is_ready_after_the_picking_sla(db, chain):
    shelve(db, chain.rivoli, chain.phone, 2)

    option = only(delivery_options(chain.phone, store=chain.rivoli, now=NOW), OptionMethod.PICKUP)

    assert (option.source, option.store, option.date) == ("PAR-RIV", "PAR-RIV", NOW + timedelta(hours=2))
    assert option.price_cents == chain.phone.price_cents
    assert option.explanation == "ready at PAR-RIV today 12:00: in stock here, 2 h picking"


def test_an_order_near_closing_is_ready_the_next_morning(db, chain):
    chain.rivoli.opening_hours = WEEKDAY_HOURS
    shelve(db, chain.rivoli, chain.phone, 1)

    option = only(delivery_options(chain.phone, store=chain.rivoli, now=paris(9, 19, 30)),
                  OptionMethod.PICKUP)

    assert option.date == paris(10, 12)  # Monday 19:30 + 2 h is after closing: Tuesday 10:00 + 2 h
    assert "tomorrow 12:00" in option.explanation


def test_a_closed_day_is_skipped(db, chain):
    chain.rivoli.opening_hours = WEEKDAY_HOURS  # closed on Wednesday and Sunday
    shelve(db, chain.rivoli, chain.phone, 1)

    tuesday_evening = only(delivery_options(chain.phone, store=chain.rivoli, now=paris(10, 19)),
                           OptionMethod.PICKUP)
    saturday_evening = only(delivery_options(chain.phone, store=chain.rivoli, now=paris(14, 19)),
                            OptionMethod.PICKUP)

    assert tuesday_evening.date == paris(12, 12)  # Thursday
    assert "Thu 12 Mar 12:00" in tuesday_evening.explanation
    assert saturday_evening.date == paris(16, 12)  # Monday


def test_the_shuttle_cut_off_decides_the_day(db, chain):
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    chain.bastille.opening_hours = {d: [["07:00", "20:00"]] for d in every_day}
    chain.rivoli.opening_hours = {d: [["10:00", "20:00"]] for d in every_day}
    factories.shuttle_route(chain.bastille, chain.rivoli, ["07:30", "14:00"],
                            transit_minutes=45, cutoff_minutes=30)
    shelve(db, chain.bastille, chain.phone, 1)

    # Picked by 13:29, before the 13:30 cut-off: on the 14:00 run, here 14:45, ready 16:45.
    just_before = only(delivery_options(chain.phone, store=chain.rivoli, now=paris(10, 11, 29)),
                       OptionMethod.PICKUP)
    # Picked by 13:31: the next run is tomorrow 07:30, here 08:15; Rivoli opens at 10:00.
    just_after = only(delivery_options(chain.phone, store=chain.rivoli, now=paris(10, 11, 31)),
                      OptionMethod.PICKUP)

    assert (just_before.source, just_before.date) == ("PAR-BAS", paris(10, 16, 45))
    assert just_before.departure == paris(10, 14)
    assert just_before.explanation == (
        "ready at PAR-RIV today 16:45 via the 14:00 PAR-BAS shuttle (cut-off 13:30)")
    assert just_after.date == paris(11, 12)
    assert just_after.explanation == (
        "ready at PAR-RIV tomorrow 12:00 via the 07:30 PAR-BAS shuttle (cut-off 07:00)")


def test_a_store_in_another_timezone_works_and_speaks_in_its_own_hours(db, chain):
    fort_de_france = factories.store("FDF-CTR", 14.6037, -61.0730, timezone="America/Martinique",
                                     opening_hours={d: [["09:00", "19:00"]] for d in WEEKDAY_HOURS})
    shelve(db, fort_de_france, chain.phone, 1)

    # 09:00 UTC is 05:00 in Martinique (UTC-4): picking starts at opening.
    option = only(delivery_options(chain.phone, store=fort_de_france, now=NOW), OptionMethod.PICKUP)

    assert option.date == utc(10, 15)
    assert option.explanation == "ready at FDF-CTR today 11:00: in stock here, 2 h picking"


def test_dropship_takes_the_supplier_lead_time(db, chain):
    shelve(db, chain.supplier, chain.phone, 10)  # lead time 3 days

    to_the_customer = only(delivery_options(chain.phone, latitude=COURBEVOIE[0],
                                            longitude=COURBEVOIE[1], now=NOW),
                           OptionMethod.DROPSHIP)
    to_the_store = only(delivery_options(chain.phone, store=chain.rivoli, now=NOW),
                        OptionMethod.DROPSHIP)

    assert to_the_customer.date == NOW + timedelta(days=3)
    assert to_the_customer.explanation == "delivered Fri 13 Mar 10:00: supplier SUP-TECH dropships in 3 days"
    assert to_the_store.date == NOW + timedelta(days=3, hours=2)  # checked in at the store
    assert to_the_store.store == "PAR-RIV"


def test_marketplace_offers_in_stock_with_the_price_comparison(db, chain):
    factories.marketplace_offer(chain.phone, "BESTBUY", 17500, shipping_cents=500, lead_time_days=3)
    factories.marketplace_offer(chain.phone, "SOLDOUT", 10000, stock=0)

    options = delivery_options(chain.phone, store=chain.rivoli, now=NOW)

    option = only(options, OptionMethod.MARKETPLACE)
    assert (option.source, option.price_cents, option.date) == ("BESTBUY", 18000, NOW + timedelta(days=3))
    assert option.explanation == (
        "delivered Fri 13 Mar 10:00: marketplace seller Seller BESTBUY, 3 days, €19.00 cheaper")


def test_options_by_date_then_price_and_only_from_web_atp(db, chain):
    shelve(db, chain.rivoli, chain.phone, 1)
    shelve(db, chain.defense, chain.phone, 1)  # kept back for the store: no web ATP
    _db.session.add(Buffer(channel=Channel.WEB, location_id=chain.defense.id,
                           product_id=chain.phone.id, quantity=1))
    shelve(db, chain.warehouse, chain.phone, 5)
    factories.marketplace_offer(chain.phone, "CHEAP", 9900, lead_time_days=2)
    factories.marketplace_offer(chain.phone, "DEAR", 29900, lead_time_days=2)
    _db.session.flush()

    options = delivery_options(chain.phone, store=chain.rivoli, now=NOW)

    assert [(o.method, o.source) for o in options] == [
        (OptionMethod.PICKUP, "PAR-RIV"),  # today 12:00
        (OptionMethod.MARKETPLACE, "CHEAP"),  # Thursday 10:00, cheapest first
        (OptionMethod.HOME, "WH-GEN"),  # Thursday 10:00 as well, at the chain price
        (OptionMethod.MARKETPLACE, "DEAR"),
        (OptionMethod.SHIP_FROM_STORE, "PAR-RIV"),  # Thursday 12:00: picked first; 0 km
        (OptionMethod.PICKUP, "WH-GEN"),  # Thursday 12:00, after check-in at Rivoli; 8.8 km
    ]
    two = delivery_options(chain.phone, 2, store=chain.rivoli, now=NOW)
    assert "PAR-RIV" not in {o.source for o in two}  # one unit there only


def fresh_session(chain):
    """Nothing loaded but the store and the product, as at the start of a request."""
    _db.session.expire_all()
    return chain.rivoli.code, chain.phone.sku


def test_a_fixed_number_of_queries_however_many_sources(db, chain):
    factories.shuttle_route(chain.bastille, chain.rivoli, ["14:00"])
    shelve(db, chain.bastille, chain.phone, 1)
    factories.marketplace_offer(chain.phone, "ONE", 15000)
    fresh_session(chain)
    delivery_options(chain.phone, store=chain.rivoli, now=NOW)  # read models loaded
    with factories.counted_statements() as few:
        delivery_options(chain.phone, store=chain.rivoli, now=NOW)
    for n in range(6):
        other = factories.store(f"PAR-X{n}", 48.85 + n / 100, 2.35)
        factories.shuttle_route(other, chain.rivoli, ["14:00"])
        shelve(db, other, chain.phone, 1)
        factories.marketplace_offer(chain.phone, f"MORE{n}", 15000 + n)
    shelve(db, chain.supplier, chain.phone, 1)
    fresh_session(chain)
    delivery_options(chain.phone, store=chain.rivoli, now=NOW)

    with factories.counted_statements() as many:
        options = delivery_options(chain.phone, store=chain.rivoli, now=NOW)

    assert len(options) > 15
    assert len(many) == len(few)


def test_place_order_promises_with_the_same_opening_hours(db, chain, clock):
    chain.rivoli.opening_hours = WEEKDAY_HOURS
    shelve(db, chain.rivoli, chain.phone, 1)
    clock.moment = paris(10, 19, 30)
    expected = only(delivery_options(chain.phone, store=chain.rivoli, now=paris(10, 19, 30)),
                    OptionMethod.PICKUP).date

    order = place_order(factories.order_request([(chain.phone, 1)], DeliveryMethod.PICKUP,
                                                chain.rivoli))

    assert order.promised_at == expected == paris(12, 12)  # Wednesday closed
