"""Finding products by what an associate types or scans: a name, a brand, a SKU, a barcode."""
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from omni_store.catalog.models import Barcode, Product
from omni_store.extensions import db

MAX_RESULTS = 25


def looks_like_ean13(query: str) -> bool:
    """What a scanner types: thirteen digits (validity is checked separately)."""
    return len(query) == 13 and query.isdecimal()


def find_products(query: str) -> list[Product]:
    """A scan finds the products with that barcode; text finds them by SKU, name or brand
    (at most MAX_RESULTS + 1: one more tells that there are more)."""
    return products_with_barcode(query) if looks_like_ean13(query) else products_matching(query)


def products_with_barcode(code: str) -> list[Product]:
    statement = (
        select(Product)
        .join(Barcode)
        .where(Barcode.code == code)
        .options(selectinload(Product.barcodes))
    )
    return list(db.session.scalars(statement))


def products_matching(text: str) -> list[Product]:
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
