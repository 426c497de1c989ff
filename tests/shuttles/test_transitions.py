"""The gate of parcel and run statuses: every move, allowed and refused, from every status."""
from itertools import product

import pytest
from sqlalchemy import select, update

from omni_store.core.clock import utcnow
from omni_store.extensions import db as _db
from omni_store.shuttles.models import (
    Parcel,
    ParcelKind,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.packing import open_parcel
from omni_store.shuttles.transitions import PARCEL_MOVES, RUN_MOVES, move_parcel, move_run
from tests import factories

P, R = ParcelStatus, ShuttleRunStatus
# Today's moves, each by the service that makes it.
ALLOWED_PARCEL_MOVES = {
    (P.OPEN, P.SEALED),  # seal_parcel
    (P.OPEN, P.IN_TRANSIT),  # receive_delivery: a supplier's delivery, announced
    (P.SEALED, P.LOADED),  # load_parcel
    (P.SEALED, P.IN_TRANSIT),  # hand_to_carrier
    (P.LOADED, P.IN_TRANSIT),  # dispatch_run
    (P.LOADED, P.SEALED),  # dispatch_run: its order was cancelled, taken off the van
    (P.IN_TRANSIT, P.RECEIVED),  # receive_parcel
}
ALLOWED_RUN_MOVES = {(R.PLANNED, R.DEPARTED), (R.DEPARTED, R.ARRIVED)}


def test_the_tables_are_todays_moves_and_name_every_status():
    assert set(PARCEL_MOVES) == set(ParcelStatus) and set(RUN_MOVES) == set(ShuttleRunStatus)
    assert {(a, b) for a, tos in PARCEL_MOVES.items() for b in tos} == ALLOWED_PARCEL_MOVES
    assert {(a, b) for a, tos in RUN_MOVES.items() for b in tos} == ALLOWED_RUN_MOVES


def parcel_at(status: ParcelStatus) -> Parcel:
    parcel = open_parcel(factories.store().id, factories.store().id, ParcelKind.SHUTTLE)
    parcel.status = status  # the test's starting point, not a move
    _db.session.flush()
    return parcel


def stored(model, row_id):
    return _db.session.execute(
        select(model.status, model.dispatched_at).where(model.id == row_id)).one()


@pytest.mark.parametrize(("from_status", "to"), list(product(ParcelStatus, repeat=2)))
def test_every_parcel_move(db, from_status, to):
    parcel = parcel_at(from_status)
    moment = utcnow()
    moved = move_parcel(parcel, to, dispatched_at=moment)
    if (from_status, to) in ALLOWED_PARCEL_MOVES:
        assert moved and parcel.status == to
        assert stored(Parcel, parcel.id) == (to, moment)
    else:
        assert not moved and parcel.status == from_status
        assert stored(Parcel, parcel.id) == (from_status, None)  # nothing else written either


def run_at(status: ShuttleRunStatus) -> ShuttleRun:
    route = factories.shuttle_route(factories.store(), factories.store())
    now = utcnow()
    run = ShuttleRun(route_id=route.id, departure_at=now, cutoff_at=now, status=status)
    _db.session.add(run)
    _db.session.flush()
    return run


@pytest.mark.parametrize(("from_status", "to"), list(product(ShuttleRunStatus, repeat=2)))
def test_every_run_move(db, from_status, to):
    run = run_at(from_status)
    moment = utcnow()
    moved = move_run(run, to, dispatched_at=moment)
    if (from_status, to) in ALLOWED_RUN_MOVES:
        assert moved and run.status == to
        assert stored(ShuttleRun, run.id) == (to, moment)
    else:
        assert not moved and run.status == from_status
        assert stored(ShuttleRun, run.id) == (from_status, None)


def test_a_move_from_a_status_read_before_another_request_moved_it_is_refused(db):
    parcel = parcel_at(P.OPEN)
    db.session.execute(update(Parcel).where(Parcel.id == parcel.id).values(status=P.LOADED)
                       .execution_options(synchronize_session=False))
    assert parcel.status == P.OPEN  # what this request read
    assert not move_parcel(parcel, P.SEALED)
    assert parcel.status == P.LOADED  # what is stored now, unchanged


def test_a_move_whose_extra_condition_fails_is_refused(db):
    run = run_at(R.DEPARTED)
    assert not move_run(run, R.ARRIVED, only_if=(ShuttleRun.route_id == -1,))
    assert run.status == R.DEPARTED
