"""Sourcing v2: each weight moves the choice it should, and the explanation says why."""
from datetime import UTC, datetime

import pytest

from omni_store.extensions import db as _db
from omni_store.inventory.models import Channel
from omni_store.orders.models import DeliveryMethod, SourcingSettings
from omni_store.fulfilment.placing import place_order
from omni_store.orders.sourcing import NEAREST_FIRST, Destination, plan_line
from omni_store.orders.weighted_rules import WeightedRules, current_rules
from tests import factories
from tests.orders.conftest import RIVOLI, shelve


def weighted(**weights) -> WeightedRules:
    settings = SourcingSettings(**weights)
    _db.session.add(settings)
    _db.session.flush()  # the column defaults fill the weights not given
    return WeightedRules(settings)


def at_rivoli(chain, quantity, rules):
    destination = Destination.pickup_store(DeliveryMethod.PICKUP, chain.rivoli)
    return plan_line(chain.phone, quantity, destination, Channel.WEB, rules)


def codes(plan):
    return [(part.candidate.location.code, part.quantity) for part in plan]


@pytest.fixture
def near_warehouse(db):
    return factories.warehouse("WH-NEAR", 48.8540, 2.3600)  # 1.2 km from Rivoli


def test_default_weights_take_the_nearest_and_name_the_runner_up(db, chain):
    shelve(db, chain.bastille, chain.phone, 5)
    shelve(db, chain.defense, chain.phone, 5)

    (part,) = at_rivoli(chain, 2, weighted())

    assert codes([part]) == [("PAR-BAS", 2)]
    assert part.explanation == (
        "PAR-BAS chosen: 1.8 km, shuttle, 0.3 kg CO2e; "
        "runner-up PAR-DEF: 8.8 km, shuttle, 1.3 kg CO2e"
    )


def test_transport_weight_prefers_a_shuttle_over_a_nearer_warehouse(db, chain, near_warehouse):
    shelve(db, near_warehouse, chain.phone, 5)
    shelve(db, chain.defense, chain.phone, 5)

    assert codes(at_rivoli(chain, 1, weighted())) == [("WH-NEAR", 1)]
    (part,) = at_rivoli(chain, 1, weighted(transport_weight=10))
    assert codes([part]) == [("PAR-DEF", 1)]
    assert "runner-up WH-NEAR: 1.2 km, warehouse" in part.explanation


def test_carbon_weight_brings_back_the_nearer_source(db, chain, near_warehouse):
    shelve(db, near_warehouse, chain.phone, 5)
    shelve(db, chain.defense, chain.phone, 5)

    by_mode = weighted(distance_weight=0, transport_weight=1)
    by_mode_and_carbon = weighted(distance_weight=0, transport_weight=1, carbon_weight=1,
                                  carbon_kg_per_km=1)

    assert codes(at_rivoli(chain, 1, by_mode)) == [("PAR-DEF", 1)]
    (part,) = at_rivoli(chain, 1, by_mode_and_carbon)
    assert codes([part]) == [("WH-NEAR", 1)]
    assert part.explanation.startswith("WH-NEAR chosen: 1.2 km, warehouse, 1.2 kg CO2e")


def test_overstock_weight_prefers_the_location_with_too_much_cover(db, chain):
    shelve(db, chain.bastille, chain.phone, 5)  # 10 days of cover at 0.5 a day
    shelve(db, chain.defense, chain.phone, 100)  # 200 days

    assert codes(at_rivoli(chain, 1, weighted())) == [("PAR-BAS", 1)]
    (part,) = at_rivoli(chain, 1, weighted(overstock_weight=1, target_cover_days=30))
    assert codes([part]) == [("PAR-DEF", 1)]
    assert "overstock 200 days" in part.explanation


