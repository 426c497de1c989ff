"""Writing events; `record_event` is called by the service that makes the change."""
from sqlalchemy import select

from omni_store.extensions import db
from omni_store.outbox.models import EventKind, OutboxEvent


def record_event(kind: EventKind, dedup_key: str, payload: dict) -> OutboxEvent:
    """Add an event to the caller's transaction; the same key twice keeps the first."""
    existing = db.session.scalar(select(OutboxEvent).filter_by(dedup_key=dedup_key))
    if existing is not None:
        return existing
    event = OutboxEvent(kind=kind, dedup_key=dedup_key, payload=payload)
    db.session.add(event)
    db.session.flush()
    return event
