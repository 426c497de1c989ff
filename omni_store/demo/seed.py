"""Build the demo chain through the real models and services.

Every entity is found by its natural key (location code, zone code, SKU, seller code,
email, ...) before it is created, so a second seed finds everything and changes nothing.
Stock only moves through omni_store.inventory.services. The caller commits.
"""
from collections.abc import Iterable

from sqlalchemy import func, select

from omni_store.auth.models import ApiClient, User
from omni_store.catalog.models import Barcode, Offer, Product, Seller
from omni_store.demo import catalog_data, network_data, people_data, stock_data
from omni_store.demo.counter_day import seed_counter_day
from omni_store.demo.day import seed_day
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Buffer, MovementReason, StockLevel, StockMovement
from omni_store.network.models import Location, LocationKind, ShuttleRoute, Zone, ZoneKind
from omni_store.orders.models import Order, OrderStatus
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task

OFFERS_RANDOM_SEED = 20240916


def _ensure(model, key: tuple[str, ...], wanted: Iterable[dict]) -> dict[tuple, object]:
    """Insert each wanted row whose natural key is not in the table yet.

    Returns every row of the table by key, old and new.
    """
    def key_of(values) -> tuple:
        return tuple(values[k] if isinstance(values, dict) else getattr(values, k) for k in key)

    rows = {key_of(row): row for row in db.session.scalars(select(model))}
    for fields in wanted:
        if key_of(fields) not in rows:
            row = model(**fields)
            db.session.add(row)
            rows[key_of(fields)] = row
    db.session.flush()
    return rows


def _by_code(rows: dict[tuple, object]) -> dict:
    """Unwrap one-column keys: {("PAR-RIV",): loc} -> {"PAR-RIV": loc}."""
    return {key[0]: row for key, row in rows.items()}


# --- network -------------------------------------------------------------------------


def _location_fields(site, kind: LocationKind) -> dict:
    return dict(code=site.code, name=site.name, kind=kind, address=site.address, city=site.city,
                latitude=site.latitude, longitude=site.longitude, timezone="Europe/Paris",
                opening_hours=site.hours)


def seed_locations() -> dict[str, Location]:
    stores = [
        _location_fields(s, LocationKind.STORE)
        | dict(does_pickup=s.does_pickup, does_ship_from_store=s.does_ship_from_store,
               daily_ship_capacity=s.daily_ship_capacity)
        for s in network_data.STORES
    ]
    warehouses = [_location_fields(w, LocationKind.WAREHOUSE) for w in network_data.WAREHOUSES]
    suppliers = [
        _location_fields(s, LocationKind.SUPPLIER) | dict(lead_time_days=s.lead_time_days)
        for s in network_data.SUPPLIERS
    ]
    return _by_code(_ensure(Location, ("code",), stores + warehouses + suppliers))


def _hold_slots(store) -> list[dict]:
    large_from = store.hold_slots - store.hold_slots // 4 + 1
    return [
        dict(code=f"{store.code}-H{n:02d}", kind=ZoneKind.HOLD,
             name=f"Mise de côté — casier {n:02d}", slot_number=n,
             capacity=network_data.LARGE_SLOT_CAPACITY if n >= large_from
             else network_data.SMALL_SLOT_CAPACITY)
        for n in range(1, store.hold_slots + 1)
    ]


def seed_zones(locations: dict[str, Location]) -> dict[str, Zone]:
    layouts = [(s.code, network_data.STORE_ZONES, _hold_slots(s)) for s in network_data.STORES]
    layouts += [(w.code, network_data.WAREHOUSE_ZONES, []) for w in network_data.WAREHOUSES]
    wanted = [
        dict(location_id=locations[code].id, **zone)
        for code, zones, slots in layouts
        for zone in [dict(code=f"{code}-{suffix}", kind=kind, name=name)
                     for suffix, kind, name in zones] + slots
    ]
    return _by_code(_ensure(Zone, ("code",), wanted))


def seed_shuttle_routes(locations: dict[str, Location]) -> None:
    def route(origin, destination, departures, transit, cutoff) -> dict:
        return dict(origin_id=locations[origin].id, destination_id=locations[destination].id,
                    departure_times=departures, transit_minutes=transit, cutoff_minutes=cutoff)

    wanted = [route(a, b, *timing) for a, b, *timing in network_data.STORE_LINKS]
    wanted += [route(b, a, *timing) for a, b, *timing in network_data.STORE_LINKS]
    wanted += [
        route(warehouse, store, network_data.WAREHOUSE_DEPARTURES, transit,
              network_data.WAREHOUSE_CUTOFF_MINUTES)
        for warehouse, store, transit in network_data.WAREHOUSE_ROUTES
    ]
    _ensure(ShuttleRoute, ("origin_id", "destination_id"), wanted)


# --- catalog and marketplace -------------------------------------------------------------


def seed_products(catalog: list[catalog_data.ProductRow]) -> dict[str, Product]:
    wanted = [
        dict(sku=p.sku, name=p.name, brand=p.brand, category=p.category,
             price_cents=p.price_cents, barcodes=[Barcode(code=p.ean)])
        for p in catalog
    ]
    return _by_code(_ensure(Product, ("sku",), wanted))


