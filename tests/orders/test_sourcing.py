"""Sourcing v1: which locations feed a line, in which order, and how it is explained."""
import pytest

from omni_store.inventory.models import Buffer, Channel
from omni_store.network.geo import haversine_km
from omni_store.orders.models import DeliveryMethod, Transport
from omni_store.fulfilment.placing import place_order
from omni_store.orders.sourcing import Destination, NearestFirstRules, plan_line
from tests import factories
from tests.orders.conftest import COURBEVOIE, LYON, RIVOLI, shelve


def at_rivoli(chain, quantity, channel=Channel.WEB, product=None):
    destination = Destination.pickup_store(DeliveryMethod.PICKUP, chain.rivoli)
    return plan_line(product or chain.phone, quantity, destination, channel)


def sources(plan):
    return [(part.candidate.location.code, part.quantity) for part in plan]


def test_haversine_distance():
    assert haversine_km(*RIVOLI, *RIVOLI) == 0
    assert haversine_km(*RIVOLI, *LYON) == pytest.approx(392.0, abs=0.5)
    assert haversine_km(*RIVOLI, *LYON) == pytest.approx(haversine_km(*LYON, *RIVOLI))


def test_pickup_store_comes_first_even_when_others_have_more(db, chain):
    shelve(db, chain.rivoli, chain.phone, 3)
    shelve(db, chain.bastille, chain.phone, 10)

    (part,) = at_rivoli(chain, 3)

    assert (part.candidate.location.code, part.quantity) == ("PAR-RIV", 3)
    assert part.candidate.transport == Transport.SAME_STORE
    assert part.candidate.distance_km == 0
    assert part.explanation == "PAR-RIV: pickup store, 3 available"


def test_nearest_store_with_stock_comes_next(db, chain):
    for store in (chain.bastille, chain.defense, chain.lyon):
        shelve(db, store, chain.phone, 5)

    (part,) = at_rivoli(chain, 2)

    assert part.candidate.location.code == "PAR-BAS"
    assert part.candidate.transport == Transport.SHUTTLE
    assert part.candidate.distance_km == pytest.approx(1.78, abs=0.01)
    assert part.explanation == (
        "PAR-BAS: 1.8 km from PAR-RIV, by shuttle, 5 available (nearest with stock)"
    )


def test_a_nearer_warehouse_beats_a_farther_store(db, chain):
    shelve(db, chain.lyon, chain.phone, 5)
    shelve(db, chain.warehouse, chain.phone, 5)

    (part,) = at_rivoli(chain, 1)

    assert part.candidate.transport == Transport.WAREHOUSE
    assert part.explanation == (
        "WH-GEN: warehouse 8.8 km from PAR-RIV, 5 available (nearest with stock)"
    )


def test_one_source_with_everything_beats_a_split(db, chain):
    shelve(db, chain.rivoli, chain.phone, 2)
    shelve(db, chain.bastille, chain.phone, 2)
    shelve(db, chain.defense, chain.phone, 3)

    (part,) = at_rivoli(chain, 3)

    assert sources([part]) == [("PAR-DEF", 3)]
    assert part.explanation.endswith("3 available (nearest with all 3)")


def test_split_only_when_no_single_source_has_enough(db, chain):
    shelve(db, chain.rivoli, chain.phone, 2)
    shelve(db, chain.bastille, chain.phone, 2)
    shelve(db, chain.defense, chain.phone, 2)

    plan = at_rivoli(chain, 3)

    assert sources(plan) == [("PAR-RIV", 2), ("PAR-BAS", 1)]
    assert plan[0].explanation == (
        "PAR-RIV: pickup store, 2 available (2 of 3: no single source has them all)"
    )
    assert plan[1].explanation.endswith("(1 of 3: no single source has them all)")


