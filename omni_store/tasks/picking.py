"""Picking an order line off the shelf: scan each unit, or report it not found (DESIGN §3, §5)."""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from omni_store.core.errors import Forbidden, InvalidInput
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import MovementReason
from omni_store.orders.models import OrderStatus
from omni_store.orders.resourcing import Shortfall
from omni_store.tasks.counting import plan_count
from omni_store.tasks.events import report_units_missing, work_moved
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.scanning import check_item
from omni_store.tasks.services import (
    TaskConflict,
    complete_task,
    count_one_unit,
    scan_applied,
    set_progress,
    start_working,
    stop_with_exception,
    valid_scan_id,
)

MAX_REASON_LENGTH = 120

# Why a unit was not found; the associate may add a few words.
SHORT_PICK_REASONS = {
    "not_on_shelf": _l("Not on the shelf"),
    "damaged": _l("Damaged, cannot be sold"),
    "wrong_item": _l("Another product in its place"),
    "other": _l("Other reason"),
}


def _require_pick(task: Task) -> None:
    if task.kind != TaskKind.PICK:
        raise InvalidInput(_("This is not a pick task."))


def record_pick_scan(task: Task, barcode: str, actor_id: int, scan_id: str) -> bool:
    """One scanned unit of the right product; the same scan id twice counts once.

    Returns True if the scan counted. The last unit completes the task and moves the order.
    """
    _require_pick(task)
    scan_id = valid_scan_id(scan_id)
    if task.status == TaskStatus.DONE and scan_applied(task, scan_id):
        return False  # the scan that finished the task, sent twice
    start_working(task, actor_id)
    check_item(task, barcode)
    if task.done_quantity >= task.quantity:
        raise TaskConflict(_("All %(num)d units are already picked.", num=task.quantity))
    counted = count_one_unit(task, scan_id, actor_id, limit=task.quantity)
    if counted and task.done_quantity == task.quantity:
        _finish(task, actor_id)
    elif counted and task.order is not None and task.order.status == OrderStatus.SOURCED:
        work_moved(task.order, actor_id)  # the first unit: the order is being prepared
    return counted


def confirm_pick_quantity(task: Task, actor_id: int, scan_id: str) -> None:
    """Where the store allows it, pick the remaining units without scanning them."""
    _require_pick(task)
    scan_id = valid_scan_id(scan_id)
    if task.status == TaskStatus.DONE and scan_applied(task, scan_id):
        return
    if not task.location.allow_pick_without_scan:
        raise Forbidden(_("This store asks to scan every unit."))
    start_working(task, actor_id)
    set_progress(task, task.quantity, actor_id, f"scan:{scan_id}")
    _finish(task, actor_id)


def _finish(task: Task, actor_id: int) -> None:
    complete_task(task, actor_id)
    if task.order is not None:
        work_moved(task.order, actor_id)


@dataclass(frozen=True)
class ShortPick:
    missing: int
    count_task: Task
    shortfall: Shortfall | None  # None: the pick was not for an order


def report_short_pick(task: Task, missing_quantity: int, reason: str, actor_id: int,
                      detail: str = "") -> ShortPick:
    """Units not found: stock corrected at once, a count planned, the rest sourced elsewhere.

    `missing_quantity` of the units still to pick are not there. If that is all of them the
    task ends: done with the smaller quantity, or exception when nothing was picked.
    """
    _require_pick(task)
    if reason not in SHORT_PICK_REASONS:
        raise InvalidInput(_("Choose why the units are missing."))
    detail = (detail or "").strip()
    if reason == "other" and not detail:
        raise InvalidInput(_("Say in a few words why the units are missing."))
    if len(detail) > MAX_REASON_LENGTH:
        raise InvalidInput(_("Keep the reason under %(max)d characters.", max=MAX_REASON_LENGTH))
    start_working(task, actor_id)
    remaining = task.quantity - task.done_quantity
    if isinstance(missing_quantity, bool) or not isinstance(missing_quantity, int) or not (
        1 <= missing_quantity <= remaining
    ):
        raise InvalidInput(_("The missing quantity must be from 1 to %(max)d.", max=remaining))
    why = f"{reason}: {detail}" if detail else reason
    reference = task.order.reference if task.order else f"task:{task.id}"
    inventory.remove_allocated(task.location_id, task.product_id, missing_quantity,
                               MovementReason.SHORT_PICK, inventory.Ref(reference, actor_id, why))
    count_task = plan_count(task.location_id, task.product_id, task.zone_id, actor_id,
                            note=f"short pick on task {task.id}")
    picked = task.done_quantity
    task.quantity -= missing_quantity
    note = f"short {missing_quantity}: {why}"
    if task.quantity == picked:
        if picked == 0:
            stop_with_exception(task, actor_id, note)
        else:
            complete_task(task, actor_id, note)
    else:
        db.session.flush()
    shortfall = None
    if task.allocation is not None:
        shortfall = report_units_missing(task.allocation, missing_quantity, actor_id)
    if task.order is not None:
        work_moved(task.order, actor_id)
    return ShortPick(missing_quantity, count_task, shortfall)
