"""Packing: a parcel is opened for an order (or a return) and filled one scanned unit at a time.

A second request with the same scan id counts nothing, and a unit goes in only if a PACK
task of the parcel expects it. Services flush; the caller commits.
"""
from flask_babel import gettext as _
from sqlalchemy import exists, select

from omni_store.catalog.models import Barcode, Product
from omni_store.core.database import compare_and_set, lock_row
from omni_store.core.errors import InvalidInput, NotFound
from omni_store.core.sequences import next_code
from omni_store.extensions import db
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import Parcel, ParcelBucket, ParcelKind, ParcelLine, ParcelStatus
from omni_store.shuttles.runs import active_route
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind
from omni_store.tasks.services import count_one_unit, start_working, valid_scan_id

PARCEL_SEQUENCE = "parcel"
MAX_COUNT = 999  # units of one product counted in one parcel
MAX_CODE_LENGTH = 40


def normalised_code(code: str | None) -> str:
    """A parcel code as scanned or typed: trimmed, upper case, refused when blank or too long."""
    code = (code or "").strip().upper()
    if not code:
        raise InvalidInput(_("Scan or type a parcel code."))
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(_("That is not a parcel code."))
    return code


def open_parcel(origin_id: int, destination_id: int | None, kind: ParcelKind,
                order_id: int | None = None) -> Parcel:
    """A new, empty parcel with its own code (printed as QR and Code 128)."""
    parcel = Parcel(code=next_code(PARCEL_SEQUENCE, "P-{:06d}"), kind=kind,
                    status=ParcelStatus.OPEN, origin_id=origin_id,
                    destination_id=destination_id, order_id=order_id)
    db.session.add(parcel)
    db.session.flush()
    return parcel


def create_parcel(origin_id: int, destination_id: int,
                  lines: list[tuple[int, int, ParcelBucket, int | None]],
                  order_id: int | None = None, actor_id: int | None = None) -> Parcel:
    """A parcel whose contents are known at once (a return sent to a warehouse).

    It goes by shuttle where a route exists, else with the daily carrier pickup. It is
    left open: it is sealed and labelled from its page, like any packed parcel.
    """
    if not lines:
        raise InvalidInput(_("A parcel needs at least one line."))
    kind = ParcelKind.SHUTTLE if active_route(origin_id, destination_id) else ParcelKind.CARRIER
    parcel = open_parcel(origin_id, destination_id, kind, order_id)
    for product_id, quantity, bucket, allocation_id in lines:
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_COUNT:
            raise InvalidInput(_("A parcel line holds from 1 to %(max)d units.", max=MAX_COUNT))
        parcel.lines.append(ParcelLine(product_id=product_id, quantity=quantity,
                                       bucket=ParcelBucket(bucket), allocation_id=allocation_id))
    db.session.flush()
    return parcel


def pack_tasks(parcel: Parcel) -> list[Task]:
    """The PACK tasks filling the parcel, as stored now."""
    return list(db.session.scalars(
        select(Task).where(Task.parcel_id == parcel.id, Task.kind == TaskKind.PACK)
        .order_by(Task.id).execution_options(populate_existing=True)
    ))


def start_packing(task: Task, actor_id: int) -> Parcel:
    """The parcel a PACK task fills: the open one of the same order and destination, or a new one."""
    if task.kind != TaskKind.PACK:
        raise NotFound()
    start_working(task, actor_id)
    if task.parcel_id is not None:
        return task.parcel
    kind = ParcelKind.SHUTTLE if task.counterpart_location_id else ParcelKind.CARRIER
    parcel = db.session.scalar(
        select(Parcel).where(
            Parcel.origin_id == task.location_id, Parcel.order_id == task.order_id,
            Parcel.kind == kind, Parcel.status == ParcelStatus.OPEN,
            Parcel.destination_id.is_(None) if task.counterpart_location_id is None
            else Parcel.destination_id == task.counterpart_location_id,
        ).order_by(Parcel.id)
    ) or open_parcel(task.location_id, task.counterpart_location_id, kind, task.order_id)
    compare_and_set(task, Task.parcel_id.is_(None), parcel_id=parcel.id)
    return task.parcel


def pack_task_item(task: Task, barcode: str, actor_id: int, scan_id: str) -> Parcel:
    """A scan on a PACK task's screen: the unit goes into the task's parcel."""
    return pack_item(start_packing(task, actor_id), barcode, actor_id, scan_id)


def pack_item(parcel: Parcel, barcode: str, actor_id: int, scan_id: str) -> Parcel:
    """One scanned unit goes into the parcel, if a PACK task of the parcel expects it.

    A second request with the same scan id (a double Enter, a retried request) counts
    nothing; a wrong product is refused with its name and what is expected.
    """
    scan_id = valid_scan_id(scan_id)
    barcode = (barcode or "").strip()
    if not barcode:
        raise InvalidInput(_("Scan a product barcode."))
    if len(barcode) > MAX_CODE_LENGTH:
        raise InvalidInput(_("That is not a product barcode."))
    lock_row(Parcel, parcel.id)
    db.session.refresh(parcel)
    if parcel.status != ParcelStatus.OPEN:
        raise ShuttleError(_("Parcel %(code)s is sealed: nothing more goes in.", code=parcel.code))
    tasks = [t for t in pack_tasks(parcel) if t.status in OPEN_TASK_STATUSES]
    if db.session.scalar(select(exists().where(
            TaskEvent.task_id.in_([t.id for t in tasks] or [0]),
            TaskEvent.note == f"scan:{scan_id}"))):
        return parcel  # this scan was already counted
    product = db.session.scalar(select(Product).join(Barcode).where(Barcode.code == barcode))
    if product is None:
        raise NotFound(_("No product has the barcode %(code)s.", code=barcode))
    expected = [t for t in tasks if t.product_id == product.id]
    task = next((t for t in expected if t.done_quantity < t.quantity), None)
    if task is None:
        if expected:
            raise ShuttleError(_("All %(quantity)d × %(name)s are already in the parcel.",
                                 quantity=sum(t.quantity for t in expected), name=product.name))
        wanted = ", ".join(sorted({t.product.name for t in tasks})) or _("nothing more")
        raise ShuttleError(_("This is %(name)s: this parcel expects %(expected)s.",
                             name=product.name, expected=wanted))
    _require_picked(task)
    start_working(task, actor_id)
    if count_one_unit(task, scan_id, actor_id, limit=task.quantity):
        line = next((ln for ln in parcel.lines if ln.allocation_id == task.allocation_id), None)
        if line is None:
            line = ParcelLine(product_id=product.id, quantity=0, bucket=ParcelBucket.ALLOCATED,
                              allocation_id=task.allocation_id)
            parcel.lines.append(line)
        line.quantity += 1
        db.session.flush()
    return parcel


def _require_picked(pack: Task) -> None:
    pick = db.session.scalar(select(Task).where(
        Task.allocation_id == pack.allocation_id, Task.kind == TaskKind.PICK,
        Task.status.in_(OPEN_TASK_STATUSES)))
    if pick is not None:
        raise ShuttleError(_("Pick %(name)s first: its pick task is still open.",
                             name=pack.product.name))
