"""The one gate a parcel's status and a shuttle run's status go through (DESIGN §5).

A move is one conditional UPDATE on the status the caller read, so a double tap (or two
tablets) moves a parcel once. The services decide when to move and word the refusals;
no other code writes `Parcel.status` or `ShuttleRun.status`.
"""
from omni_store.core.database import compare_and_set
from omni_store.shuttles.models import Parcel, ParcelStatus, ShuttleRun, ShuttleRunStatus

P = ParcelStatus
PARCEL_MOVES: dict[ParcelStatus, frozenset[ParcelStatus]] = {
    # sealed when packed; a supplier's delivery is announced already on its way
    P.OPEN: frozenset({P.SEALED, P.IN_TRANSIT}),
    # onto the van, or handed to the carrier at its pickup
    P.SEALED: frozenset({P.LOADED, P.IN_TRANSIT}),
    # the van leaves with it, or it is taken off (its order was cancelled)
    P.LOADED: frozenset({P.IN_TRANSIT, P.SEALED}),
    P.IN_TRANSIT: frozenset({P.RECEIVED}),
    P.RECEIVED: frozenset(),  # final for stock: nothing unpacks a parcel by status yet
    P.UNPACKED: frozenset(),
}

R = ShuttleRunStatus
RUN_MOVES: dict[ShuttleRunStatus, frozenset[ShuttleRunStatus]] = {
    R.PLANNED: frozenset({R.DEPARTED}),
    R.DEPARTED: frozenset({R.ARRIVED}),
    R.ARRIVED: frozenset(),
}


def move_parcel(parcel: Parcel, to: ParcelStatus, *, only_if=(), **changes) -> bool:
    """Move `parcel` from the status it was read with to `to`, with `changes` to its other
    columns; False (nothing written) if the move is not allowed, another request moved it
    first, or `only_if` (extra SQL conditions) does not hold."""
    from_status = parcel.status
    if to not in PARCEL_MOVES[from_status]:
        return False
    return compare_and_set(parcel, Parcel.status == from_status, *only_if, status=to, **changes)


def move_run(run: ShuttleRun, to: ShuttleRunStatus, *, only_if=(), **changes) -> bool:
    """The same for a shuttle run."""
    from_status = run.status
    if to not in RUN_MOVES[from_status]:
        return False
    return compare_and_set(run, ShuttleRun.status == from_status, *only_if, status=to, **changes)
