"""Today's orders and tasks, placed and worked through the real services."""
import unicodedata
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from omni_store.auth.models import User
from omni_store.catalog.models import Product
from omni_store.appointments.services import publish_slots, reserve_with_appointment, slots_for_items
from omni_store.core.clock import as_utc, local, utcnow
from omni_store.demo import appointments_data, network_data, orders_data, people_data
from omni_store.demo.orders_data import DemoOrder, Progress
from omni_store.extensions import db
from omni_store.inventory.models import Channel
from omni_store.network.models import Location, Zone
from omni_store.orders.models import STORE_DELIVERY_METHODS, Customer, Order
from omni_store.fulfilment.cancellation import cancel_order
from omni_store.fulfilment.placing import place_order
from omni_store.orders.intake import OrderRequest
from omni_store.tasks.models import Task, TaskKind
from omni_store.shuttles.packing import pack_task_item
from omni_store.shuttles.sealing import seal_parcel
from omni_store.tasks.picking import record_pick_scan
from omni_store.tasks.services import claim_task, create_task


def customer_email(demo: DemoOrder) -> str:
    """camille.martin@client.demo; accents dropped, as people type their address."""
    local_part = f"{demo.first_name}.{demo.last_name}".lower()
    ascii_part = unicodedata.normalize("NFKD", local_part).encode("ascii", "ignore").decode()
    return f"{ascii_part}@{orders_data.CUSTOMER_MAIL_DOMAIN}"


class Staff:
    """Who works where: the associate who does a store's tasks, the manager who cancels."""

    def __init__(self, locations: dict[str, Location], users: dict[str, User]):
        def by_store(email_of) -> dict[int, int]:
            return {locations[s.code].id: users[email_of(s)].id for s in network_data.STORES}

        self.associate_of = by_store(people_data.associate_email)
        self.manager_of = by_store(people_data.manager_email)


def seed_day(locations: dict[str, Location], zones: dict[str, Zone],
             products: dict[str, Product], users: dict[str, User]) -> None:
    now = utcnow()
    seed_appointment_slots(locations, now)
    staff = Staff(locations, users)
    already_placed = set(db.session.scalars(select(Customer.email).join(Order)))
    for demo in orders_data.DEMO_ORDERS:
        if customer_email(demo) in already_placed:
            continue
        placed_by = (staff.associate_of[locations[demo.where].id]
                     if demo.channel == Channel.STORE else None)
        order = _place(demo, locations, products, now, placed_by)
        _as_if_placed_at(order, now - timedelta(minutes=demo.minutes_ago))
        _work_on(order, demo.progress, staff)
    _seed_store_tasks(locations, zones, products, now)


def seed_appointment_slots(locations: dict[str, Location], now: datetime) -> None:
    """Each demo store's advice slots for the coming week; a slot already there is kept."""
    for code in appointments_data.STORES_WITH_SLOTS:
        store = locations[code]
        today = local(now, store.timezone).date()
        for day in (today + timedelta(days=n) for n in range(appointments_data.DAYS_AHEAD)):
            for series in appointments_data.SLOT_SERIES:
                first = _first_start_after(series, store, day, now)
                if first is not None:
                    publish_slots(store, day, first, series.last, series.length_minutes,
                                  series.capacity, series.expertise, now)


def _first_start_after(series, store: Location, day, now: datetime) -> time | None:
    """The series' first start on `day` that is still to come (None: all of it is past)."""
    start = datetime.combine(day, series.first, tzinfo=ZoneInfo(store.timezone))
    last = datetime.combine(day, series.last, tzinfo=ZoneInfo(store.timezone))
    while start <= now:
        start += timedelta(minutes=series.length_minutes)
    return start.time() if start <= last else None


def _place(demo: DemoOrder, locations: dict[str, Location], products: dict[str, Product],
           now: datetime, placed_by: int | None) -> Order:
    """The order; an e-reservation books the first slot its items can make after the
    demo's appointment time (when that time falls at night, the next evening)."""
    request = _request(demo)
    if demo.appointment_in_hours is None:
        return place_order(request, actor_id=placed_by)
    quantities = {products[sku]: quantity for sku, quantity in demo.lines}
    first_product = products[demo.lines[0][0]]
    expertise = appointments_data.EXPERTISE_OF_CATEGORY.get(first_product.category, "")
    wanted_from = now + timedelta(hours=demo.appointment_in_hours)
    slot = next((offer.slot for offer in slots_for_items(locations[demo.where], quantities,
                                                         expertise, now)
                 if as_utc(offer.slot.starts_at) >= wanted_from), None)
    if slot is None:
        return place_order(request, actor_id=placed_by)
    return reserve_with_appointment(request, slot.id, placed_by).order


