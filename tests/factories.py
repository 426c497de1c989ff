"""Small builders for test data. They go through the real services where stock is involved."""
from datetime import timedelta
from itertools import count

from omni_store.auth.models import Role, User
from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import Barcode, Product
from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.network.models import Location, LocationKind, ShuttleRoute, Zone, ZoneKind
from omni_store.orders.models import Customer, DeliveryMethod
from omni_store.orders.intake import OrderRequest
from omni_store.tasks.models import TaskKind
from omni_store.tasks.services import create_task

_seq = count(1)

ALWAYS_OPEN = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def location(code=None, kind=LocationKind.STORE, lat=48.8600, lon=2.3470, **fields) -> Location:
    n = next(_seq)
    loc = Location(
        code=code or f"T{n:03d}",
        name=fields.pop("name", f"Test {kind} {n}"),
        kind=kind,
        latitude=lat,
        longitude=lon,
        timezone=fields.pop("timezone", "Europe/Paris"),
        opening_hours=fields.pop("opening_hours", ALWAYS_OPEN),
        does_pickup=fields.pop("does_pickup", kind == LocationKind.STORE),
        does_ship_from_store=fields.pop("does_ship_from_store", kind == LocationKind.STORE),
        daily_ship_capacity=fields.pop("daily_ship_capacity", 20),
        **fields,
    )
    db.session.add(loc)
    db.session.flush()
    return loc


def store(code=None, lat=48.8600, lon=2.3470, **fields) -> Location:
    return location(code, LocationKind.STORE, lat, lon, **fields)


def zone(loc: Location, kind=ZoneKind.SALES_FLOOR, code=None, **fields) -> Zone:
    n = next(_seq)
    z = Zone(location_id=loc.id, kind=kind, code=code or f"{loc.code}-Z{n}",
             name=fields.pop("name", f"Zone {n}"), **fields)
    db.session.add(z)
    db.session.flush()
    return z


def product(sku=None, name=None, category="phones", price_cents=19900, **fields) -> Product:
    n = next(_seq)
    p = Product(sku=sku or f"SKU-{n:05d}", name=name or f"Product {n}", category=category,
                price_cents=price_cents, brand=fields.pop("brand", "Acme"), **fields)
    p.barcodes.append(Barcode(code=make_ean13(f"{3000000000000 + n * 7:012d}"[-12:])))
    db.session.add(p)
    db.session.flush()
    return p


def stock(loc: Location, prod: Product, on_hand: int) -> None:
    inventory.receive(loc.id, prod.id, on_hand, inventory.Ref("test:setup"))


def user(role=Role.ASSOCIATE, store_loc: Location | None = None, email=None, password="secret-pass") -> User:
    n = next(_seq)
    u = User(email=email or f"user{n}@test.example", name=f"{role.title()} {n}", role=role,
             store_id=store_loc.id if store_loc else None)
    u.set_password(password)
    db.session.add(u)
    db.session.flush()
    return u


def customer(email=None, first_name="Camille", last_name="Martin") -> Customer:
    n = next(_seq)
    c = Customer(email=email or f"customer{n}@test.example", first_name=first_name, last_name=last_name)
    db.session.add(c)
    db.session.flush()
    return c


def task(loc: Location, kind=TaskKind.PICK, due_in=timedelta(hours=1), **fields):
    return create_task(loc.id, kind, utcnow() + due_in, **fields)


def warehouse(code=None, lat=48.9000, lon=2.4000, **fields) -> Location:
    return location(code, LocationKind.WAREHOUSE, lat, lon, **fields)


def supplier(code=None, lat=45.7600, lon=4.8400, lead_time_days=3, **fields) -> Location:
    return location(code, LocationKind.SUPPLIER, lat, lon, lead_time_days=lead_time_days, **fields)


def shuttle_route(origin: Location, destination: Location, departure_times=("08:00",),
                  transit_minutes=60, cutoff_minutes=30) -> ShuttleRoute:
    route = ShuttleRoute(origin_id=origin.id, destination_id=destination.id,
                         departure_times=list(departure_times), transit_minutes=transit_minutes,
                         cutoff_minutes=cutoff_minutes)
    db.session.add(route)
    db.session.flush()
    return route


def order_request(lines, method=DeliveryMethod.PICKUP, store_loc: Location | None = None,
                  **fields) -> OrderRequest:
    """An order for `lines` [(product or SKU, quantity)], collected at `store_loc`."""
    return OrderRequest(
        email=fields.pop("email", "camille.martin@test.example"),
        first_name=fields.pop("first_name", "Camille"),
        lines=[(getattr(item, "sku", item), quantity) for item, quantity in lines],
        delivery_method=method,
        pickup_store_code=store_loc.code if store_loc else None,
        **fields,
    )



# --- helpers for client tests of the screens -------------------------------------------
import re  # noqa: E402  (kept beside the helpers that use them)
from contextlib import contextmanager  # noqa: E402

