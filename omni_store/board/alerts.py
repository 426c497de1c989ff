"""What is late or at risk at the current store now, for the mission board: today's open
work and the alerts (open tasks, pickup promises, shuttle cut-offs, appointments)."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, and_, or_, select

from omni_store.auth.models import User
from omni_store.auth.scoping import current_store
from omni_store.catalog.models import Product
from omni_store.extensions import db
from omni_store.orders.models import Customer, DeliveryMethod, Order, OrderStatus
from omni_store.shuttles.models import ShuttleRunStatus
from omni_store.shuttles.queries import DockRun
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskStatus

# Due within this long counts as at risk.
AT_RISK = timedelta(minutes=30)


# --- today's open work -----------------------------------------------------------------


def open_work(now: datetime) -> list[Row]:
    """Today's open tasks that the alerts or "who does what" show, soonest due first: those
    due within AT_RISK or late, and every claimed one. One read, as plain rows."""
    store = current_store()
    return db.session.execute(
        select(Task.id, Task.kind, Task.status, Task.due_at, Task.priority, Task.quantity, Task.assignee_id,
               User.name.label("assignee_name"), Product.name.label("product_name"),
               Order.number.label("order_number"))
        .outerjoin(User, User.id == Task.assignee_id)
        .outerjoin(Product, Product.id == Task.product_id)
        .outerjoin(Order, Order.id == Task.order_id)
        .where(Task.location_id == store.id, Task.status.in_(OPEN_TASK_STATUSES),
               or_(Task.due_at < now + AT_RISK, Task.status == TaskStatus.IN_PROGRESS))
        .order_by(Task.due_at, Task.id)
    ).all()


# --- late and at risk -------------------------------------------------------------------


class AlertKind(StrEnum):
    TASK = "task"  # an open task due soon or late
    PROMISE = "promise"  # a pickup promised to the customer, not ready yet
    CUTOFF = "cutoff"  # a shuttle cut-off with parcels still to seal or load
    APPOINTMENT = "appointment"  # an advice appointment whose items are not ready


ALERT_LABELS = {
    AlertKind.TASK: _l("Task"),
    AlertKind.PROMISE: _l("Pickup promise"),
    AlertKind.CUTOFF: _l("Shuttle cut-off"),
    AlertKind.APPOINTMENT: _l("Appointment"),
}


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    due_at: datetime
    late: bool
    task: Row | None = None  # a row of open_work
    order: Row | None = None  # number, status, first_name (the customer's)
    run: DockRun | None = None


def alerts(runs: list[DockRun], work: list[Row], now: datetime) -> list[Alert]:
    """Everything due within AT_RISK or already past, soonest first: open tasks (from
    open_work), pickup promises not ready, shuttle cut-offs with parcels still missing,
    appointments whose items are not ready."""
    store = current_store()
    horizon = now + AT_RISK
    found = [Alert(AlertKind.TASK, task.due_at, task.due_at < now, task=task)
             for task in work if task.due_at < horizon]
    promises, appointments = [], []
    for order in db.session.execute(
        select(Order.number, Order.status, Order.delivery_method, Order.promised_at, Order.appointment_at,
               Customer.first_name)
        .join(Order.customer)
        .where(Order.pickup_location_id == store.id,
               Order.status.in_([OrderStatus.SOURCED, OrderStatus.PICKING]),
               or_(and_(Order.delivery_method == DeliveryMethod.PICKUP, Order.promised_at < horizon),
                   and_(Order.delivery_method == DeliveryMethod.RESERVE, Order.appointment_at < horizon)))
    ):
        if order.delivery_method == DeliveryMethod.PICKUP:
            promises.append(Alert(AlertKind.PROMISE, order.promised_at, order.promised_at < now, order=order))
        else:
            appointments.append(Alert(AlertKind.APPOINTMENT, order.appointment_at,
                                      order.appointment_at < now, order=order))
    found += promises + appointments
    found += [
        Alert(AlertKind.CUTOFF, run.cutoff_at, run.cutoff_at < now, run=run)
        for run in runs
        if run.status == ShuttleRunStatus.PLANNED and run.missing and run.cutoff_at < horizon
    ]
    return sorted(found, key=lambda alert: alert.due_at)

