"""`flask outbox send`: each event delivered once, by SMTP when configured, else to the
log; failures retried later with backoff; two senders at once never deliver an event twice."""
import json
import logging
import smtplib
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from omni_store.core.clock import utcnow
from omni_store.counter import tokens
from omni_store.counter.models import PickupToken
from omni_store.network.models import ZoneKind
from omni_store.notify import sender
from omni_store.notify.messages import render
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.outbox.services import record_event
from tests import factories

READY = {"order": "W000042", "email": "camille@test.example", "first_name": "Camille",
         "store": "PAR-RIV", "store_name": "Paris Rivoli", "slot": "PAR-RIV-H01",
         "expires_at": "2026-03-17T09:00:00+00:00"}
REFUND = {"return": "R000007", "order": "W000042", "store": "PAR-RIV", "amount_cents": 19900,
          "currency": "EUR", "lines": []}


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what would be sent, or fails like a down server."""

    sent: list = []
    calls: list = []
    failing = False

    def __init__(self, host, port, timeout):
        self.calls.append(("connect", host, port))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        if FakeSMTP.failing:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.calls, FakeSMTP.failing = [], [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.test.example")
    monkeypatch.setitem(app.config, "SMTP_USER", "omni")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "s3cret")
    return FakeSMTP


def _event(db, key="ready_for_pickup:W000042", kind=EventKind.READY_FOR_PICKUP, payload=READY):
    event = record_event(kind, key, payload)
    db.session.commit()
    return event


@pytest.fixture
def ready(db, app, monkeypatch):
    """A real order told it is ready: its event names the stored customer link."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://shop.example")
    store = factories.store("PAR-RIV", name="Paris Rivoli")
    slot = factories.zone(store, ZoneKind.HOLD, slot_number=1, capacity=5)
    case = factories.product(name="Phone case")
    factories.stock(store, case, 3)
    order = factories.ready_order(store, slot, [(case, 1)])  # isolated: the customer is told
    db.session.commit()
    event = db.session.scalar(select(OutboxEvent).filter_by(kind=EventKind.READY_FOR_PICKUP))
    link, code = tokens.customer_link(order), tokens.pickup_code(order)
    return SimpleNamespace(event=event, link=link, token=link.rsplit("/", 1)[1], code=code)


def _stored_payloads(db) -> str:
    db.session.expire_all()
    return json.dumps([e.payload for e in db.session.scalars(select(OutboxEvent))])


def _reload(db, event):
    db.session.expire_all()
    return db.session.get(OutboxEvent, event.id)


def test_without_smtp_each_event_is_one_structured_log_line_and_is_sent_once(
        db, ready, caplog):
    caplog.set_level(logging.INFO, logger="omni_store.outbox")

    first = sender.send_pending()
    second = sender.send_pending()

    assert (first.sent, first.failed, second.sent) == (1, 0, 0)
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.levelno == logging.INFO]
    assert line["kind"] == "ready_for_pickup" and line["to"] == ready.event.payload["email"]
    # What opens the order never reaches the log: the link's token and the code are redacted.
    assert "https://shop.example/p/[redacted]" in line["body"]
    assert "Give this code at the counter: [redacted]" in line["body"]
    assert ready.token not in caplog.text and ready.code not in caplog.text
    event = _reload(db, ready.event)
    assert event.sent_at is not None and event.attempts == 1 and event.claimed_by is None


def test_smtp_is_used_when_configured_one_message_per_event(db, ready, smtp, caplog):
    _event(db, "refund:R000007", EventKind.REFUND_TO_ISSUE, REFUND)
    caplog.set_level(logging.INFO, logger="omni_store.outbox")

    report = sender.send_pending()

    assert report.sent == 2
    [email] = smtp.sent
    assert email["To"] == ready.event.payload["email"]
    assert email["Subject"] == f"Your order {ready.event.payload['order']} is ready"
    content = email.get_content()
    assert f"Show this page at the counter: {ready.link}" in content
    assert f"Give this code at the counter: {ready.code}" in content
    assert email["Message-ID"].endswith("@omni-store>")
    assert ("starttls",) in smtp.calls and ("login", "omni", "s3cret") in smtp.calls
    # The refund is for the ERP: a JSON line, not an email.
    [erp] = [json.loads(r.getMessage()) for r in caplog.records if r.levelno == logging.INFO]
    assert (erp["channel"], erp["payload"]["amount_cents"]) == ("erp", 19900)


def test_no_payload_ever_holds_the_link_or_the_code_and_a_retry_still_sends_them(
        db, ready, smtp):
    smtp.failing = True
    assert sender.send_pending().failed == 1
    waiting = _stored_payloads(db)
    smtp.failing = False
    assert sender.send_pending(now=utcnow() + timedelta(minutes=2)).sent == 1
    sent = _stored_payloads(db)

    [email] = smtp.sent
    assert ready.link in email.get_content() and ready.code in email.get_content()
    for payloads in (waiting, sent):
        assert ready.token not in payloads and ready.code not in payloads
        assert "/p/" not in payloads


