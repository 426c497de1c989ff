"""Delivering outbox events (`flask outbox send`): by SMTP when configured, else to the log.

Delivery is at least once, never twice at the same time:

1. A sender *leases* an event before delivering it, in one conditional UPDATE committed at
   once (`claimed_by`, `claimed_until`, `attempts + 1`). Of two senders running at once,
   only one gets the row; the other skips it.
2. After a successful delivery the same sender marks it sent (`sent_at`), only if the lease
   is still its own. A failure records `last_error`, frees the lease and schedules the next
   attempt with exponential backoff (`next_attempt_at`); after OUTBOX_MAX_ATTEMPTS the
   event stays unsent, with its error, for someone to look at.
3. A sender that crashes between delivering and marking leaves the lease to run out
   (OUTBOX_LEASE, far longer than the SMTP timeout); the event is then delivered once more.
   Each email carries a Message-ID derived from the event's `dedup_key`, so the receiving
   side can drop such a repeat.
"""
import json
import logging
import os
import smtplib
import socket
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from hashlib import sha256
from uuid import uuid4

from flask import current_app
from sqlalchemy import or_, select

from omni_store.core.clock import utcnow
from omni_store.core.database import compare_and_set
from omni_store.extensions import db
from omni_store.notify.messages import Message, render
from omni_store.outbox.models import OutboxEvent

log = logging.getLogger("omni_store.outbox")  # the name log readers filter on
SMTP_TIMEOUT_SECONDS = 30
MAX_ERROR_LENGTH = 1000
REDACTED = "[redacted]"


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    due: list[OutboxEvent] = field(default_factory=list)  # what a dry run would deliver


def send_pending(limit: int = 100, dry_run: bool = False, now: datetime | None = None) -> SendReport:
    """Deliver up to `limit` due events, each in its own lease; commits as it goes."""
    now = now or utcnow()
    report = SendReport()
    due_ids = list(db.session.scalars(
        select(OutboxEvent.id).where(*_deliverable(now)).order_by(OutboxEvent.id).limit(limit)))
    if dry_run:
        report.due = list(db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.id.in_(due_ids)).order_by(OutboxEvent.id)))
        db.session.rollback()
        return report
    db.session.commit()  # end the read: each lease below is its own short transaction
    sender_id = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
    deliver = _smtp_or_log()
    for event_id in due_ids:
        event = db.session.get(OutboxEvent, event_id)
        if not _lease(event, sender_id, now):
            continue  # another sender has it, or delivered it a moment ago
        try:
            deliver(event, render(event))
        except Exception as error:  # noqa: BLE001  (any failure is recorded and retried)
            _failed(event, sender_id, error, now)
            report.failed += 1
        else:
            _delivered(event, sender_id)
            report.sent += 1
    return report


def _deliverable(now: datetime):
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    return (
        OutboxEvent.sent_at.is_(None),
        OutboxEvent.attempts < max_attempts,
        or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
        or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now),
    )


def _lease(event: OutboxEvent, sender_id: str, now: datetime) -> bool:
    # Not refreshed: the commit expires the row, which is read again once leased.
    leased = compare_and_set(event, *_deliverable(now), refresh=False, claimed_by=sender_id,
                             claimed_until=now + current_app.config["OUTBOX_LEASE"],
                             attempts=OutboxEvent.attempts + 1)
    db.session.commit()
    return leased


def _delivered(event: OutboxEvent, sender_id: str) -> None:
    compare_and_set(event, OutboxEvent.claimed_by == sender_id, refresh=False,
                    sent_at=utcnow(), claimed_by=None, claimed_until=None, last_error="")
    db.session.commit()


def _failed(event: OutboxEvent, sender_id: str, error: Exception, now: datetime) -> None:
    db.session.rollback()
    db.session.refresh(event)
    log.warning("outbox event %s (%s) failed, attempt %s: %s", event.id, event.kind,
                event.attempts, error)
    compare_and_set(event, OutboxEvent.claimed_by == sender_id, refresh=False,
                    last_error=f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH],
                    next_attempt_at=now + retry_delay(event.attempts),
                    claimed_by=None, claimed_until=None)
    db.session.commit()


def retry_delay(attempts: int):
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd, 4th ... failed attempt, capped."""
    config = current_app.config
    return min(config["OUTBOX_RETRY_BASE"] * 2 ** max(attempts - 1, 0), config["OUTBOX_RETRY_MAX"])


# --- transports ------------------------------------------------------------------------


def _smtp_or_log():
    return deliver_by_smtp if current_app.config["SMTP_HOST"] else deliver_to_log


def deliver_to_log(event: OutboxEvent, message: Message) -> None:
    """One structured line per event: the demo's mailbox, and the ERP's feed. Logs are read
    by many and kept long: what opens an order (link token, pickup code) is redacted."""
    body = message.body
    for secret in message.secrets:
        body = body.replace(secret, REDACTED)
    log.info(json.dumps({
        "outbox_event": event.id, "kind": str(event.kind), "dedup_key": event.dedup_key,
        "channel": message.channel, "to": message.to, "subject": message.subject,
        "body": body, "payload": event.payload,
    }, ensure_ascii=False, sort_keys=True))


def deliver_by_smtp(event: OutboxEvent, message: Message) -> None:
    """An email to the customer; records for other systems still go to the log."""
    if not message.to:
        deliver_to_log(event, message)
        return
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["SMTP_FROM"]
    email["To"] = message.to
    email["Subject"] = message.subject
    # The same event always has the same id: a repeat after a crash can be recognised.
    email["Message-ID"] = f"<{sha256(event.dedup_key.encode()).hexdigest()[:32]}@omni-store>"
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"],
                      timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["SMTP_USER"]:
            smtp.starttls()
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(email)
