"""The catalogue and the marketplace as the hot read paths see them: plain facts kept by
this process between requests (core/read_cache), never stale, never an ORM row.

The availability API asks for one product and its offers hundreds of times a second;
a product or an offer changes a few times a day. Each read model is dropped as a whole
when one of its tables is written, by anyone.
"""
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from omni_store.catalog.models import Offer, OfferCondition, Product, Seller
from omni_store.core.read_cache import KeyedReadCache
from omni_store.extensions import db

CACHED_PRODUCTS = 20_000  # a chain's whole catalogue, a few MB
CACHED_OFFER_LISTS = 5_000


@dataclass(frozen=True)
class ProductFacts:
    id: int
    sku: str
    name: str
    brand: str
    category: str
    price_cents: int
    eans: tuple[str, ...]

    @property
    def ean(self) -> str | None:
        return self.eans[0] if self.eans else None


@dataclass(frozen=True)
class SellerFacts:
    code: str
    name: str
    rating: float


@dataclass(frozen=True)
class OfferFacts:
    id: int
    condition: OfferCondition
    price_cents: int
    shipping_cents: int
    stock: int
    lead_time_days: int

    @property
    def total_cents(self) -> int:
        return self.price_cents + self.shipping_cents


def products_by_sku(skus: list[str], with_barcodes: bool = False) -> dict[str, Product]:
    """The products of these SKUs in any case, by upper-case SKU; unknown ones are missing.

    As typed or in capitals, the SKU index finds them; only a SKU stored in another case
    is left to a case-blind scan of the catalogue, which is 20,000 rows at chain scale.
    """
    if not skus:
        return {}
    options = [joinedload(Product.barcodes)] if with_barcodes else []
    spellings = {spelling for sku in skus for spelling in (sku, sku.upper())}
    found = {product.sku.upper(): product for product in db.session.scalars(
        select(Product).where(Product.sku.in_(spellings)).options(*options)).unique()}
    missing = [sku.lower() for sku in skus if sku.upper() not in found]
    if missing:
        found |= {product.sku.upper(): product for product in db.session.scalars(
            select(Product).where(func.lower(Product.sku).in_(missing)).options(*options)).unique()}
    return found


def product_by_sku(sku: str) -> Product | None:
    """One product by its SKU in any case, with its barcodes (an ORM row, for a write)."""
    return products_by_sku([sku], with_barcodes=True).get(sku.upper())


def _load_product(upper_sku: str) -> ProductFacts | None:
    product = product_by_sku(upper_sku)
    if product is None:
        return None
    return ProductFacts(product.id, product.sku, product.name, product.brand, product.category,
                        product.price_cents, tuple(product.eans))


_product_by_sku = KeyedReadCache("catalog", _load_product, CACHED_PRODUCTS)


def product_facts(sku: str) -> ProductFacts | None:
    """The product of this SKU, in any case."""
    return _product_by_sku.get(sku.strip().upper())


_OFFERS_IN_STOCK = (
    select(Offer.__table__.c.id, Offer.__table__.c.condition, Offer.__table__.c.price_cents,
           Offer.__table__.c.shipping_cents, Offer.__table__.c.stock,
           Offer.__table__.c.lead_time_days, Seller.__table__.c.code, Seller.__table__.c.name,
           Seller.__table__.c.rating)
    .join_from(Offer.__table__, Seller.__table__)
    .where(Offer.__table__.c.product_id == bindparam("product_id"), Offer.__table__.c.stock > 0)
    .order_by(Offer.__table__.c.price_cents + Offer.__table__.c.shipping_cents,
              Seller.__table__.c.rating.desc(), Offer.__table__.c.id))


def _load_offers(product_id: int) -> tuple[tuple[OfferFacts, SellerFacts], ...]:
    return tuple(
        (OfferFacts(row[0], OfferCondition(row[1]), *row[2:6]), SellerFacts(*row[6:9]))
        for row in db.session.execute(_OFFERS_IN_STOCK, {"product_id": product_id}))


_offers_of_product = KeyedReadCache("marketplace", _load_offers, CACHED_OFFER_LISTS)


def offers_in_stock(product_id: int, quantity: int = 1) -> list[tuple[OfferFacts, SellerFacts]]:
    """Marketplace offers with `quantity` units in stock, cheapest total first."""
    return [(offer, seller) for offer, seller in _offers_of_product.get(product_id)
            if offer.stock >= quantity]


def marketplace_token() -> int | None:
    """Changes whenever an offer or a seller does: part of a memo's key."""
    return _offers_of_product.token()
