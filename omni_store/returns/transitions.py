"""The one gate a return's status goes through (DESIGN §5).

A move is one conditional UPDATE on the status the caller read, so a double submit (or a
second tablet) completes or cancels a return once. The services decide when to move and
word the refusals; no other code writes `Return.status`.
"""
from omni_store.core.database import compare_and_set
from omni_store.returns.models import Return, ReturnStatus

S = ReturnStatus
RETURN_MOVES: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    S.STARTED: frozenset({S.DONE, S.CANCELLED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}


def move_return(return_: Return, to: ReturnStatus, **changes) -> bool:
    """Move `return_` from the status it was read with to `to`, with `changes` to its other
    columns; False (nothing written) if the move is not allowed or another request moved
    it first (the row is then read again)."""
    from_status = return_.status
    if to not in RETURN_MOVES[from_status]:
        return False
    return compare_and_set(return_, Return.status == from_status, status=to, **changes)