def test_capacity_weight_prefers_the_store_with_more_parcels_left(db, chain):
    chain.rivoli.daily_ship_capacity = 2
    chain.bastille.daily_ship_capacity = 50
    shelve(db, chain.rivoli, chain.phone, 5)
    shelve(db, chain.bastille, chain.phone, 5)
    home = Destination.address(DeliveryMethod.HOME, *RIVOLI)

    assert codes(plan_line(chain.phone, 1, home, Channel.WEB, weighted())) == [("PAR-RIV", 1)]
    (part,) = plan_line(chain.phone, 1, home, Channel.WEB, weighted(capacity_weight=1))
    assert codes([part]) == [("PAR-BAS", 1)]
    assert "50 parcels left today" in part.explanation


def ship_one(chain, rules) -> list[str]:
    """Where a home delivery of one phone ships from."""
    request = factories.order_request([(chain.phone, 1)], method=DeliveryMethod.HOME, ship_address="1 rue de Rivoli",
                                      ship_latitude=RIVOLI[0], ship_longitude=RIVOLI[1])
    return [a.location.code for a in place_order(request, rules=rules).lines[0].allocations]


def test_a_store_over_its_capacity_today_is_excluded(db, chain):
    chain.rivoli.daily_ship_capacity = 1
    shelve(db, chain.rivoli, chain.phone, 5)
    shelve(db, chain.bastille, chain.phone, 5)
    rules = weighted()

    assert ship_one(chain, rules) == ["PAR-RIV"]
    assert ship_one(chain, rules) == ["PAR-BAS"]  # Rivoli shipped its one parcel of the day


def test_the_capacity_of_today_counts_the_stores_own_day_not_utcs(db, chain, clock):
    chain.rivoli.daily_ship_capacity = 1
    shelve(db, chain.rivoli, chain.phone, 5)
    shelve(db, chain.bastille, chain.phone, 5)
    rules = weighted()

    # Monday 23:30 UTC is Tuesday 00:30 in Paris (UTC+1): both parcels ship on Tuesday.
    clock.moment = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    assert ship_one(chain, rules) == ["PAR-RIV"]
    clock.advance(hours=1)  # Tuesday 00:30 UTC, another UTC day, the same Paris day
    assert ship_one(chain, rules) == ["PAR-BAS"]

    # Tuesday 22:50 UTC is 23:50 in Paris; 20 minutes later Paris is on Wednesday.
    clock.moment = datetime(2026, 3, 10, 22, 50, tzinfo=UTC)
    assert ship_one(chain, rules) == ["PAR-BAS"]
    clock.advance(minutes=20)  # the same UTC day, a new Paris day: Rivoli ships again
    assert ship_one(chain, rules) == ["PAR-RIV"]


def test_split_weight_uses_fewer_sources(db, chain):
    shelve(db, chain.bastille, chain.phone, 1)
    shelve(db, chain.defense, chain.phone, 3)
    shelve(db, chain.warehouse, chain.phone, 3)

    assert len(at_rivoli(chain, 6, weighted())) == 3
    plan = at_rivoli(chain, 6, weighted(split_weight=100))
    assert sorted(codes(plan)) == [("PAR-DEF", 3), ("WH-GEN", 3)]
    assert "(3 of 6)" in plan[0].explanation


def test_a_lone_source_says_there_was_no_other(db, chain):
    shelve(db, chain.bastille, chain.phone, 5)

    (part,) = at_rivoli(chain, 1, weighted())

    assert part.explanation.endswith("; no other source")


def test_place_order_uses_the_saved_settings(db, chain, near_warehouse):
    shelve(db, near_warehouse, chain.phone, 5)
    shelve(db, chain.defense, chain.phone, 5)
    assert current_rules() is NEAREST_FIRST  # nothing saved: sourcing v1

    weighted(transport_weight=10)
    order = place_order(factories.order_request([(chain.phone, 1)], store_loc=chain.rivoli))

    (allocation,) = order.lines[0].allocations
    assert allocation.location.code == "PAR-DEF"
    assert allocation.explanation.startswith("PAR-DEF chosen:")
