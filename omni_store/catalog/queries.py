"""Product lookup: find products and what the current store holds of them."""
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from omni_store.auth.scoping import scoped
from omni_store.catalog.models import Barcode, Product
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import BufferTable, atp
from omni_store.network.models import Zone
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind

MAX_RESULTS = 25


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


def looks_like_ean13(query: str) -> bool:
    """What a scanner types: thirteen digits (validity is checked separately)."""
    return len(query) == 13 and query.isdigit()


def search_products(query: str) -> ProductSearch:
    by_barcode = looks_like_ean13(query)
    products = _products_with_barcode(query) if by_barcode else _products_matching(query)
    return ProductSearch(
        query=query,
        by_barcode=by_barcode,
        results=stock_in_current_store(products[:MAX_RESULTS]),
        truncated=len(products) > MAX_RESULTS,
    )


def _products_with_barcode(code: str) -> list[Product]:
    statement = (
        select(Product)
        .join(Barcode)
        .where(Barcode.code == code)
        .options(selectinload(Product.barcodes))
    )
    return list(db.session.scalars(statement))


def _products_matching(text: str) -> list[Product]:
    """Exact SKU first, then name or brand containing the text, case-insensitive."""
    exact_sku = func.lower(Product.sku) == text.lower()
    statement = (
        select(Product)
        .where(
            or_(
                exact_sku,
                Product.name.icontains(text, autoescape=True),
                Product.brand.icontains(text, autoescape=True),
            )
        )
        .order_by(case((exact_sku, 0), else_=1), Product.name, Product.id)
        .limit(MAX_RESULTS + 1)  # one more tells that there are more
        .options(selectinload(Product.barcodes))
    )
    return list(db.session.scalars(statement))


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
