"""Clock-driven jobs (`flask jobs run`), safe every minute and from several machines at once.

Each job finds its candidates, then changes each one with a conditional UPDATE
(core.database.compare_and_set, or under a row lock) whose condition is what made it a
candidate: of two runners, one does the work
and the other finds nothing left to do. Events go through the outbox with a dedup key, so
a reminder is written once however often the job runs. Jobs flush; the runner commits.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from omni_store.core.database import compare_and_set
from omni_store.core.errors import DomainError
from omni_store.extensions import db
from omni_store.fulfilment.cancellation import give_back_order_items
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    DeliveryMethod,
    Hold,
    HoldStatus,
    Order,
    OrderStatus,
)
from omni_store.orders.transitions import move_order
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.outbox.services import record_new_event
from omni_store.shuttles.models import Parcel, ParcelStatus, ShuttleRun, ShuttleRunStatus
from omni_store.shuttles.runs import next_open_run
from omni_store.tasks import services as tasks

HOLD_REMINDER_BEFORE = timedelta(days=1)
APPOINTMENT_REMINDER_BEFORE = timedelta(hours=24)
EXPIRY_REASON = "hold expired"
PICKUP_LINK_FIELDS = ("pickup_token",)  # copied from the 'ready' event into reminders


# --- holds -----------------------------------------------------------------------------


def expire_uncollected_holds(now: datetime) -> int:
    """Orders whose hold ran out: expired, stock and slot given back, restock task, customer told."""
    orders = db.session.scalars(
        select(Order).where(Order.status.in_(OPEN_ORDER_STATUSES), _hold_expired(now))
        .options(selectinload(Order.customer), selectinload(Order.pickup_location))
        .order_by(Order.id)
    ).all()
    return sum(expire_order(order, now) for order in orders)


def _hold_expired(now: datetime):
    return exists().where(Hold.order_id == Order.id, Hold.status == HoldStatus.ACTIVE,
                          Hold.expires_at < now)


def expire_order(order: Order, now: datetime) -> bool:
    """True if this call expired the order; the order row is the claim between runners.

    Its booking, if any, ends with it (appointments.follow_ups)."""
    if not move_order(order, OrderStatus.EXPIRED, note=EXPIRY_REASON, only_if=(_hold_expired(now),)):
        return False
    hold = db.session.scalar(select(Hold).where(Hold.order_id == order.id,
                                                Hold.status == HoldStatus.ACTIVE)
                             .order_by(Hold.expires_at.desc()))
    record_new_event(EventKind.HOLD_EXPIRED, f"hold_expired:{order.number}",
                     {**_about(order), "expires_at": hold.expires_at.isoformat()})
    give_back_order_items(order, None, EXPIRY_REASON)
    return True


def remind_holds_expiring(now: datetime) -> int:
    """A day before a ready order's hold runs out, the customer gets a reminder (once)."""
    holds = db.session.scalars(
        select(Hold).join(Hold.order)
        .where(Hold.status == HoldStatus.ACTIVE, Order.status == OrderStatus.READY,
               Hold.expires_at > now, Hold.expires_at <= now + HOLD_REMINDER_BEFORE)
        .options(selectinload(Hold.order).selectinload(Order.customer),
                 selectinload(Hold.order).selectinload(Order.pickup_location))
        .order_by(Hold.id)
    ).all()
    links = _pickup_links([hold.order for hold in holds])
    return sum(
        record_new_event(EventKind.HOLD_EXPIRY_REMINDER, f"hold_expiry_reminder:hold:{hold.id}", {
            **_about(hold.order), "expires_at": hold.expires_at.isoformat(),
            **links.get(hold.order.number, {}),
        })
        for hold in holds
    )


def _pickup_links(orders: list[Order]) -> dict[str, dict]:
    """The customer's page and counter code, as the 'ready' message gave them, per order."""
    keys = {f"ready_for_pickup:{order.number}": order.number for order in orders}
    if not keys:
        return {}
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.dedup_key.in_(keys)))
    return {keys[e.dedup_key]: {name: e.payload[name] for name in PICKUP_LINK_FIELDS
                                if name in (e.payload or {})}
            for e in events}


def _about(order: Order) -> dict:
    """What a customer message needs: who to write to and where the order waits."""
    store = order.pickup_location
    return {"order": order.number, "email": order.customer.email,
            "first_name": order.customer.first_name, "store": store.code,
            "store_name": store.name}


# --- appointments ----------------------------------------------------------------------


def remind_appointments(now: datetime) -> int:
    """E-reservations with an appointment in the next 24 hours: the customer is reminded,
    once per appointment time (a moved appointment gets its own reminder)."""
    orders = db.session.scalars(
        select(Order).where(Order.delivery_method == DeliveryMethod.RESERVE,
                            Order.status.in_(OPEN_ORDER_STATUSES),
                            Order.appointment_at > now,
                            Order.appointment_at <= now + APPOINTMENT_REMINDER_BEFORE)
        .options(selectinload(Order.customer), selectinload(Order.pickup_location))
        .order_by(Order.id)
    ).all()
    return sum(
        record_new_event(
            EventKind.APPOINTMENT_REMINDER,
            f"appointment_reminder:{order.number}:{order.appointment_at.isoformat()}",
            {**_about(order), "appointment_at": order.appointment_at.isoformat()})
        for order in orders
    )


# --- tasks -----------------------------------------------------------------------------


def escalate_late_tasks(now: datetime) -> int:
    """Open tasks late by more than ESCALATE_TASKS_LATE_BY go up in priority, once each."""
    return tasks.escalate_late_tasks(now - current_app.config["ESCALATE_TASKS_LATE_BY"])


# --- shuttle parcels -------------------------------------------------------------------


def roll_over_missed_parcels(now: datetime) -> int:
    """Sealed parcels still waiting for a run that should have left: onto the next run."""
    parcels = db.session.scalars(
        select(Parcel).join(Parcel.run)
        .where(Parcel.status == ParcelStatus.SEALED, ShuttleRun.status == ShuttleRunStatus.PLANNED,
               ShuttleRun.departure_at < now)
        .options(selectinload(Parcel.run).selectinload(ShuttleRun.route))
        .order_by(Parcel.id)
    ).all()
    return sum(_roll_over(parcel, now) for parcel in parcels)


def _roll_over(parcel: Parcel, now: datetime) -> bool:
    missed_run_id = parcel.run_id
    try:
        next_run = next_open_run(parcel.run.route, now)
    except DomainError:
        return False  # no van in the coming days: it stays where the dock can see it
    return compare_and_set(parcel, Parcel.run_id == missed_run_id,
                           Parcel.status == ParcelStatus.SEALED,
                           refresh=False, run_id=next_run.id, rolled_over=True)