def seed_marketplace(catalog: list[catalog_data.ProductRow], products: dict[str, Product]) -> None:
    sellers = _by_code(_ensure(Seller, ("code",), [
        dict(code=code, name=name, rating=rating) for code, name, rating in catalog_data.SELLERS
    ]))
    offers = catalog_data.marketplace_offers(catalog, OFFERS_RANDOM_SEED)
    _ensure(Offer, ("seller_id", "product_id", "condition"), [
        dict(seller_id=sellers[o.seller].id, product_id=products[o.sku].id, condition=o.condition,
             price_cents=o.price_cents, shipping_cents=o.shipping_cents, stock=o.stock,
             lead_time_days=o.lead_time_days)
        for o in offers
    ])


# --- stock -------------------------------------------------------------------------------


def seed_stock(catalog: list[catalog_data.ProductRow], locations: dict[str, Location],
               zones: dict[str, Zone], products: dict[str, Product]) -> None:
    """Apply the stock plan to every (location, product) the seed has not stocked yet."""
    already_seeded = {tuple(row) for row in db.session.execute(
        select(StockMovement.location_id, StockMovement.product_id)
        .where(StockMovement.reference == stock_data.SEED_REFERENCE)
        .distinct()
    )}
    ref = inventory.Ref(stock_data.SEED_REFERENCE)
    damaged_ref = inventory.Ref(stock_data.SEED_REFERENCE, note="boîte abîmée")
    shelves = {}
    for line in stock_data.stock_lines(catalog, list(locations)):
        location_id, product_id = locations[line.location].id, products[line.sku].id
        if (location_id, product_id) in already_seeded:
            continue
        inventory.receive(location_id, product_id, line.received, ref)
        if line.sold:
            inventory.adjust(location_id, product_id, -line.sold, ref, reason=MovementReason.SALE)
        if line.damaged:
            inventory.to_quarantine(location_id, product_id, line.damaged, damaged_ref)
        if line.zone:
            shelves[(location_id, product_id)] = zones[f"{line.location}-{line.zone}"].id
    _place_on_shelves(shelves)


def _place_on_shelves(shelves: dict[tuple[int, int], int]) -> None:
    """Record the zone each newly stocked product lives in: a place, not a stock change."""
    for level in db.session.scalars(select(StockLevel)):
        if (level.location_id, level.product_id) in shelves:
            level.zone_id = shelves[(level.location_id, level.product_id)]
    db.session.flush()


def seed_buffers(locations: dict[str, Location]) -> None:
    _ensure(Buffer, ("channel", "location_id", "category", "product_id"), [
        dict(channel=channel, location_id=locations[code].id if code else None,
             category=category, product_id=None, quantity=quantity)
        for channel, code, category, quantity in stock_data.BUFFERS
    ])


# --- people ------------------------------------------------------------------------------


def _demo_password_hash() -> str:
    # Hashing is slow on purpose; every demo account has the same password: hash it once.
    template = User()
    template.set_password(people_data.DEMO_PASSWORD)
    return template.password_hash


def seed_people(locations: dict[str, Location]) -> dict[str, User]:
    known = set(db.session.scalars(select(User.email)))
    missing = [account for account in people_data.staff() if account[0] not in known]
    password_hash = _demo_password_hash() if missing else ""
    users = _by_code(_ensure(User, ("email",), [
        dict(email=email, name=name, role=role, password_hash=password_hash,
             store_id=locations[store].id if store else None)
        for email, name, role, store in missing
    ]))
    _ensure(ApiClient, ("name",), [
        dict(name=people_data.API_CLIENT_NAME,
             key_hash=ApiClient.hash_key(people_data.API_CLIENT_KEY)),
    ])
    return users


# --- the whole chain ---------------------------------------------------------------------


def seed_demo() -> None:
    catalog = catalog_data.products()
    locations = seed_locations()
    zones = seed_zones(locations)
    seed_shuttle_routes(locations)
    products = seed_products(catalog)
    seed_marketplace(catalog, products)
    seed_stock(catalog, locations, zones, products)
    seed_buffers(locations)
    users = seed_people(locations)
    seed_day(locations, zones, products, users)
    seed_counter_day(locations, users)


def delete_everything() -> None:
    """Empty every table, children first (the schema stays: migrations own it)."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())


def summary() -> list[str]:
    """What the demo database holds, in a few lines."""
    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    kinds = dict(db.session.execute(
        select(Location.kind, func.count()).group_by(Location.kind)).all())
    return [
        f"{kinds.get(LocationKind.STORE, 0)} stores, {kinds.get(LocationKind.WAREHOUSE, 0)} "
        f"warehouses, {kinds.get(LocationKind.SUPPLIER, 0)} suppliers; {count(Zone)} zones, "
        f"{count(ShuttleRoute)} shuttle routes",
        f"{count(Product)} products; {count(Seller)} marketplace sellers, {count(Offer)} offers",
        f"{count(StockLevel)} stock levels, {count(StockMovement)} stock movements, "
        f"{count(Buffer)} buffers",
        f"{count(User)} staff accounts, {count(ApiClient)} API client",
        f"{count(Order)} orders ({count(Order, Order.status == OrderStatus.CANCELLED)} "
        f"cancelled); {count(Task)} tasks, {count(Task, Task.status.in_(OPEN_TASK_STATUSES))} open",
    ]
