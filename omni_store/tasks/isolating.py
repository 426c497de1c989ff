"""Putting an order's units into a hold-zone slot, where they wait for the customer."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from omni_store.core.clock import utcnow
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.network.models import Zone, ZoneKind
from omni_store.orders.models import Hold, HoldStatus
from omni_store.tasks.events import work_moved
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.services import complete_task, start_working



class SlotRefused(DomainError):
    status_code = 409


def _room_left():
    """Per hold slot: its capacity minus the units of the holds waiting in it."""
    used = (
        select(func.coalesce(func.sum(Hold.quantity), 0))
        .where(Hold.zone_id == Zone.id, Hold.status == HoldStatus.ACTIVE)
        .correlate(Zone)
        .scalar_subquery()
    )
    return func.coalesce(Zone.capacity, 0) - used


def propose_slot(task: Task) -> Zone | None:
    """The slot where the order's other units already wait if it has room (they are handed
    over together), else the smallest free slot of this store that takes all the units."""
    room = _room_left()
    held = hold_of(task)
    return db.session.scalar(
        select(Zone)
        .where(Zone.location_id == task.location_id, Zone.kind == ZoneKind.HOLD,
               room >= task.quantity)
        .order_by((Zone.id == (held.zone_id if held else None)).desc(), Zone.capacity,
                  Zone.slot_number, Zone.id)
        .limit(1)
    )


def hold_of(task: Task) -> Hold | None:
    if task.order_id is None:
        return None
    return db.session.scalar(
        select(Hold).where(Hold.order_id == task.order_id, Hold.status == HoldStatus.ACTIVE)
    )


def isolate_order(task: Task, slot_code: str, actor_id: int) -> Hold:
    """The associate scanned a slot: the order's units wait there until the hold expires."""
    if task.kind != TaskKind.ISOLATE or task.order_id is None:
        raise InvalidInput(_("This is not a task to put an order in the hold zone."))
    code = (slot_code or "").strip().upper()
    if not code:
        raise InvalidInput(_("Scan the label of a hold slot."))
    existing = hold_of(task)
    if task.status == TaskStatus.DONE and existing is not None and existing.zone.code == code:
        return existing  # the same slot scanned twice
    start_working(task, actor_id)
    slot = db.session.scalar(select(Zone).where(Zone.code == code[:40]).with_for_update())
    if slot is None or slot.location_id != task.location_id:
        raise NotFound(_("%(code)s is not a hold slot of this store.", code=code[:40]))
    if slot.kind != ZoneKind.HOLD:
        raise SlotRefused(_("%(code)s is not a hold slot: scan the label of a slot in the "
                            "hold zone.", code=slot.code))
    # The slot row is locked above: two orders cannot squeeze into its last places at once.
    room = db.session.scalar(select(_room_left()).where(Zone.id == slot.id))
    if room < task.quantity:
        raise SlotRefused(_("Slot %(code)s has room for %(room)d, this order has %(units)d: "
                            "choose another slot.", code=slot.code, room=max(room, 0),
                            units=task.quantity))
    now = utcnow()
    days = current_app.config["HOLD_DAYS"]
    hold = Hold(order_id=task.order_id, zone_id=slot.id, quantity=task.quantity,
                status=HoldStatus.ACTIVE, placed_at=now, expires_at=now + timedelta(days=days))
    db.session.add(hold)
    db.session.flush()
    complete_task(task, actor_id, f"hold slot {slot.code}")
    work_moved(task.order, actor_id)
    return hold
