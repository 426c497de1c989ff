"""Putting released or returned units back where the product lives: scan the item, then the zone.

Until the zone is scanned the units are sellable but in the backroom; the product lookup
says so.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from omni_store.core.errors import InvalidInput
from omni_store.extensions import db
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Zone
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.scanning import check_item
from omni_store.tasks.services import TaskConflict, complete_task, set_progress, start_working


def home_zone(task: Task) -> Zone | None:
    """Where the product lives at this store (its stock level's zone), else the task's zone."""
    zone = db.session.scalar(
        select(Zone).join(StockLevel, StockLevel.zone_id == Zone.id)
        .where(StockLevel.location_id == task.location_id, StockLevel.product_id == task.product_id)
    )
    return zone or task.zone


def _require_restock(task: Task) -> None:
    if task.kind != TaskKind.RESTOCK or task.product_id is None:
        raise InvalidInput(_("This is not a restock task."))


def take_restock_items(task: Task, barcode: str, actor_id: int) -> None:
    """The associate scanned the item: the units are in hand (a second scan changes nothing)."""
    _require_restock(task)
    start_working(task, actor_id)
    check_item(task, barcode)
    if task.done_quantity != task.quantity:
        set_progress(task, task.quantity, actor_id, "items in hand")


def put_back(task: Task, zone_code: str, actor_id: int) -> None:
    """The associate scanned the product's zone: the units are back on sale where they belong."""
    _require_restock(task)
    if task.status == TaskStatus.DONE:
        return  # the zone scanned twice
    start_working(task, actor_id)
    if task.done_quantity != task.quantity:
        raise TaskConflict(_("Scan the item first."))
    code = (zone_code or "").strip().upper()
    if not code:
        raise InvalidInput(_("Scan the zone's label."))
    zone = home_zone(task)
    if zone is not None and code != zone.code:
        raise InvalidInput(_("Wrong zone: %(name)s goes back to %(zone)s (%(code)s).",
                             name=task.product.name, zone=zone.name, code=zone.code))
    if zone is None:
        scanned = db.session.scalar(select(Zone).where(Zone.code == code[:40]))
        if scanned is None or scanned.location_id != task.location_id:
            raise InvalidInput(_("Zone %(code)s is not a zone of this store.", code=code[:40]))
    complete_task(task, actor_id, f"put back in {code[:40]}")
