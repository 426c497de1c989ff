"""What the API reads: the catalogue with chain-wide web availability, one product's
availability per location and on the marketplace, an order's appointment. Chain-wide on
purpose: the callers are the e-commerce front and the ERP, not a store."""
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from omni_store.catalog.models import Barcode, Offer, Product, Seller
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import BufferTable, atp
from omni_store.network.models import Location
from omni_store.network.snapshot import Site, network
from omni_store.orders.promise import (
    DeliveryOption,
    nearest_first,
    offers_in_stock,
    options_from,
    web_levels,
)


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
    product: Product
    web_atp: int  # summed over every active location, web buffers applied
    locations: list[LocationAvailability]  # nearest first, at most the limit asked
    locations_total: int
    offers: list[tuple[Offer, Seller]]  # in stock, cheapest total first
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


def store_by_code(code: str) -> Location | None:
    return db.session.scalar(select(Location).filter_by(code=code.upper()))


def store_site(code: str) -> Site | None:
    """A store of the network read model by its code (any case), without a query of its own."""
    site = network().by_code.get(code.upper())
    return site if site is not None and site.is_store else None


def availability(product: Product, store: Site | None, latitude: float | None,
                 longitude: float | None, limit: int,
                 options_per_method: int) -> Availability:
    """Where the product is, on the marketplace, and the best ways to get it: five small
    queries and the network read model, however many locations hold it."""
    net = network()
    levels = {site.id: (on_hand, web_atp) for site, on_hand, web_atp in web_levels(product, net)}
    offers = offers_in_stock(product)
    point = (latitude, longitude) if store is None and latitude is not None else None
    nearest = [LocationAvailability(site, *levels[site.id], distance)
               for site, distance in nearest_first(net, store, point, levels)[:limit]]
    options = options_from(product, 1, [(net.site(site_id), web_atp)
                                        for site_id, (_on_hand, web_atp) in levels.items()],
                           offers, net, store=store, latitude=latitude, longitude=longitude,
                           per_method=options_per_method)
    return Availability(product, sum(web_atp for _on_hand, web_atp in levels.values()), nearest,
                        len(levels), offers, options)
