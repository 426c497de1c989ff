"""Writing events; `record_event` is called by the service that makes the change."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from omni_store.extensions import db
from omni_store.outbox.models import EventKind, OutboxEvent


def record_event(kind: EventKind, dedup_key: str, payload: dict) -> OutboxEvent:
    """Add an event to the caller's transaction; the same key twice keeps the first."""
    return _record(kind, dedup_key, payload)[0]


def record_new_event(kind: EventKind, dedup_key: str, payload: dict) -> bool:
    """Like record_event; True only if this call wrote it (jobs count what they did)."""
    return _record(kind, dedup_key, payload)[1]


def _record(kind: EventKind, dedup_key: str, payload: dict) -> tuple[OutboxEvent, bool]:
    existing = db.session.scalar(select(OutboxEvent).filter_by(dedup_key=dedup_key))
    if existing is not None:
        return existing, False
    event = OutboxEvent(kind=kind, dedup_key=dedup_key, payload=payload)
    try:
        with db.session.begin_nested():
            db.session.add(event)
            db.session.flush()
    except IntegrityError:  # another transaction wrote the same key a moment ago
        return db.session.scalar(select(OutboxEvent).filter_by(dedup_key=dedup_key)), False
    return event, True
