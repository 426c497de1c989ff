"""Read-only views of the current store's tasks, for the screens and the board."""
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from flask import abort
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from omni_store.auth.models import User
from omni_store.auth.scoping import current_store, scoped
from omni_store.catalog.models import Product
from omni_store.extensions import db
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Zone
from omni_store.orders.models import Hold, HoldStatus, Order, OrderLine
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind

# The order of the work: an order's journey through the store, then back-office chores.
KIND_ORDER = (
    TaskKind.PICK,
    TaskKind.ISOLATE,
    TaskKind.PACK,
    TaskKind.RECEIVE,
    TaskKind.HANDOVER,
    TaskKind.RETURN_INSPECT,
    TaskKind.RESTOCK,
    TaskKind.COUNT,
)


@dataclass(frozen=True)
class TaskGroup:
    kind: TaskKind
    tasks: list[Task]


class Show(StrEnum):
    """Which of the store's open tasks the list shows."""

    ALL = "all"
    MINE = "mine"  # claimed by or assigned to the signed-in associate
    UNASSIGNED = "unassigned"  # nobody is on it yet


def open_tasks(show: Show = Show.ALL, user_id: int | None = None) -> list[Task]:
    """The current store's open tasks, soonest due first, with all that a row shows."""
    statement = (
        select(Task)
        .where(Task.status.in_(OPEN_TASK_STATUSES))
        .options(
            joinedload(Task.product),
            joinedload(Task.zone),
            joinedload(Task.counterpart_location),
            joinedload(Task.assignee),
            joinedload(Task.order),
        )
        .order_by(Task.due_at, Task.priority.desc(), Task.id)
    )
    if show == Show.MINE:
        statement = statement.where(Task.assignee_id == user_id)
    elif show == Show.UNASSIGNED:
        statement = statement.where(Task.assignee_id.is_(None))
    return list(db.session.scalars(scoped(statement, Task)))


def open_tasks_by_kind(show: Show = Show.ALL, user_id: int | None = None) -> list[TaskGroup]:
    """Open tasks grouped by kind in KIND_ORDER; each group keeps the due order."""
    by_kind: dict[str, list[Task]] = defaultdict(list)
    for task in open_tasks(show, user_id):
        by_kind[task.kind].append(task)
    return [TaskGroup(kind, by_kind[kind]) for kind in KIND_ORDER if by_kind.get(kind)]


# --- one task's screen -------------------------------------------------------------------


def task_for_screen(task_id: int) -> Task:
    """One task of the current store with what its screen shows; another store's is a 404."""
    statement = (
        select(Task)
        .where(Task.id == task_id)
        .options(
            joinedload(Task.product).selectinload(Product.barcodes),
            joinedload(Task.zone),
            joinedload(Task.assignee),
            joinedload(Task.order),
            joinedload(Task.location),
            joinedload(Task.counterpart_location),
        )
    )
    task = db.session.scalar(scoped(statement, Task))
    if task is None:
        abort(404)
    return task


def product_zone(task: Task) -> Zone | None:
    """Where the task's product lives in this store (a picker looks there first)."""
    if task.product_id is None:
        return None
    return db.session.scalar(
        select(Zone).join(StockLevel, StockLevel.zone_id == Zone.id)
        .where(StockLevel.location_id == task.location_id, StockLevel.product_id == task.product_id)
    )


def store_staff() -> list[User]:
    """Active people of the current store, for a manager assigning a task."""
    return list(db.session.scalars(
        select(User).where(User.store_id == current_store().id, User.active.is_(True))
        .order_by(User.name)
    ))


def next_task_of_order(task: Task) -> Task | None:
    """The open task of the same order at this store that comes next (e.g. the isolate)."""
    if task.order_id is None:
        return None
    return db.session.scalar(scoped(
        select(Task).where(Task.order_id == task.order_id, Task.id != task.id,
                           Task.status.in_(OPEN_TASK_STATUSES))
        .order_by(Task.due_at, Task.id).limit(1), Task))


# --- an order as the store sees it ---------------------------------------------------------


@dataclass(frozen=True)
class OrderInStore:
    order: Order
    tasks: list[Task]  # this store's tasks of the order
    hold: Hold | None


def order_for_store(number: str) -> OrderInStore:
    """An order collected at, or worked on by, the current store; any other is a 404."""
    store_id = current_store().id
    worked_here = exists().where(Task.order_id == Order.id, Task.location_id == store_id)
    order = db.session.scalar(
        select(Order)
        .where(Order.number == number, or_(Order.pickup_location_id == store_id, worked_here))
        .options(joinedload(Order.customer),
                 selectinload(Order.lines).joinedload(OrderLine.product))
    )
    if order is None:
        abort(404)
    tasks = list(db.session.scalars(scoped(
        select(Task).where(Task.order_id == order.id)
        .options(joinedload(Task.product), joinedload(Task.assignee), joinedload(Task.zone))
        .order_by(Task.id), Task)))
    hold = db.session.scalar(
        select(Hold).where(Hold.order_id == order.id, Hold.status == HoldStatus.ACTIVE)
        .options(joinedload(Hold.zone))
    )
    return OrderInStore(order, tasks, hold)