from sqlalchemy import event  # noqa: E402


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form on `path`."""
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, f"no csrf_token field on {path}"
    return found.group(1)


@contextmanager
def counted_statements():
    """`with counted_statements() as statements:` lists the SQL run inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# --- orders at the counter and back as returns (counter and returns tests) ----------------


def floor_associate(store_loc: Location) -> User:
    """The store's first associate, made once: who picks and isolates set-up orders."""
    from sqlalchemy import select

    found = db.session.scalar(select(User).where(User.store_id == store_loc.id,
                                                 User.role == Role.ASSOCIATE).order_by(User.id))
    return found or user(Role.ASSOCIATE, store_loc)


def ready_order(store_loc: Location, slot: Zone, lines, **fields):
    """A pickup order waiting in `slot`, made by the floor's services: placed, each unit
    picked by scan at `store_loc`, then isolated into `slot` (so READY, the hold and the
    customer's message are exactly what the app makes). The stock must be at the store."""
    from sqlalchemy import select

    from omni_store.orders.models import OrderStatus
    from omni_store.fulfilment.placing import place_order
    from omni_store.tasks.isolating import isolate_order
    from omni_store.tasks.models import Task
    from omni_store.tasks.picking import record_pick_scan

    order = place_order(order_request(lines, store_loc=store_loc, **fields))
    picker = floor_associate(store_loc)
    picks = list(db.session.scalars(select(Task).filter_by(order_id=order.id, kind=TaskKind.PICK)
                                    .order_by(Task.id)))
    elsewhere = sorted({t.location.code for t in picks if t.location_id != store_loc.id})
    assert not elsewhere, f"ready_order needs the stock at {store_loc.code}, not at {elsewhere}"
    for pick in picks:
        for _unit in range(pick.quantity):
            record_pick_scan(pick, pick.product.ean, picker.id, f"setup{next(_seq)}")
    (isolate,) = db.session.scalars(select(Task).filter_by(order_id=order.id,
                                                           kind=TaskKind.ISOLATE))
    isolate_order(isolate, slot.code, picker.id)
    db.session.refresh(order)
    assert order.status == OrderStatus.READY, order.status
    return order


def handed_over_order(store_loc: Location, slot: Zone, lines, **fields):
    """A pickup order the customer collected, through the counter's real services."""
    from omni_store.counter.services import hand_over, pending_scans, scan_out

    order = ready_order(store_loc, slot, lines, **fields)
    for line in order.lines:
        for n in range(line.quantity):
            scan_out(order, line.product.ean, f"setup-{line.id}-{n}", None)
    hand_over(order, pending_scans(order.id), {}, None)
    return order


# --- a store's day written with known times (mission board tests) -------------------------


def task_with_history(loc: Location, kind, created_at, due_at, steps=(), **fields):
    """A task whose history is [(to_status, actor, at)] in order, each a TaskEvent row."""
    from omni_store.tasks.models import Task, TaskEvent, TaskStatus

    task = Task(location_id=loc.id, kind=kind, status=TaskStatus.OPEN, due_at=due_at,
                created_at=created_at, **fields)
    db.session.add(task)
    db.session.flush()
    db.session.add(TaskEvent(task_id=task.id, from_status=None, to_status=TaskStatus.OPEN,
                             created_at=created_at))
    for to_status, actor, at in steps:
        db.session.add(TaskEvent(task_id=task.id, from_status=task.status, to_status=to_status,
                                 actor_id=actor.id if actor else None, created_at=at))
        task.status = to_status
        if to_status == TaskStatus.IN_PROGRESS:
            task.assignee_id = actor.id
    db.session.flush()
    return task


def bare_order(store_loc: Location, status, method=DeliveryMethod.PICKUP, **fields):
    """An order row without lines, for screens that list orders by status and times."""
    from omni_store.inventory.models import Channel
    from omni_store.orders.models import Order

    n = next(_seq)
    order = Order(number=fields.pop("number", f"W{n:07d}"), channel=Channel.WEB,
                  delivery_method=method, status=status, customer_id=customer().id,
                  pickup_location_id=store_loc.id, **fields)
    db.session.add(order)
    db.session.flush()
    return order


# --- marketplace (promise and chain stock tests) ---------------------------------------


def marketplace_offer(prod: Product, seller_code: str, price_cents: int, shipping_cents=0,
                      stock=5, lead_time_days=3, rating=4.5):
    """An offer of a new seller named 'Seller <code>'."""
    from omni_store.catalog.models import Offer, Seller

    seller = Seller(code=seller_code, name=f"Seller {seller_code}", rating=rating)
    offer = Offer(seller=seller, product=prod, price_cents=price_cents,
                  shipping_cents=shipping_cents, stock=stock, lead_time_days=lead_time_days)
    db.session.add(offer)
    db.session.flush()
    return offer
