"""Product lookup (what the current store holds) and chain stock (where else it is, on the
way, or offered by marketplace sellers): reads over the catalog, stock, tasks and parcels."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from omni_store.appointments.models import Booking
from omni_store.auth.scoping import scoped
from omni_store.catalog.models import Offer, Product
from omni_store.catalog.queries import MAX_RESULTS, find_products, looks_like_ean13
from omni_store.catalog.read_models import product_by_sku
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import BufferTable, atp, buffers_of
from omni_store.network.models import Location, LocationKind, Zone
from omni_store.network.snapshot import Site, network
from omni_store.orders.models import Order
from omni_store.orders.delivery_options import DeliveryOption, options_from
from omni_store.shuttles.models import Parcel, ParcelLine, ParcelStatus
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind


@dataclass(frozen=True)
class StoreStock:
    on_hand: int
    allocated: int
    quarantine: int
    zone: Zone | None
    atp: dict[Channel, int]  # available to promise, per channel, buffers applied
    # Sellable units not yet back in their zone (open restock tasks): in the backroom.
    in_backroom: int = 0


@dataclass(frozen=True)
class ProductInStore:
    product: Product
    stock: StoreStock | None  # None: the store has never stocked it


@dataclass(frozen=True)
class ProductSearch:
    query: str
    by_barcode: bool
    results: list[ProductInStore]
    truncated: bool  # more than MAX_RESULTS matched: the user should narrow the search


def search_products(query: str) -> ProductSearch:
    products = find_products(query)
    return ProductSearch(
        query=query,
        by_barcode=looks_like_ean13(query),
        results=stock_in_current_store(products[:MAX_RESULTS]),
        truncated=len(products) > MAX_RESULTS,
    )


def stock_in_current_store(products: list[Product]) -> list[ProductInStore]:
    """Levels and buffers of all products at once: a fixed number of queries."""
    if not products:
        return []
    levels = {
        level.product_id: level
        for level in db.session.scalars(
            scoped(
                select(StockLevel)
                .where(StockLevel.product_id.in_([p.id for p in products]))
                .options(joinedload(StockLevel.zone)),
                StockLevel,
            )
        )
    }
    buffers = {channel: BufferTable(channel, products) for channel in Channel}
    in_backroom = _waiting_restock([p.id for p in products])
    results = []
    for product in products:
        level = levels.get(product.id)
        stock = None
        if level is not None:
            stock = StoreStock(
                on_hand=level.on_hand,
                allocated=level.allocated,
                quarantine=level.quarantine,
                zone=level.zone,
                atp={
                    channel: atp(level, table.quantity(level.location_id, product))
                    for channel, table in buffers.items()
                },
                in_backroom=in_backroom.get(product.id, 0),
            )
        results.append(ProductInStore(product, stock))
    return results


def _waiting_restock(product_ids: list[int]) -> dict[int, int]:
    """Per product, units of open restock tasks in the current store, in one query."""
    rows = db.session.execute(scoped(
        select(Task.product_id, func.sum(Task.quantity))
        .where(Task.kind == TaskKind.RESTOCK, Task.status.in_(OPEN_TASK_STATUSES),
               Task.product_id.in_(product_ids))
        .group_by(Task.product_id), Task))
    return {product_id: int(units) for product_id, units in rows}


# --- chain stock: every location, parcels on the way, the marketplace ------------------


@dataclass(frozen=True)
class LocationStock:
    location: Site
    distance_km: float  # from the current store
    on_hand: int
    atp: int  # available to promise to the store channel, buffers applied
    in_backroom: int  # units of open restock tasks: sellable, not yet back on the shelf
    best_way: DeliveryOption | None  # the earliest way to get one here, if web ATP allows


@dataclass(frozen=True)
class ParcelOnTheWay:
    code: str
    origin_code: str
    destination_code: str | None  # None: a carrier parcel to the customer
    expected_at: datetime | None
    quantity: int


@dataclass(frozen=True)
class MarketplaceOffer:
    offer: Offer
    total_cents: int
    delivered_at: datetime
    saving_cents: int  # chain price − offer total: what the customer saves (< 0: pays more)


@dataclass(frozen=True)
class ComparableProduct:
    product: Product
    here: int  # store-channel ATP in the current store
    chain: int  # units sellable anywhere else in the chain
    best_offer_cents: int | None  # the cheapest marketplace total


@dataclass(frozen=True)
class ChainStock:
    product: Product
    store: Location
    # This store, the nearest other stores (all of them when asked), warehouses, suppliers.
    locations: list[LocationStock]
    on_the_way: list[ParcelOnTheWay]
    offers: list[MarketplaceOffer]  # cheapest total first
    comparables: list[ComparableProduct]
    more_stores: int = 0  # stores holding it that `locations` leaves out


@dataclass(frozen=True)
class ChainSearch:
    query: str
    by_barcode: bool
    products: list[Product]  # several: the associate picks one
    stock: ChainStock | None  # exactly one product found


MAX_COMPARABLES = 4
NEAREST_STORES = 10  # other stores listed before "all stores"
KIND_ORDER = {LocationKind.STORE: 0, LocationKind.WAREHOUSE: 1, LocationKind.SUPPLIER: 2}


def search_chain_stock(query: str, store: Location, now: datetime,
                       all_stores: bool = False) -> ChainSearch:
    """A scan or an exact SKU picks one product; a name lists the matches to choose from."""
    by_barcode = looks_like_ean13(query)
    if not by_barcode and (product := product_by_sku(query)) is not None:
        return ChainSearch(query, False, [product], chain_stock(product, store, now, all_stores))
    products = find_products(query)
    exact = [p for p in products if p.sku.lower() == query.lower()]
    if exact or len(products) == 1:
        return ChainSearch(query, by_barcode, products,
                           chain_stock((exact or products)[0], store, now, all_stores))
    return ChainSearch(query, by_barcode, products[:MAX_RESULTS], None)


_LEVELS_HELD = (select(StockLevel.location_id, StockLevel.on_hand, StockLevel.allocated)
                .where(StockLevel.product_id == bindparam("product_id"), StockLevel.on_hand > 0))


def chain_stock(product: Product, store: Location, now: datetime,
                all_stores: bool = False) -> ChainStock:
    """A fixed number of queries, however many locations, parcels and offers; the ways to
    get the product here are worked out for the locations listed only."""
    net = network()
    here = net.site(store.id)
    levels = db.session.execute(_LEVELS_HELD, {"product_id": product.id}).all()
    store_wide, store_buffer_at = buffers_of(Channel.STORE, product)
    web_wide, web_buffer_at = buffers_of(Channel.WEB, product)
    backroom = _restock_by_location(product)
    rows, web_atp = [], {}
    for location_id, on_hand, allocated in levels:
        site = net.site(location_id)
        if not site.active:
            continue
        free = on_hand - allocated
        web_atp[site.id] = max(free - web_buffer_at.get(site.id, web_wide), 0)
        rows.append((site, net.distance_km(here, site), on_hand,
                     max(free - store_buffer_at.get(site.id, store_wide), 0)))
    rows.sort(key=lambda row: (row[0].id != here.id, KIND_ORDER[row[0].kind], row[1], row[0].code))
    listed, more_stores = _nearest_stores_first(rows, here, all_stores)
    best_ways: dict[str, DeliveryOption] = {}
    sources = [(site, web_atp[site.id]) for site, *_figures in listed if web_atp[site.id]]
    for option in options_from(product, 1, sources, [], net, store=store, now=now):
        if option.store == store.code:  # earliest first: each source's first way here
            best_ways.setdefault(option.source, option)
    locations = [LocationStock(site, distance, on_hand, available, backroom.get(site.id, 0),
                               best_ways.get(site.code))
                 for site, distance, on_hand, available in listed]
    return ChainStock(product, store, locations, _parcels_on_the_way(product),
                      _marketplace_offers(product, now), _comparables(product, store), more_stores)


def _nearest_stores_first(rows: list, here: Site, all_stores: bool) -> tuple[list, int]:
    """Rows in display order, other stores cut to the nearest few unless all are asked."""
    if all_stores:
        return rows, 0
    other_stores = [row for row in rows if row[0].is_store and row[0].id != here.id]
    kept = {id(row) for row in other_stores[:NEAREST_STORES]}
    listed = [row for row in rows if not (row[0].is_store and row[0].id != here.id)
              or id(row) in kept]
    return listed, len(other_stores) - len(kept)


def _restock_by_location(product: Product) -> dict[int, int]:
    rows = db.session.execute(
        select(Task.location_id, func.sum(Task.quantity))
        .where(Task.kind == TaskKind.RESTOCK, Task.status.in_(OPEN_TASK_STATUSES),
               Task.product_id == product.id)
        .group_by(Task.location_id))
    return {location_id: int(units) for location_id, units in rows}


def _parcels_on_the_way(product: Product) -> list[ParcelOnTheWay]:
    """One flat statement: the ORM's eager loads would wrap the grouped query in a subquery
    that the planner reads far more slowly."""
    origin, destination = aliased(Location), aliased(Location)
    rows = db.session.execute(
        select(Parcel.code, origin.code, destination.code, Parcel.expected_at,
               func.sum(ParcelLine.quantity))
        .join(ParcelLine.parcel).join(origin, Parcel.origin_id == origin.id)
        .outerjoin(destination, Parcel.destination_id == destination.id)
        .where(ParcelLine.product_id == product.id, Parcel.status == ParcelStatus.IN_TRANSIT)
        .group_by(Parcel.id, Parcel.code, origin.code, destination.code, Parcel.expected_at)
        .order_by(Parcel.expected_at, Parcel.id))
    return [ParcelOnTheWay(code, origin_code, destination_code, expected_at, int(quantity))
            for code, origin_code, destination_code, expected_at, quantity in rows]


def _marketplace_offers(product: Product, now: datetime) -> list[MarketplaceOffer]:
    offers = db.session.scalars(
        select(Offer).join(Offer.seller).options(contains_eager(Offer.seller))
        .where(Offer.product_id == product.id, Offer.stock > 0))
    found = [MarketplaceOffer(offer, offer.total_cents,
                              now + timedelta(days=offer.lead_time_days),
                              product.price_cents - offer.total_cents) for offer in offers]
    return sorted(found, key=lambda o: (o.total_cents, o.delivered_at, o.offer.seller.code))


def _comparables(product: Product, store: Location) -> list[ComparableProduct]:
    """Products of the same category, nearest in price first, with where they can be had."""
    others = list(db.session.scalars(
        select(Product).where(Product.category == product.category, Product.id != product.id)
        .order_by(func.abs(Product.price_cents - product.price_cents), Product.id)
        .limit(MAX_COMPARABLES)))
    if not others:
        return []
    ids = [p.id for p in others]
    levels = db.session.execute(
        select(StockLevel.location_id, StockLevel.product_id,
               StockLevel.on_hand - StockLevel.allocated)
        .where(StockLevel.product_id.in_(ids), StockLevel.on_hand > StockLevel.allocated))
    buffers = BufferTable(Channel.STORE, others)
    by_id = {p.id: p for p in others}
    here, chain = defaultdict(int), defaultdict(int)
    for location_id, product_id, free in levels:  # hundreds of rows at chain scale: no ORM
        available = max(free - buffers.quantity(location_id, by_id[product_id]), 0)
        if location_id == store.id:
            here[product_id] += available
        else:
            chain[product_id] += available
    best = dict(db.session.execute(
        select(Offer.product_id, func.min(Offer.price_cents + Offer.shipping_cents))
        .where(Offer.product_id.in_(ids), Offer.stock > 0).group_by(Offer.product_id)).all())
    return [ComparableProduct(p, here[p.id], chain[p.id], best.get(p.id)) for p in others]


# --- ordering from chain stock ----------------------------------------------------------


def location_by_code(code: str) -> Location | None:
    return db.session.scalar(select(Location).filter_by(code=code))


def booking_of_order(order_number: str) -> Booking | None:
    """The appointment booked with an order just placed here, for the success notice."""
    return db.session.scalar(scoped(select(Booking).join(Booking.order)
                                    .where(Order.number == order_number), Booking))
