"""Every (from, to) pair of return statuses through the gate: an allowed move is stored
once, a refused one writes nothing, a stale read loses to what is stored."""
import pytest
from sqlalchemy import update

from omni_store.returns.models import Return, ReturnStatus
from omni_store.returns.services import start_return
from omni_store.returns.transitions import RETURN_MOVES, move_return
from tests.returns.conftest import bought

S = ReturnStatus
ALLOWED = {(S.STARTED, S.DONE), (S.STARTED, S.CANCELLED)}


def test_the_table_allows_exactly_the_return_moves():
    assert {(f, t) for f, moves in RETURN_MOVES.items() for t in moves} == ALLOWED
    assert set(RETURN_MOVES) == set(ReturnStatus)


def return_at(db, chain, status: ReturnStatus) -> Return:
    return_ = start_return(bought(chain, [(chain.case, 1)]), chain.rivoli.id, None)
    db.session.execute(update(Return).where(Return.id == return_.id).values(status=status))
    db.session.refresh(return_)
    return return_


@pytest.mark.parametrize("from_status", list(ReturnStatus))
@pytest.mark.parametrize("to", list(ReturnStatus))
def test_every_move_is_allowed_or_refused_as_the_table_says(db, chain, from_status, to):
    return_ = return_at(db, chain, from_status)
    allowed = (from_status, to) in ALLOWED

    assert move_return(return_, to, refund_cents=123) is allowed
    db.session.expire_all()
    stored = db.session.get(Return, return_.id)
    assert (stored.status, stored.refund_cents) == ((to, 123) if allowed else (from_status, 0))


def test_a_stale_read_loses_to_the_move_stored_first(db, chain):
    return_ = return_at(db, chain, S.STARTED)
    db.session.execute(update(Return).where(Return.id == return_.id).values(status=S.CANCELLED))

    assert move_return(return_, S.DONE) is False  # it still read STARTED
    assert return_.status == S.CANCELLED  # and now reads what is stored
