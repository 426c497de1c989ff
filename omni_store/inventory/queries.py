"""Read-only questions about stock, for screens, checks and tests."""
from dataclasses import dataclass

from sqlalchemy import func, select

from omni_store.extensions import db
from omni_store.inventory.models import StockLevel, StockMovement


@dataclass(frozen=True)
class LedgerMismatch:
    location_id: int
    product_id: int
    level: tuple[int, int, int]  # on hand, allocated, quarantine as stored
    ledger: tuple[int, int, int]  # the same buckets summed from the movements


def ledger_mismatches() -> list[LedgerMismatch]:
    """Levels whose buckets differ from the sum of their movements: must always be empty."""
    sums = {
        (row.location_id, row.product_id): (row.on_hand, row.allocated, row.quarantine)
        for row in db.session.execute(
            select(
                StockMovement.location_id,
                StockMovement.product_id,
                func.sum(StockMovement.delta_on_hand).label("on_hand"),
                func.sum(StockMovement.delta_allocated).label("allocated"),
                func.sum(StockMovement.delta_quarantine).label("quarantine"),
            ).group_by(StockMovement.location_id, StockMovement.product_id)
        )
    }
    mismatches = []
    for level in db.session.execute(select(StockLevel.location_id, StockLevel.product_id,
                                           StockLevel.on_hand, StockLevel.allocated,
                                           StockLevel.quarantine)):
        key = (level.location_id, level.product_id)
        stored = (level.on_hand, level.allocated, level.quarantine)
        summed = sums.pop(key, (0, 0, 0))
        if stored != summed:
            mismatches.append(LedgerMismatch(*key, stored, summed))
    # Movements of a level that does not exist are a mismatch too.
    mismatches += [LedgerMismatch(*key, (0, 0, 0), summed) for key, summed in sums.items()]
    return mismatches
