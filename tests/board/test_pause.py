"""A store paused for the day is not a ship-from-store source today; tomorrow it is again."""
from datetime import timedelta

import pytest

from omni_store.core.errors import DomainError
from omni_store.network.services import pause_ship_from_store, resume_ship_from_store
from omni_store.orders.models import DeliveryMethod
from omni_store.fulfilment.placing import place_order
from omni_store.shuttles.queries import today_at
from tests import factories

ADDRESS = dict(ship_address="1 rue de la Paix, Paris", ship_latitude=48.8690, ship_longitude=2.3310)


@pytest.fixture
def chain(db):
    store = factories.store("PAR-RIV", 48.8600, 2.3470)
    warehouse = factories.warehouse("WH-NORD", 49.0, 2.5)
    phone = factories.product("PHONE-A")
    factories.stock(store, phone, 5)
    factories.stock(warehouse, phone, 5)
    return store, warehouse, phone


def sources(order) -> list[str]:
    return [a.location.code for line in order.lines for a in line.allocations]


def home_order(phone, method=DeliveryMethod.HOME):
    return place_order(factories.order_request([(phone, 1)], method=method, **ADDRESS))


def test_a_paused_store_is_not_a_ship_from_store_candidate_today(chain):
    store, _warehouse, phone = chain
    assert sources(home_order(phone)) == ["PAR-RIV"]  # the nearest ships it itself

    pause_ship_from_store(store, today_at(store))

    assert sources(home_order(phone)) == ["WH-NORD"]
    with pytest.raises(DomainError):  # only stores may ship from store, and none does today
        home_order(phone, DeliveryMethod.SHIP_FROM_STORE)


def test_a_pause_lasts_one_day_and_can_be_lifted(chain):
    store, _warehouse, phone = chain
    pause_ship_from_store(store, today_at(store) - timedelta(days=1))
    assert sources(home_order(phone)) == ["PAR-RIV"]  # yesterday's pause is over

    pause_ship_from_store(store, today_at(store))
    resume_ship_from_store(store)

    assert sources(home_order(phone)) == ["PAR-RIV"]


def test_a_store_that_never_ships_cannot_be_paused(db):
    store = factories.store(does_ship_from_store=False)

    with pytest.raises(DomainError, match="does not ship web orders"):
        pause_ship_from_store(store, today_at(store))
    assert store.ship_from_store_paused_on is None


def test_picking_up_in_the_paused_store_still_works(chain):
    store, _warehouse, phone = chain
    pause_ship_from_store(store, today_at(store))

    order = place_order(factories.order_request([(phone, 1)], store_loc=store))

    assert sources(order) == ["PAR-RIV"]