def _request(demo: DemoOrder) -> OrderRequest:
    at_store = demo.method in STORE_DELIVERY_METHODS
    address, latitude, longitude = (
        ("", None, None) if at_store else orders_data.ADDRESSES[demo.where]
    )
    return OrderRequest(
        email=customer_email(demo),
        first_name=demo.first_name,
        last_name=demo.last_name,
        lines=list(demo.lines),
        delivery_method=demo.method,
        pickup_store_code=demo.where if at_store else None,
        ship_address=address,
        ship_latitude=latitude,
        ship_longitude=longitude,
        channel=demo.channel,
    )


def _order_tasks(order: Order) -> list[Task]:
    return db.session.scalars(select(Task).where(Task.order_id == order.id).order_by(Task.id)).all()


def _as_if_placed_at(order: Order, placed_at: datetime) -> None:
    """Move the new order's timeline back to when it landed in the demo day.

    The seed places a whole day of orders in one go; shifting every time of the order
    by the same amount keeps its promise, SLA and due times consistent with each other,
    and turns the oldest untouched tasks late, as they would be. The stock ledger keeps
    its true times (it is append-only).
    """
    shift = placed_at - order.created_at
    order.created_at = placed_at
    order.promised_at += shift
    for line in order.lines:
        for allocation in line.allocations:
            allocation.expected_at += shift
    for task in _order_tasks(order):
        task.created_at += shift
        task.due_at += shift
        for event in task.events:
            event.created_at += shift
    db.session.flush()


def _work_on(order: Order, progress: Progress, staff: Staff) -> None:
    tasks = _order_tasks(order)
    picks = [t for t in tasks if t.kind == TaskKind.PICK]
    packs = [t for t in tasks if t.kind == TaskKind.PACK]
    if progress == Progress.CLAIMED:
        claim_task(picks[0], staff.associate_of[picks[0].location_id])
    if progress in (Progress.PICKED, Progress.PACKED, Progress.CANCELLED_AFTER_PICK):
        _pick(picks, staff)
    if progress == Progress.PACKED:
        _pack_and_seal(packs, staff)
    if progress in (Progress.CANCELLED, Progress.CANCELLED_AFTER_PICK):
        cancel_order(order, staff.manager_of.get(order.pickup_location_id),
                     orders_data.CANCEL_REASON)


def _pick(tasks: list[Task], staff: Staff) -> None:
    """Scan every unit, as the associate would: the order moves on (isolate task, picking)."""
    for task in tasks:
        associate = staff.associate_of[task.location_id]
        claim_task(task, associate)
        for unit in range(task.quantity):
            record_pick_scan(task, task.product.ean, associate, f"demopick{task.id}u{unit}")


def _pack_and_seal(tasks: list[Task], staff: Staff) -> None:
    """Pack every unit into the shuttle or carrier parcel and seal it, label and run included."""
    for task in tasks:
        associate = staff.associate_of[task.location_id]
        for unit in range(task.quantity):
            parcel = pack_task_item(task, task.product.ean, associate, f"demopack{task.id}u{unit}")
        seal_parcel(parcel, associate)


def _seed_store_tasks(locations: dict[str, Location], zones: dict[str, Zone],
                      products: dict[str, Product], now: datetime) -> None:
    """The planned counts and restocks, each found again by (store, kind, product)."""
    existing = {tuple(row) for row in db.session.execute(
        select(Task.location_id, Task.kind, Task.product_id).where(Task.order_id.is_(None))
    )}
    for store, kind, sku, zone_suffix, units, due_in in orders_data.STORE_TASKS:
        location_id, product_id = locations[store].id, products[sku].id
        if (location_id, kind, product_id) in existing:
            continue
        create_task(location_id, kind, now + timedelta(minutes=due_in), product_id=product_id,
                    zone_id=zones[f"{store}-{zone_suffix}"].id, quantity=units)
