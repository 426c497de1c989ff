"""An order cancelled while its units are in a parcel: the parcel never strands the stock,
and it never keeps other parcels at the dock (found by the store model, tests/model)."""
from datetime import timedelta

from sqlalchemy import select

from omni_store.fulfilment.cancellation import cancel_order
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import AllocationStatus, DeliveryMethod, OrderStatus
from omni_store.shuttles.dispatch import dispatch_run, hand_to_carrier, load_parcel
from omni_store.shuttles.models import ParcelStatus
from omni_store.shuttles.receiving import receive_parcel
from omni_store.shuttles.sealing import seal_parcel
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from tests.shuttles.conftest import NOW, level, order_from_bastille, pack_all


def shipped(chain, order):
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id)
    load_parcel(parcel.run, parcel.code, chain.packer.id)
    dispatch_run(parcel.run, chain.packer.id)
    return parcel


def test_units_of_an_order_cancelled_on_the_way_arrive_free_to_sell(chain, db):
    order = order_from_bastille(chain, quantity=2)
    parcel = shipped(chain, order)
    cancel_order(order, None, "customer changed their mind")

    receive_parcel(parcel.code, {chain.phone.id: 1}, chain.receiver.id, chain.rivoli.id)

    assert level(chain.rivoli, chain.phone) == (1, 0, 0)  # on hand, promised to no one
    assert parcel.lines[0].allocation.status == AllocationStatus.RELEASED
    restock = db.session.scalars(select(Task).filter_by(location_id=chain.rivoli.id,
                                                        kind=TaskKind.RESTOCK)).all()
    assert [(t.quantity, t.status) for t in restock] == [(1, TaskStatus.OPEN)]
    # The unit lost on the way is not sourced again for a cancelled order.
    assert level(chain.bastille, chain.phone) == (3, 0, 0)
    assert db.session.get(type(order), order.id).status == OrderStatus.CANCELLED
    assert ledger_mismatches() == []


def test_a_parcel_cancelled_after_loading_stays_and_the_van_leaves_with_the_others(chain, db):
    kept, cancelled = (order_from_bastille(chain, quantity=2) for _ in range(2))
    parcels = []
    for order in (kept, cancelled):
        parcel = pack_all(order, chain)
        seal_parcel(parcel, chain.packer.id)
        load_parcel(parcel.run, parcel.code, chain.packer.id)
        parcels.append(parcel)
    cancel_order(cancelled, None, "customer changed their mind")

    dispatch_run(parcels[0].run, chain.packer.id)

    assert [p.status for p in parcels] == [ParcelStatus.IN_TRANSIT, ParcelStatus.SEALED]
    assert parcels[1].rolled_over  # still at the dock, waiting to be unpacked
    assert level(chain.bastille, chain.phone) == (3, 0, 0)  # the cancelled units stayed
    assert ledger_mismatches() == []


def test_a_carrier_parcel_cancelled_after_sealing_does_not_hold_back_the_pickup(chain, db):
    kept, cancelled = (order_from_bastille(chain, quantity=1, method=DeliveryMethod.SHIP_FROM_STORE)
                       for _ in range(2))
    parcels = [pack_all(order, chain) for order in (kept, cancelled)]
    for parcel in parcels:
        seal_parcel(parcel, chain.packer.id)
    cancel_order(cancelled, None, "customer changed their mind")

    handed = hand_to_carrier(chain.bastille.id, chain.packer.id, now=NOW + timedelta(hours=6))

    assert handed == [parcels[0]]
    assert [p.status for p in parcels] == [ParcelStatus.IN_TRANSIT, ParcelStatus.SEALED]
    assert level(chain.bastille, chain.phone) == (4, 0, 0)
    assert ledger_mismatches() == []
