"""What the API remembers between calls: idempotency keys of writes (DESIGN §9)."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db


class IdempotencyStatus(StrEnum):
    IN_FLIGHT = "in_flight"  # the first request with this key is being processed
    COMPLETED = "completed"  # its response is stored and replayed to any retry (final)


class IdempotencyKey(db.Model):
    """One `Idempotency-Key` of one API client, with the response of its first request.

    Only successful writes are kept: a refused write changed nothing, so the row is
    deleted and the client may retry with the same key. A row left in flight by a
    crashed process is taken over once its lease (from `created_at`) is over.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    # sha256 of method, path and the canonical JSON body: a retry must send the same.
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[IdempotencyStatus] = mapped_column(String(16))
    # Raised by each take-over: only the request holding the current attempt may complete.
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    # When the current attempt claimed the key (its lease starts then).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
