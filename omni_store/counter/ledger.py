"""The hand-over ledger: one hash-chained record per hand-over, a chain per store."""
import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import select

from omni_store.core.database import lock_row
from omni_store.counter.models import Handover
from omni_store.extensions import db
from omni_store.network.models import Location
from omni_store.orders.models import Order


def record_handover(order: Order, items: list[dict], method: str, associate_id: int | None,
                    confirmed_at: datetime) -> Handover:
    """Append the hand-over to its store's chain (the store row is locked meanwhile)."""
    store_id = order.pickup_location_id
    lock_row(Location, store_id)
    previous = db.session.scalar(
        select(Handover.hash).where(Handover.store_id == store_id)
        .order_by(Handover.id.desc()).limit(1)
    )
    record = Handover(store_id=store_id, order_id=order.id, items=items, method=str(method),
                      associate_id=associate_id,
                      confirmed_at=confirmed_at.replace(microsecond=0),
                      previous_hash=previous or "")
    record.hash = record_hash(record, order.number)
    db.session.add(record)
    db.session.flush()
    return record


def record_hash(record: Handover, order_number: str) -> str:
    canonical = json.dumps({
        "store_id": record.store_id,
        "order": order_number,
        "items": record.items,
        "method": record.method,
        "associate_id": record.associate_id,
        "confirmed_at": record.confirmed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "previous_hash": record.previous_hash,
    }, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def broken_records(store_id: int) -> list[int]:
    """Ids of the store's records whose content or link no longer matches: [] when intact."""
    rows = db.session.execute(
        select(Handover, Order.number).join(Order, Order.id == Handover.order_id)
        .where(Handover.store_id == store_id).order_by(Handover.id)
    ).all()
    broken, previous = [], ""
    for record, number in rows:
        if record.previous_hash != previous or record.hash != record_hash(record, number):
            broken.append(record.id)
        previous = record.hash
    return broken
