"""Order intake, cancellation and the sourcing plan as screens read it (DESIGN §4, §5).

`place_order` validates everything before writing anything, then sources, allocates,
promises and creates the store tasks inside one SAVEPOINT: a line that cannot be
covered undoes the whole intake. Services flush; the caller commits.
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import uuid4

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from omni_store.catalog.models import Offer, Product
from omni_store.core.clock import as_utc, utcnow
from omni_store.core.database import MAX_ROW_ID
from omni_store.core.errors import DomainError, InvalidInput, NotAvailable, NotFound
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Channel
from omni_store.network.models import Location, LocationKind
from omni_store.network.snapshot import Site, network
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    STORE_DELIVERY_METHODS,
    Allocation,
    AllocationStatus,
    Customer,
    DeliveryMethod,
    Hold,
    HoldStatus,
    Order,
    OrderLine,
    OrderStatus,
    Transport,
)
from omni_store.orders.promise import CARRIER_DELIVERY as CARRIER_DELIVERY  # shuttles use it
from omni_store.orders.promise import Leg, leg, picking_sla, promise, ready_at_store
from omni_store.orders.sourcing import (
    Candidate,
    Destination,
    SourcedQuantity,
    SourcingRules,
    plan_line,
)
from omni_store.orders.weighted_rules import current_rules
from omni_store.tasks.models import FINAL_TASK_STATUSES, Task, TaskKind, TaskStatus
from omni_store.tasks.services import cancel_task, create_task

MAX_LINE_QUANTITY = 999
# A lost allocation race re-plans the rest of the line; a busy product gives up after this.
MAX_SOURCING_ATTEMPTS = 3
ORDER_NUMBER_PREFIXES = {Channel.WEB: "W", Channel.STORE: "S", Channel.MARKETPLACE: "M"}


@dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """An order as the e-commerce front, an associate or the API sends it."""

    email: str
    first_name: str
    last_name: str = ""
    phone: str = ""
    lines: list[tuple[str, int]]  # (SKU, quantity); the same SKU twice is merged
    delivery_method: DeliveryMethod
    pickup_store_code: str | None = None  # pickup and e-reservation
    ship_address: str = ""  # home and ship from store
    ship_latitude: float | None = None
    ship_longitude: float | None = None
    appointment_at: datetime | None = None
    channel: Channel = Channel.WEB


@dataclass(frozen=True)
class _ValidOrder:
    method: DeliveryMethod
    channel: Channel
    email: str
    quantities: dict[Product, int]  # in the order the customer listed them
    destination: Destination
    ship_address: str


@dataclass(frozen=True)
class _Sourced:
    allocation: Allocation
    source: Site
    zone_id: int | None
    leg: Leg


@dataclass(frozen=True)
class LinePlan:
    line: OrderLine
    allocations: list[Allocation]


# --- intake ----------------------------------------------------------------------------


def place_order(request: OrderRequest, actor_id: int | None = None,
                rules: SourcingRules | None = None) -> Order:
    """Create, source and allocate an order, with its tasks; NotAvailable leaves no trace.

    By default the retailer's saved sourcing rules (`current_rules`) choose the sources.
    """
    now = utcnow()
    rules = rules or current_rules()
    valid = _validate(request, now)
    if request.appointment_at is not None:
        rules = arriving_by(request.appointment_at, valid.destination, now, rules)
    with db.session.begin_nested():
        order = _create_order(request, valid, now)
        sourced = [
            entry
            for line in order.lines
            for entry in _allocate_line(order, line, valid.destination, rules, now, actor_id)
        ]
        order.promised_at = promise(valid.destination, [entry.allocation for entry in sourced],
                                    network())
        _create_tasks(order, sourced, now, actor_id)
    return order


def place_marketplace_order(request: OrderRequest, offer_id: int) -> Order:
    """Home delivery of one line sold by a marketplace seller: no own stock is allocated
    and no store works on it; the seller's stock goes down and its lead time is the promise."""
    request = replace(request, delivery_method=DeliveryMethod.HOME, channel=Channel.MARKETPLACE)
    now = utcnow()
    valid = _validate(request, now)
    if len(valid.quantities) != 1:
        raise InvalidInput(_("A marketplace order has exactly one line."))
    ((product, quantity),) = valid.quantities.items()
    offer = db.session.get(Offer, offer_id) if 1 <= offer_id <= MAX_ROW_ID else None
    if offer is None or offer.product_id != product.id:
        raise NotFound(_("This marketplace offer does not exist for %(sku)s.", sku=product.sku))
    with db.session.begin_nested():
        taken = db.session.execute(
            update(Offer).where(Offer.id == offer.id, Offer.stock >= quantity)
            .values(stock=Offer.stock - quantity).execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise NotAvailable(_("Seller %(seller)s no longer has %(quantity)d in stock.",
                                 seller=offer.seller.name, quantity=quantity))
        db.session.refresh(offer)
        order = _create_order(request, valid, now)
        order.lines[0].offer = offer
        order.lines[0].unit_price_cents = offer.price_cents
        order.promised_at = now + timedelta(days=offer.lead_time_days)
        db.session.flush()
    return order


def _validate(request: OrderRequest, now: datetime) -> _ValidOrder:
    method = _member(DeliveryMethod, request.delivery_method, _("Unknown delivery method."))
    channel = _member(Channel, request.channel, _("Unknown sales channel."))
    email = _text(request.email).lower()
    if "@" not in email or " " in email or len(email) > 254:
        raise InvalidInput(_("Please enter a valid email address."))
    if not _text(request.first_name):
        raise InvalidInput(_("Please enter the customer's first name."))
    quantities = _products_and_quantities(request.lines)
    if request.appointment_at is not None:
        if request.appointment_at.tzinfo is None:
            raise InvalidInput(_("The appointment time must include its timezone."))
        if request.appointment_at <= now:
            raise InvalidInput(_("The appointment must be in the future."))
        if method != DeliveryMethod.RESERVE:
            raise InvalidInput(_("Only an e-reservation comes with an advice appointment."))
    destination = _destination(method, request)
    ship_address = "" if destination.store else _text(request.ship_address)
    return _ValidOrder(method, channel, email, quantities, destination, ship_address)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _member(enum, value, message):
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(message) from None


def _products_and_quantities(lines: list[tuple[str, int]]) -> dict[Product, int]:
    if not lines:
        raise InvalidInput(_("An order needs at least one line."))
    requested: dict[str, int] = {}
    for raw_sku, quantity in lines:
        sku = _text(raw_sku)
        if not sku:
            raise InvalidInput(_("Every line needs a SKU."))
        requested[sku] = requested.get(sku, 0) + _valid_quantity(sku, quantity)
        _valid_quantity(sku, requested[sku])  # merged duplicates obey the same limit
    products = {
        p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(requested)))
    }
    unknown = [sku for sku in requested if sku not in products]
    if unknown:
        raise NotFound(_("Unknown SKU: %(skus)s", skus=", ".join(unknown)))
    return {products[sku]: quantity for sku, quantity in requested.items()}


