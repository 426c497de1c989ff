"""What the API reads: the catalogue with chain-wide web availability, one product's
availability per location and on the marketplace, an order by its number with its tasks
and parcels. Chain-wide on
purpose: the callers are the e-commerce front and the ERP, not a store."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import get_locale
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from omni_store.catalog.models import Barcode, Product
from omni_store.catalog.read_models import (
    OfferFacts,
    ProductFacts,
    SellerFacts,
    marketplace_token,
    offers_in_stock,
)
from omni_store.core.clock import utcnow
from omni_store.core.read_cache import BoundedMemo
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import BufferTable, atp, buffers_token
from omni_store.network.models import Location
from omni_store.network.snapshot import Site, network, network_token
from omni_store.orders.models import Allocation, Order, OrderLine
from omni_store.orders.delivery_options import (
    DeliveryOption,
    levels_held,
    nearest_first,
    options_from,
    web_levels,
)
from omni_store.shuttles.models import Parcel, ParcelLine
from omni_store.tasks.models import Task, TaskKind, TaskStatus


@dataclass(frozen=True)
class CatalogueEntry:
    product: Product
    web_atp: int  # summed over every active location, web buffers applied


@dataclass(frozen=True)
class CataloguePage:
    entries: list[CatalogueEntry]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class LocationAvailability:
    location: Site
    on_hand: int
    web_atp: int
    distance_km: float | None  # None when the caller gave no position nor store


@dataclass(frozen=True)
class Availability:
    product: ProductFacts
    web_atp: int  # summed over every active location, web buffers applied
    locations: list[LocationAvailability]  # nearest first, at most the limit asked
    locations_total: int
    offers: list[tuple[OfferFacts, SellerFacts]]  # in stock, cheapest total first
    options: list[DeliveryOption]  # the best few of each method, by date then price


def search_catalogue(query: str, page: int, per_page: int) -> CataloguePage:
    """Products whose name, brand or SKU contains `query`, or with that EAN; an exact
    SKU first. A fixed number of queries whatever the page size."""
    matching = _matching(query)
    total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    exact_sku = func.lower(Product.sku) == query.lower()
    products = list(db.session.scalars(
        matching.order_by(case((exact_sku, 0), else_=1), Product.name, Product.id)
        .limit(per_page).offset((page - 1) * per_page)
        .options(selectinload(Product.barcodes))
    ))
    web_atp = chain_web_atp(products)
    entries = [CatalogueEntry(product, web_atp.get(product.id, 0)) for product in products]
    return CataloguePage(entries, total, page, per_page)


def _matching(query: str):
    statement = select(Product)
    if not query:
        return statement
    return statement.where(or_(
        func.lower(Product.sku) == query.lower(),
        Product.sku.icontains(query, autoescape=True),
        Product.name.icontains(query, autoescape=True),
        Product.brand.icontains(query, autoescape=True),
        Product.barcodes.any(Barcode.code == query),
    ))


def _web_levels(products: list[Product]) -> list[tuple[StockLevel, Location]]:
    return db.session.execute(
        select(StockLevel, Location)
        .join(StockLevel.location)
        .where(StockLevel.product_id.in_([p.id for p in products]), Location.active.is_(True))
        .order_by(Location.code)
    ).all()


def chain_web_atp(products: list[Product]) -> dict[int, int]:
    """Per product id, what the web may promise across the chain (two queries)."""
    if not products:
        return {}
    by_id = {p.id: p for p in products}
    buffers = BufferTable(Channel.WEB, products)
    totals: dict[int, int] = {}
    for level, location in _web_levels(products):
        product = by_id[level.product_id]
        totals[product.id] = totals.get(product.id, 0) + atp(
            level, buffers.quantity(location.id, product))
    return totals


def order_by_number(number: str) -> Order | None:
    """The order with what its JSON shows at once: lines, customer, pickup store."""
    return db.session.scalar(
        select(Order).filter_by(number=number)
        .options(selectinload(Order.lines), selectinload(Order.customer),
                 selectinload(Order.pickup_location))
    )


def task_counts(order: Order) -> list[tuple[TaskKind, TaskStatus, int]]:
    """How many of the order's tasks are of each kind and status."""
    return db.session.execute(
        select(Task.kind, Task.status, func.count())
        .where(Task.order_id == order.id).group_by(Task.kind, Task.status)
    ).all()


def parcels_of(order: Order) -> list[Parcel]:
    """Parcels made for the order, and shuttle parcels carrying some of its units."""
    carrying = (
        select(ParcelLine.parcel_id)
        .join(Allocation, ParcelLine.allocation_id == Allocation.id)
        .join(OrderLine, Allocation.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order.id)
    )
    return list(db.session.scalars(
        select(Parcel)
        .where(or_(Parcel.order_id == order.id, Parcel.id.in_(carrying)))
        .options(selectinload(Parcel.origin), selectinload(Parcel.destination))
        .order_by(Parcel.id)
    ))


def store_by_code(code: str) -> Location | None:
    return db.session.scalar(select(Location).filter_by(code=code.upper()))


def store_site(code: str) -> Site | None:
    """A store of the network read model by its code (any case), without a query of its own."""
    site = network().by_code.get(code.upper())
    return site if site is not None and site.is_store else None


def availability(product: ProductFacts, store: Site | None, latitude: float | None,
                 longitude: float | None, limit: int,
                 options_per_method: int) -> Availability:
    """Where the product is, on the marketplace, and the best ways to get it.

    The answer is a function of the product's stock levels, read here every time, and of
    read models that renew exactly (network, buffers, offers): the same levels and tokens
    in the same minute give the same answer, kept in a bounded memo. Dates are worked out
    from the start of the next minute, so a kept answer never promises earlier than a
    fresh one would.
    """
    held = levels_held(product)
    now = _next_minute(utcnow())
    key = (product, store and store.id, latitude, longitude, limit, options_per_method, now,
           str(get_locale()), network_token(), buffers_token(), marketplace_token(), held)
    if (known := _answers.get(key)) is not None:
        return known
    net = network()
    answer = _availability(product, store, latitude, longitude, limit, options_per_method,
                           net, web_levels(product, net, held), now)
    _answers.put(key, answer)
    return answer


def _availability(product, store, latitude, longitude, limit, options_per_method, net,
                  levels, now) -> Availability:
    by_site = {site.id: (on_hand, web_atp) for site, on_hand, web_atp in levels}
    offers = offers_in_stock(product.id)
    point = (latitude, longitude) if store is None and latitude is not None else None
    nearest = [LocationAvailability(site, *by_site[site.id], distance)
               for site, distance in nearest_first(net, store, point, by_site)[:limit]]
    options = options_from(product, 1, [(net.site(site_id), web_atp)
                                        for site_id, (_on_hand, web_atp) in by_site.items()],
                           offers, net, store=store, latitude=latitude, longitude=longitude,
                           now=now, per_method=options_per_method)
    return Availability(product, sum(web_atp for _on_hand, web_atp in by_site.values()),
                        nearest, len(by_site), offers, options)


def _next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


_answers = BoundedMemo(maxsize=1_024)  # the hot SKUs; ~10 kB an answer
