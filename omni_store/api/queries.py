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
from omni_store.network.geo import haversine_km
from omni_store.network.models import Location


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
    location: Location
    on_hand: int
    web_atp: int
    distance_km: float | None  # None when the caller gave no position nor store


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


def product_by_sku(sku: str) -> Product | None:
    return db.session.scalar(
        select(Product).where(func.lower(Product.sku) == sku.lower())
        .options(selectinload(Product.barcodes))
    )


def products_by_sku(skus: list[str]) -> dict[str, Product]:
    """The products of these SKUs (any case), by upper-case SKU; unknown ones are missing."""
    if not skus:
        return {}
    products = db.session.scalars(
        select(Product).where(func.upper(Product.sku).in_([sku.upper() for sku in skus])))
    return {product.sku.upper(): product for product in products}


def store_by_code(code: str) -> Location | None:
    return db.session.scalar(select(Location).filter_by(code=code.upper()))


def availability_by_location(product: Product, latitude: float | None,
                             longitude: float | None) -> list[LocationAvailability]:
    """Every active location holding the product, nearest first when a position is known."""
    buffers = BufferTable(Channel.WEB, [product])
    rows = []
    for level, location in _web_levels([product]):
        if level.on_hand <= 0:
            continue
        distance = None
        if latitude is not None and longitude is not None:
            distance = round(haversine_km(latitude, longitude,
                                          location.latitude, location.longitude), 1)
        rows.append(LocationAvailability(location, level.on_hand,
                                         atp(level, buffers.quantity(location.id, product)),
                                         distance))
    return sorted(rows, key=lambda row: (row.distance_km is None, row.distance_km or 0,
                                         row.location.code))


def marketplace_offers(product: Product) -> list[Offer]:
    """Offers in stock, cheapest total (price + shipping) first."""
    return list(db.session.scalars(
        select(Offer).join(Offer.seller)
        .where(Offer.product_id == product.id, Offer.stock > 0)
        .order_by(Offer.price_cents + Offer.shipping_cents, Seller.rating.desc(), Offer.id)
        .options(selectinload(Offer.seller))
    ))
