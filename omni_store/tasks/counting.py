"""Counting a product where it lives: confirm the zone, count, post the difference.

A count is blind (the book quantity is not shown). A large difference must be confirmed
by a second count that finds the same number before it is posted.
"""
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from omni_store.catalog.models import Product
from omni_store.core.clock import utcnow
from omni_store.core.errors import InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Zone
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind, TaskStatus
from omni_store.tasks.scanning import check_item, product_for_barcode
from omni_store.tasks.services import (
    complete_task,
    count_one_unit,
    create_task,
    set_progress,
    start_working,
    valid_scan_id,
)

LARGE_DIFFERENCE_UNITS = 5
LARGE_DIFFERENCE_SHARE = 0.2  # of the book quantity
MAX_COUNT = 99_999
ZONE_CONFIRMED = "zone confirmed:"
FIRST_COUNT = "first count:"


@dataclass(frozen=True)
class CountState:
    """Where a count stands, read from the task's history."""

    zone_confirmed: bool
    first_count: int | None  # a large difference waits for a second count that matches


def count_state(task: Task) -> CountState:
    notes = list(db.session.scalars(
        select(TaskEvent.note).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)
    ))
    first = None
    for note in notes:
        if note.startswith(FIRST_COUNT):
            first = int(note.removeprefix(FIRST_COUNT))
    return CountState(any(n.startswith(ZONE_CONFIRMED) for n in notes), first)


def plan_count(location_id: int, product_id: int, zone_id: int | None, actor_id: int | None,
               note: str = "", priority: int = 1) -> Task:
    """A count task for the product here; an open one already planned is reused."""
    existing = db.session.scalar(select(Task).where(
        Task.location_id == location_id, Task.kind == TaskKind.COUNT,
        Task.product_id == product_id, Task.status.in_(OPEN_TASK_STATUSES)))
    if existing is not None:
        return existing
    return create_task(location_id, TaskKind.COUNT,
                       utcnow() + current_app.config["PICKING_SLA"], product_id=product_id,
                       zone_id=zone_id, priority=priority, actor_id=actor_id, note=note)


def request_count(location_id: int, barcode_or_sku: str, zone_code: str, actor_id: int) -> Task:
    """A manager asks for a product to be counted (optionally in a given zone)."""
    text = (barcode_or_sku or "").strip()
    product = db.session.scalar(select(Product).where(Product.sku == text)) if text else None
    if product is None:
        product = product_for_barcode(text)
    zone_id = None
    if (zone_code or "").strip():
        zone = _zone_here(location_id, zone_code)
        zone_id = zone.id
    else:
        zone_id = db.session.scalar(select(StockLevel.zone_id).where(
            StockLevel.location_id == location_id, StockLevel.product_id == product.id))
    return plan_count(location_id, product.id, zone_id, actor_id, note="asked by a manager")


def _zone_here(location_id: int, code: str) -> Zone:
    code = (code or "").strip().upper()
    if not code:
        raise InvalidInput(_("Scan the zone's label."))
    zone = db.session.scalar(select(Zone).where(Zone.code == code))
    if zone is None or zone.location_id != location_id:
        raise NotFound(_("Zone %(code)s is not a zone of this store.", code=code[:40]))
    return zone


def expected_zone_ids(task: Task) -> set[int]:
    """The task's zone, and the zone the product lives in at this store."""
    level_zone = db.session.scalar(select(StockLevel.zone_id).where(
        StockLevel.location_id == task.location_id, StockLevel.product_id == task.product_id))
    return {zone_id for zone_id in (task.zone_id, level_zone) if zone_id is not None}


def confirm_count_zone(task: Task, zone_code: str, actor_id: int) -> None:
    _require_count(task)
    start_working(task, actor_id)
    zone = _zone_here(task.location_id, zone_code)
    expected = expected_zone_ids(task)
    if expected and zone.id not in expected:
        raise InvalidInput(_("Wrong zone: %(code)s is not where %(name)s is kept.",
                             code=zone.code, name=task.product.name))
    set_progress(task, 0, actor_id, f"{ZONE_CONFIRMED}{zone.code}")


def record_count_scan(task: Task, barcode: str, actor_id: int, scan_id: str) -> bool:
    _require_count(task)
    scan_id = valid_scan_id(scan_id)
    start_working(task, actor_id)
    _require_zone(task)
    check_item(task, barcode)
    return count_one_unit(task, scan_id, actor_id)


@dataclass(frozen=True)
class CountResult:
    posted: bool  # False: the difference is large, count again
    difference: int


def submit_count(task: Task, counted: int, actor_id: int) -> CountResult:
    """Post the count, or ask for a second one when the difference is large."""
    _require_count(task)
    if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_COUNT:
        raise InvalidInput(_("A count is a whole number from 0 to %(max)d.", max=MAX_COUNT))
    start_working(task, actor_id)
    state = _require_zone(task)
    book = db.session.scalar(select(StockLevel.on_hand).where(
        StockLevel.location_id == task.location_id, StockLevel.product_id == task.product_id)) or 0
    difference = counted - book
    if _is_large(difference, book) and state.first_count != counted:
        # Kept in the history; the next count starts from zero and must find the same.
        set_progress(task, 0, actor_id, f"{FIRST_COUNT}{counted}")
        return CountResult(False, difference)
    inventory.post_count(task.location_id, task.product_id, counted,
                         inventory.Ref(f"task:{task.id}", actor_id, f"{book} -> {counted}"))
    task.done_quantity = counted
    complete_task(task, actor_id, f"counted {counted}, book {book}")
    return CountResult(True, difference)


def _is_large(difference: int, book: int) -> bool:
    if difference == 0:
        return False
    return abs(difference) >= LARGE_DIFFERENCE_UNITS or abs(difference) >= LARGE_DIFFERENCE_SHARE * book


def _require_count(task: Task) -> None:
    if task.kind != TaskKind.COUNT or task.product_id is None:
        raise InvalidInput(_("This is not a product count."))


def _require_zone(task: Task) -> CountState:
    state = count_state(task)
    if not state.zone_confirmed:
        raise InvalidInput(_("Scan the zone's label first."))
    if task.status != TaskStatus.IN_PROGRESS:
        raise InvalidInput(_("This task is already closed."))
    return state