def test_a_message_whose_customer_link_closed_has_no_link(db, ready, smtp):
    db.session.execute(update(PickupToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert sender.send_pending().sent == 1
    [email] = smtp.sent
    assert "/p/" not in email.get_content() and ready.code not in email.get_content()


def test_a_failed_delivery_is_retried_later_with_its_error(db, smtp):
    event = _event(db)
    smtp.failing = True

    failed = sender.send_pending()
    event = _reload(db, event)
    assert (failed.sent, failed.failed) == (0, 1)
    assert event.sent_at is None and event.attempts == 1 and event.claimed_by is None
    assert "SMTPServerDisconnected" in event.last_error
    assert event.next_attempt_at > utcnow()

    assert sender.send_pending().sent == 0  # not due yet: backoff
    smtp.failing = False
    retried = sender.send_pending(now=utcnow() + timedelta(minutes=2))

    event = _reload(db, event)
    assert retried.sent == 1 and len(smtp.sent) == 1
    assert (event.attempts, event.last_error) == (2, "")


def test_backoff_doubles_and_gives_up_after_the_maximum(app, db, smtp):
    event = _event(db)
    smtp.failing = True
    moment = utcnow()
    for _attempt in range(app.config["OUTBOX_MAX_ATTEMPTS"]):
        sender.send_pending(now=moment)
        moment = _reload(db, event).next_attempt_at

    assert [sender.retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    smtp.failing = False
    assert sender.send_pending(now=moment + timedelta(days=1)).sent == 0
    assert _reload(db, event).attempts == app.config["OUTBOX_MAX_ATTEMPTS"]


def test_a_sender_that_crashed_after_leasing_gives_the_event_back_when_the_lease_ends(
        app, db, smtp):
    event = _event(db)
    now = utcnow()
    assert sender._lease(event, "crashed-sender", now)  # leased, then the process died

    assert sender.send_pending(now=now + timedelta(minutes=1)).sent == 0
    later = now + app.config["OUTBOX_LEASE"] + timedelta(seconds=1)
    assert sender.send_pending(now=later).sent == 1
    assert len(smtp.sent) == 1 and _reload(db, event).attempts == 2


def test_two_senders_at_once_deliver_every_event_exactly_once(app, db, monkeypatch):
    events = [_event(db, f"refund:R{n:06d}", EventKind.REFUND_TO_ISSUE, REFUND)
              for n in range(12)]
    delivered = []

    def slow_delivery(event, message):
        time.sleep(0.01)  # let the other sender try to take the same events meanwhile
        delivered.append(event.id)

    monkeypatch.setattr(sender, "deliver_to_log", slow_delivery)
    start = threading.Barrier(2)
    errors = []

    def run_sender():
        start.wait()
        try:
            with app.app_context():
                sender.send_pending()
        except Exception as error:  # surfaced below: a thread must not fail silently
            errors.append(error)

    threads = [threading.Thread(target=run_sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(delivered) == sorted(e.id for e in events)
    unsent = db.session.scalars(select(OutboxEvent).where(OutboxEvent.sent_at.is_(None))).all()
    assert unsent == []


def test_dry_run_and_limit(app, db):
    events = [_event(db, f"refund:R{n:06d}", EventKind.REFUND_TO_ISSUE, REFUND) for n in range(3)]
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["outbox", "send", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 due, nothing sent (dry run)" in dry.output
    assert all(_reload(db, e).attempts == 0 for e in events)

    limited = runner.invoke(args=["outbox", "send", "--limit", "2"])
    assert "sent: 2, failed: 0" in limited.output
    rest = runner.invoke(args=["outbox", "send"])
    assert "sent: 1, failed: 0" in rest.output


def test_the_same_event_recorded_twice_is_kept_once(db):
    first = _event(db)
    second = _event(db, payload={**READY, "slot": "elsewhere"})

    assert first.id == second.id
    assert db.session.scalars(select(OutboxEvent)).all() == [first]


@pytest.mark.parametrize("kind, payload, channel, words", [
    (EventKind.READY_FOR_PICKUP, READY, "customer", "is ready for pickup at Paris Rivoli"),
    (EventKind.HOLD_EXPIRY_REMINDER, READY, "customer", "waits for you at Paris Rivoli until"),
    (EventKind.HOLD_EXPIRED, READY, "customer", "It was not collected"),
    (EventKind.APPOINTMENT_REMINDER, {**READY, "appointment_at": "2026-03-11T17:00:00+00:00"},
     "customer", "on 11/03/2026 18:00"),
    (EventKind.SHUTTLE_DISPATCHED, {"origin": "PAR-BAS", "destination": "PAR-RIV"}, "logistics",
     "Shuttle PAR-BAS → PAR-RIV left"),
    (EventKind.REFUND_TO_ISSUE, REFUND, "erp", "Refund to issue for return R000007"),
    (EventKind.SUPPLIER_RETURN, {"return": "R000007"}, "purchasing", "R000007"),
    (EventKind.MARKETPLACE_RETURN, {"return": "R000007", "seller": "SEL-1"}, "marketplace",
     "for seller SEL-1"),
    (EventKind.ORDER_HANDED_OVER, {"order": "W000042"}, "erp", "Order W000042 handed over"),
])
def test_every_kind_of_event_has_its_message(kind, payload, channel, words):
    message = render(OutboxEvent(kind=kind, dedup_key="k", payload=payload))

    assert message.channel == channel
    assert words in message.subject + message.body
    assert (message.to is not None) == (channel == "customer")
