"""Read-only views of the current store's tasks, for the screens and the board."""
from flask_babel import lazy_gettext as _l
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from flask import abort
from sqlalchemy import Join, Label, Row, case, exists, func, or_, outerjoin, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from omni_store.auth.models import User
from omni_store.auth.scoping import current_store, scoped
from omni_store.catalog.models import Product
from omni_store.extensions import db
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Location, Zone
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

# A long group first shows this many of its tasks, the soonest due; the rest wait behind
# "Show N more". A group of up to WHOLE_GROUP tasks shows whole: hiding a handful behind a
# tap helps nobody (every group of the demo stores fits).
FIRST_OF_GROUP = 10
WHOLE_GROUP = 15
# The order of the work within a group: soonest due first, then the higher priority.
DUE_ORDER = (Task.due_at, Task.priority.desc(), Task.id)


class Show(StrEnum):
    """Which of the store's open tasks the list shows."""

    ALL = "all"
    MINE = "mine"  # claimed by or assigned to the signed-in associate
    UNASSIGNED = "unassigned"  # nobody is on it yet


SHOW_LABELS = {
    Show.MINE: _l("Mine"),
    Show.UNASSIGNED: _l("Unassigned"),
    Show.ALL: _l("All"),
}


@dataclass(frozen=True)
class TaskGroup:
    kind: TaskKind
    total: int  # open tasks of this kind that the filter shows
    rows: list[Row]  # the ones listed, in due order: the first FIRST_OF_GROUP, or all (short or opened)
    opened: bool  # the associate asked for the whole group

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)

    @property
    def can_fold(self) -> bool:
        """Opened, and long enough to show only its first tasks again."""
        return self.opened and self.total > WHOLE_GROUP


@dataclass(frozen=True)
class TodayList:
    groups: list[TaskGroup]  # in KIND_ORDER, only kinds with tasks
    per_filter: dict[Show, int]  # open tasks behind each filter, for its tab

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


def today_list(show: Show, user_id: int, opened: frozenset[TaskKind] = frozenset()) -> TodayList:
    """The current store's open tasks by kind: the first FIRST_OF_GROUP of each long kind by
    due time (every task of the short kinds and of those in `opened`), with counts, in two
    statements whatever the number of tasks."""
    return TodayList(_groups(show, user_id, opened), _count_per_filter(user_id))


def _show_filter(show: Show, user_id: int):
    match show:
        case Show.MINE:
            return Task.assignee_id == user_id
        case Show.UNASSIGNED:
            return Task.assignee_id.is_(None)
    return true()


@dataclass(frozen=True)
class _CardQuery:
    columns: tuple  # what a card shows, as plain columns
    joins: Join  # the task with its assignee, product, zone, order and other location
    place_in_kind: Label  # rank by due order within the task's kind
    tasks_of_kind: Label


@cache
def _card_query() -> _CardQuery:
    """Today is polled every 10 s by every tablet: what does not depend on the request is
    built once per process (on first use: every model is mapped by then)."""
    counterpart = aliased(Location)
    return _CardQuery(
        columns=(
            Task.id, Task.kind, Task.due_at, Task.priority, Task.quantity, Task.assignee_id,
            User.name.label("assignee_name"), Product.name.label("product_name"),
            Zone.name.label("zone_name"), Zone.code.label("zone_code"), Order.number.label("order_number"),
            counterpart.code.label("counterpart_code"), counterpart.name.label("counterpart_name"),
        ),
        joins=outerjoin(Task, User, User.id == Task.assignee_id)
        .outerjoin(Product, Product.id == Task.product_id)
        .outerjoin(Zone, Zone.id == Task.zone_id)
        .outerjoin(Order, Order.id == Task.order_id)
        .outerjoin(counterpart, counterpart.id == Task.counterpart_location_id),
        place_in_kind=func.row_number().over(partition_by=Task.kind, order_by=DUE_ORDER).label("place"),
        tasks_of_kind=func.count().over(partition_by=Task.kind).label("of_kind"),
    )


def _groups(show: Show, user_id: int, opened: frozenset[TaskKind]) -> list[TaskGroup]:
    # Rank every open task within its kind, then read the columns a card shows for the
    # first ranks only: plain rows, no ORM object per task.
    card = _card_query()
    ranked = scoped(
        select(Task.id, card.place_in_kind, card.tasks_of_kind)
        .where(Task.status.in_(OPEN_TASK_STATUSES), _show_filter(show, user_id)), Task,
    ).subquery()
    rows = db.session.execute(
        select(*card.columns, ranked.c.of_kind)
        .select_from(card.joins.join(ranked, ranked.c.id == Task.id))
        .where(or_(ranked.c.place <= FIRST_OF_GROUP, ranked.c.of_kind <= WHOLE_GROUP,
                   Task.kind.in_(opened)))
        .order_by(*DUE_ORDER)
    ).all()
    by_kind: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    return [TaskGroup(kind, by_kind[kind][0].of_kind, by_kind[kind], kind in opened)
            for kind in KIND_ORDER if kind in by_kind]


def _count_per_filter(user_id: int) -> dict[Show, int]:
    mine, unassigned, every = db.session.execute(scoped(
        select(func.count(case((Task.assignee_id == user_id, 1))),
               func.count(case((Task.assignee_id.is_(None), 1))), func.count())
        .where(Task.status.in_(OPEN_TASK_STATUSES)), Task)).one()
    return {Show.MINE: mine, Show.UNASSIGNED: unassigned, Show.ALL: every}


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