def test_suppliers_only_when_stores_and_warehouses_cannot_cover(db, chain):
    shelve(db, chain.supplier, chain.phone, 100)
    shelve(db, chain.lyon, chain.phone, 1)

    assert sources(at_rivoli(chain, 1)) == [("LYS-CTR", 1)]  # 392 km, still before a supplier
    (part,) = at_rivoli(chain, 2)
    assert sources([part]) == [("SUP-TECH", 2)]  # one dropship rather than a split
    assert part.candidate.transport == Transport.DROPSHIP
    assert part.explanation == (
        "SUP-TECH: supplier dropship, lead time 3 days (stores and warehouses have too few)"
    )


def test_supplier_explanation_when_no_store_has_it(db, chain):
    shelve(db, chain.supplier, chain.phone, 10)
    faster = factories.supplier("SUP-FAST", lead_time_days=1)
    shelve(db, faster, chain.phone, 10)

    (part,) = at_rivoli(chain, 1)

    assert part.explanation == (
        "SUP-FAST: supplier dropship, lead time 1 day (no store or warehouse has it)"
    )


def test_inactive_locations_and_channel_buffers_are_left_out(db, chain):
    shelve(db, chain.rivoli, chain.phone, 2)
    shelve(db, chain.bastille, chain.phone, 5)
    shelve(db, chain.defense, chain.phone, 5)
    chain.bastille.active = False
    db.session.add(Buffer(channel=Channel.WEB, location_id=chain.rivoli.id, quantity=2))
    db.session.flush()

    assert sources(at_rivoli(chain, 1)) == [("PAR-DEF", 1)]
    assert sources(at_rivoli(chain, 1, Channel.STORE)) == [("PAR-RIV", 1)]


def test_plan_is_short_when_nothing_more_is_anywhere(db, chain):
    shelve(db, chain.bastille, chain.phone, 1)
    shelve(db, chain.supplier, chain.phone, 1)

    assert sources(at_rivoli(chain, 5)) == [("PAR-BAS", 1), ("SUP-TECH", 1)]


def test_ship_from_store_picks_the_shipping_store_nearest_the_customer(db, chain):
    for location in (chain.rivoli, chain.defense, chain.warehouse, chain.supplier):
        shelve(db, location, chain.phone, 5)
    destination = Destination.address(DeliveryMethod.SHIP_FROM_STORE, *COURBEVOIE)

    (part,) = plan_line(chain.phone, 1, destination, Channel.WEB)

    # La Défense is nearer but does not ship; warehouses and suppliers are not stores.
    assert part.candidate.location.code == "PAR-RIV"
    assert part.candidate.transport == Transport.SAME_STORE
    assert part.explanation == (
        "PAR-RIV: 8.1 km from the customer, ships from the store, 5 available (nearest with stock)"
    )


def test_home_delivery_weighs_warehouses_and_stores_by_distance(db, chain):
    for location in (chain.rivoli, chain.defense, chain.warehouse):
        shelve(db, location, chain.phone, 5)
    destination = Destination.address(DeliveryMethod.HOME, *COURBEVOIE)

    (part,) = plan_line(chain.phone, 1, destination, Channel.WEB)

    assert part.candidate.location.code == "WH-GEN"  # 5.6 km, before Rivoli at 8.1 km
    assert part.explanation == (
        "WH-GEN: warehouse 5.6 km from the customer, 5 available (nearest with stock)"
    )


class FarthestFirst(NearestFirstRules):
    """A stand-in for a future rule set: the farthest store first."""

    def rank(self, candidates, need):
        return [sorted(candidates, key=lambda c: -c.distance_km)]

    def explain(self, candidate, quantity, choice, need, ranking):
        return f"{candidate.location.code}: farthest"


def test_rule_set_can_be_swapped(db, chain):
    for store in (chain.bastille, chain.lyon):
        shelve(db, store, chain.phone, 5)
    request = factories.order_request([(chain.phone, 1)], store_loc=chain.rivoli)

    order = place_order(request, rules=FarthestFirst())

    (allocation,) = order.lines[0].allocations
    assert (allocation.location.code, allocation.explanation) == ("LYS-CTR", "LYS-CTR: farthest")