def _valid_quantity(sku: str, quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not (
        1 <= quantity <= MAX_LINE_QUANTITY
    ):
        raise InvalidInput(_("The quantity of %(sku)s must be a whole number from 1 to %(max)d.",
                             sku=sku, max=MAX_LINE_QUANTITY))
    return quantity


def _destination(method: DeliveryMethod, request: OrderRequest) -> Destination:
    if method in STORE_DELIVERY_METHODS:
        return Destination.pickup_store(method, _pickup_store(request.pickup_store_code))
    latitude, longitude = request.ship_latitude, request.ship_longitude
    if not _text(request.ship_address):
        raise InvalidInput(_("Please enter the delivery address."))
    if not (_is_number(latitude) and -90 <= latitude <= 90
            and _is_number(longitude) and -180 <= longitude <= 180):
        raise InvalidInput(_("The delivery address needs valid coordinates (latitude, longitude)."))
    return Destination.address(method, latitude, longitude)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _pickup_store(code: str | None) -> Location:
    code = _text(code).upper()
    if not code:
        raise InvalidInput(_("Please choose the store where the customer collects the order."))
    store = db.session.scalar(select(Location).filter_by(code=code))
    if store is None or store.kind != LocationKind.STORE:
        raise NotFound(_("Unknown store: %(code)s", code=code))
    if not store.active:
        raise InvalidInput(_("Store %(code)s does not take orders at the moment.", code=code))
    if not store.does_pickup:
        raise InvalidInput(_("Store %(code)s does not offer in-store pickup.", code=code))
    return store


def _create_order(request: OrderRequest, valid: _ValidOrder, now: datetime) -> Order:
    destination = valid.destination
    order = Order(
        number=f"tmp-{uuid4().hex[:16]}",  # replaced below once the id is known
        channel=valid.channel,
        delivery_method=valid.method,
        status=OrderStatus.SOURCED,
        customer=_customer(request, valid.email),
        pickup_location=destination.store,
        ship_address=valid.ship_address,
        ship_latitude=None if destination.store else destination.latitude,
        ship_longitude=None if destination.store else destination.longitude,
        appointment_at=request.appointment_at,
        created_at=now,
        # Each line with an empty plan: sourcing appends to it without loading it first.
        lines=[OrderLine(product=product, quantity=quantity, unit_price_cents=product.price_cents,
                         allocations=[])
               for product, quantity in valid.quantities.items()],
    )
    db.session.add(order)
    db.session.flush()
    # Derived from the id, the number is unique however many orders land at once.
    order.number = f"{ORDER_NUMBER_PREFIXES[valid.channel]}{order.id:06d}"
    db.session.flush()
    return order


def _customer(request: OrderRequest, email: str) -> Customer:
    """The customer with this email, created on their first order."""
    existing = db.session.scalar(select(Customer).filter_by(email=email))
    if existing is not None:
        return existing
    customer = Customer(email=email, first_name=_text(request.first_name),
                        last_name=_text(request.last_name), phone=_text(request.phone))
    try:
        with db.session.begin_nested():
            db.session.add(customer)
            db.session.flush()
    except IntegrityError:  # the same new customer's other order got in first
        return db.session.scalar(select(Customer).filter_by(email=email))
    return customer


def _allocate_line(order: Order, line: OrderLine, destination: Destination,
                   rules: SourcingRules, now: datetime, actor_id: int | None,
                   quantity: int | None = None) -> list[_Sourced]:
    """Allocate `quantity` units of the line (all of it by default) from its planned
    sources, re-planning what another order took."""
    ref = inventory.Ref(order.reference, actor_id)
    sourced = []
    remaining = line.quantity if quantity is None else quantity
    for _attempt in range(MAX_SOURCING_ATTEMPTS):
        plan = plan_line(line.product, remaining, destination, order.channel, rules)
        if sum(part.quantity for part in plan) < remaining:
            break
        for part in plan:
            location = part.candidate.location
            if not inventory.allocate(location.id, line.product, part.quantity, order.channel, ref,
                                      buffer=part.candidate.buffer):
                break  # another order took these units after the plan was read
            sourced.append(_record_allocation(line, part, destination, now))
            remaining -= part.quantity
        if remaining == 0:
            return sourced
    raise NotAvailable(_("Not enough %(name)s (%(sku)s) available for this order.",
                         name=line.product.name, sku=line.product.sku))


def _record_allocation(line: OrderLine, part: SourcedQuantity, destination: Destination,
                       now: datetime) -> _Sourced:
    candidate = part.candidate
    journey = leg(candidate.location, candidate.transport, destination, now, network())
    allocation = Allocation(
        location_id=candidate.location.id,
        quantity=part.quantity,
        transport=candidate.transport,
        status=AllocationStatus.ACTIVE,
        distance_km=candidate.distance_km,
        explanation=part.explanation,
        expected_at=journey.arrives_at,
    )
    line.allocations.append(allocation)
    db.session.flush()
    return _Sourced(allocation, candidate.location, candidate.zone_id, journey)


def _create_tasks(order: Order, sourced: list[_Sourced], now: datetime,
                  actor_id: int | None) -> None:
    """The work each source and the pickup store do for these allocations. The pickup
    store's ISOLATE comes later, from fulfilment.advance, once every unit is there."""
    store = order.pickup_location
    for entry in sourced:
        allocation = entry.allocation
        source = entry.source
        about = dict(order_id=order.id, allocation_id=allocation.id,
                     product_id=allocation.line.product_id, quantity=allocation.quantity,
                     actor_id=actor_id, flush=False)
        at_pickup_store = store is not None and source.id == store.id
        if source.is_store:
            create_task(source.id, TaskKind.PICK, now + picking_sla(), zone_id=entry.zone_id,
                        **about)
            if not at_pickup_store:
                create_task(source.id, TaskKind.PACK, entry.leg.dispatch_by,
                            counterpart_location_id=store.id if store else None, **about)
        if store is not None and not at_pickup_store:
            create_task(store.id, TaskKind.RECEIVE, allocation.expected_at,
                        counterpart_location_id=source.id, **about)
    db.session.flush()  # every task and its first event in one batch


# --- adding a line ---------------------------------------------------------------------


def add_line(order: Order, sku: str, quantity: int, actor_id: int | None) -> OrderLine:
    """Another product for an open store order (a product to compare at an appointment):
    sourced, allocated and given its tasks like the first lines, in time for the
    appointment if there is one; NotAvailable leaves no trace."""
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    db.session.refresh(order)
    if order.status not in OPEN_ORDER_STATUSES or order.pickup_location is None:
        raise DomainError(_("Order %(number)s can no longer take new items.", number=order.number))
    ((product, quantity),) = _products_and_quantities([(sku, quantity)]).items()
    if any(line.product_id == product.id for line in order.lines):
        raise InvalidInput(_("%(name)s is already part of order %(number)s.",
                             name=product.name, number=order.number))
    now = utcnow()
    destination = _destination_of(order)
    rules = current_rules()
    if order.appointment_at is not None:
        rules = arriving_by(as_utc(order.appointment_at), destination, now, rules)
    with db.session.begin_nested():
        line = OrderLine(product=product, quantity=quantity, unit_price_cents=product.price_cents)
        order.lines.append(line)
        db.session.flush()
        sourced = _allocate_line(order, line, destination, rules, now, actor_id)
        _create_tasks(order, sourced, now, actor_id)
        active = [a for a in _order_allocations(order) if a.status != AllocationStatus.RELEASED]
        order.promised_at = promise(destination, active, network())
        if order.status == OrderStatus.READY:
            # The new units join the others in the hold zone before the order is ready again.
            order.status = OrderStatus.PICKING
        db.session.flush()
    return line


# --- re-sourcing a shortfall -------------------------------------------------------------


@dataclass(frozen=True)
class RestrictedRules:
    """The same rules over some of the candidates only."""

    rules: SourcingRules
    keep: Callable[[Candidate], bool]

    def rank(self, candidates, need):
        return self.rules.rank([c for c in candidates if self.keep(c)], need)

    def explain(self, candidate, quantity, choice, need, ranking):
        return self.rules.explain(candidate, quantity, choice, need, ranking)


def arriving_by(deadline: datetime, destination: Destination, now: datetime,
                rules: SourcingRules | None = None) -> RestrictedRules:
    """Only the sources whose units can be ready at the pickup store by `deadline` (an
    advice appointment): the same dates the promise and the delivery options give."""
    net = network()
    store = net.site(destination.store.id)

    def in_time(candidate: Candidate) -> bool:
        journey = leg(candidate.location, candidate.transport, destination, now, net)
        return ready_at_store(store, candidate.location.id, journey.arrives_at) <= deadline

    return RestrictedRules(rules or current_rules(), in_time)


def excluding(location_id: int, rules: SourcingRules | None = None) -> RestrictedRules:
    """Every source but one (the one found short), under the retailer's saved rules by default."""
    return RestrictedRules(rules or current_rules(),
                           lambda candidate: candidate.location.id != location_id)


def only_from(location_id: int, rules: SourcingRules | None = None) -> RestrictedRules:
    """The one source an associate chose for the customer in front of them."""
    return RestrictedRules(rules or current_rules(),
                           lambda candidate: candidate.location.id == location_id)


@dataclass(frozen=True)
class Shortfall:
    """What re-sourcing did with the units missing at a source."""

    missing: int
    new_allocations: list[Allocation]

    @property
    def covered(self) -> bool:
        return sum(a.quantity for a in self.new_allocations) == self.missing


def resource_shortfall(allocation: Allocation, missing: int, actor_id: int | None,
                       rules: SourcingRules | None = None) -> Shortfall:
    """Units promised at a source are not there: promise them from elsewhere.

    The caller has already taken the missing units out of stock (short_pick). The
    allocation shrinks, the work that depended on it shrinks with it, and the missing
    units are allocated at other sources with their own tasks; the order's promise moves.
    If no other source has them, the order keeps what it has: its lines show the gap
    (`uncovered_units`) for a manager to settle with the customer.
    """
    if not isinstance(missing, int) or not 1 <= missing <= allocation.quantity:
        raise InvalidInput(_("The missing quantity must be from 1 to %(max)d.",
                             max=allocation.quantity))
    line = allocation.line
    order = line.order
    allocation.quantity -= missing
    if allocation.quantity == 0:
        allocation.status = AllocationStatus.RELEASED
    _shrink_dependent_tasks(allocation, actor_id)
    now = utcnow()
    destination = _destination_of(order)
    try:
        with db.session.begin_nested():
            sourced = _allocate_line(order, line, destination,
                                     excluding(allocation.location_id, rules), now, actor_id,
                                     quantity=missing)
            _create_tasks(order, sourced, now, actor_id)
    except NotAvailable:
        db.session.flush()
        return Shortfall(missing, [])
    active = [a for a in _order_allocations(order) if a.status != AllocationStatus.RELEASED]
    order.promised_at = promise(destination, active, network())
    db.session.flush()
    return Shortfall(missing, [entry.allocation for entry in sourced])


def _shrink_dependent_tasks(allocation: Allocation, actor_id: int | None) -> None:
    """Open work moving this allocation's units (pack, receive) now moves fewer of them."""
    tasks = db.session.scalars(
        select(Task).where(Task.allocation_id == allocation.id,
                           Task.status.not_in(FINAL_TASK_STATUSES | {TaskStatus.EXCEPTION}))
    ).all()
    for task in tasks:
        if allocation.quantity == 0:
            cancel_task(task, actor_id, "re-sourced")
        else:
            task.quantity = allocation.quantity
    db.session.flush()


def _destination_of(order: Order) -> Destination:
    if order.pickup_location is not None:
        return Destination.pickup_store(order.delivery_method, order.pickup_location)
    return Destination.address(order.delivery_method, order.ship_latitude, order.ship_longitude)


def _order_allocations(order: Order) -> list[Allocation]:
    return list(db.session.scalars(
        select(Allocation).join(Allocation.line).where(OrderLine.order_id == order.id)
        .order_by(Allocation.id)
    ))


def uncovered_units(order: Order) -> dict[int, int]:
    """Per order line id, units no source is allocated for (a short pick found nowhere)."""
    covered: dict[int, int] = defaultdict(int)
    for allocation in _order_allocations(order):
        if allocation.status != AllocationStatus.RELEASED:
            covered[allocation.order_line_id] += allocation.quantity
    gaps = {line.id: line.quantity - covered[line.id] for line in order.lines}
    return {line_id: gap for line_id, gap in gaps.items() if gap > 0}


# --- cancellation ----------------------------------------------------------------------


def cancel_order(order: Order, actor_id: int | None, reason: str = "") -> None:
    """Give the stock back and stop the work; cancelling twice is harmless."""
    cancelled = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .values(status=OrderStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if cancelled.rowcount != 1:
        if order.status == OrderStatus.CANCELLED:
            return
        raise DomainError(_("Order %(number)s is closed; it can no longer be cancelled.",
                            number=order.number))
    give_back_order_items(order, actor_id, reason)


def give_back_order_items(order: Order, actor_id: int | None, reason: str) -> None:
    """A closed order's promised units return to stock, with a restock task for what is off
    the shelf; its slot is freed and its open work stops (cancelled or expired orders)."""
    ref = inventory.Ref(order.reference, actor_id, reason)
    tasks = db.session.scalars(select(Task).where(Task.order_id == order.id)).all()
    picks_done = {
        t.allocation_id: t for t in tasks if t.kind == TaskKind.PICK and t.status == TaskStatus.DONE
    }
    restock_due = utcnow() + picking_sla()
    holds = db.session.scalars(select(Hold).filter_by(order_id=order.id, status=HoldStatus.ACTIVE)).all()
    for line in order.lines:
        for allocation in line.allocations:
            if allocation.status != AllocationStatus.ACTIVE:
                continue
            inventory.release(allocation.location_id, line.product_id, allocation.quantity, ref)
            allocation.status = AllocationStatus.RELEASED
            # Picked, arrived from elsewhere, or waiting in a slot: off the shelf, someone puts it back.
            at_pickup_store = allocation.location_id == order.pickup_location_id
            off_the_shelf = allocation.id in picks_done or (
                at_pickup_store and (bool(holds) or allocation.transport != Transport.SAME_STORE)
            )
            if off_the_shelf:
                picked = picks_done.get(allocation.id)
                create_task(allocation.location_id, TaskKind.RESTOCK, restock_due,
                            order_id=order.id, allocation_id=allocation.id,
                            product_id=line.product_id, zone_id=picked.zone_id if picked else None,
                            quantity=allocation.quantity, actor_id=actor_id, note=reason)
    now = utcnow()
    for hold in holds:
        hold.status, hold.ended_at = HoldStatus.RELEASED, now  # the slot is free again
    for task in tasks:
        if task.status not in FINAL_TASK_STATUSES:
            cancel_task(task, actor_id, reason)
    db.session.flush()


# --- queries ---------------------------------------------------------------------------


def order_plan(order: Order, include_released: bool = False) -> list[LinePlan]:
    """Each line with the allocations that feed it and why they were chosen."""
    query = (
        select(Allocation)
        .join(Allocation.line)
        .where(OrderLine.order_id == order.id)
        .options(selectinload(Allocation.location))
        .order_by(Allocation.id)
    )
    if not include_released:
        query = query.where(Allocation.status != AllocationStatus.RELEASED)
    by_line = defaultdict(list)
    for allocation in db.session.scalars(query):
        by_line[allocation.order_line_id].append(allocation)
    return [LinePlan(line, by_line[line.id]) for line in order.lines]


# --- simulation --------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedLine:
    product: Product
    quantity: int
    sources: list[SourcedQuantity]  # fewer units than asked: nothing more anywhere


def simulate_order(lines: list[tuple[str, int]], pickup_store_code: str,
                   rules: SourcingRules | None = None) -> list[SimulatedLine]:
    """What the sourcing rules would choose for a web pickup order; reads, never allocates."""
    destination = Destination.pickup_store(DeliveryMethod.PICKUP, _pickup_store(pickup_store_code))
    rules = rules or current_rules()
    return [
        SimulatedLine(product, quantity,
                      plan_line(product, quantity, destination, Channel.WEB, rules))
        for product, quantity in _products_and_quantities(lines).items()
    ]
