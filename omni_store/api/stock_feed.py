"""Stock movements sent by an ERP, a WMS or a supplier, in batches validated whole."""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select, tuple_

from omni_store.catalog.models import Product
from omni_store.core.errors import DomainError, InvalidInput
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Location

MAX_BATCH_ROWS = 1000


class FeedKind(StrEnum):
    RECEIPT = "receipt"  # units arrived: quantity above zero is added
    ADJUSTMENT = "adjustment"  # a correction: quantity (not zero) is added or removed
    COUNT = "count"  # a physical count: quantity (zero or more) replaces the book quantity


@dataclass(frozen=True)
class FeedRow:
    location_code: str
    sku: str
    kind: str
    quantity: int


@dataclass(frozen=True)
class AppliedRow:
    location: Location
    product: Product
    kind: FeedKind
    quantity: int
    on_hand: int  # after the whole batch


class RowRefused(InvalidInput):
    """One row of the batch is wrong: the whole batch is refused, nothing written."""

    def __init__(self, index: int, field: str, message, status_code: int = 422):
        super().__init__(_("Row %(index)d: %(message)s", index=index, message=message),
                         index=index, field=f"movements[{index}].{field}", reason=message)
        self.status_code = status_code


def apply_stock_feed(rows: list[FeedRow], reference: str) -> list[AppliedRow]:
    """Check every row, then apply them in order through the inventory services inside a
    SAVEPOINT: a row the stock guards refuse undoes the rows before it."""
    locations, products = _referenced(rows)
    checked = [_checked(index, row, locations, products) for index, row in enumerate(rows)]
    ref = inventory.Ref(reference[:64])
    with db.session.begin_nested():
        for index, (location, product, kind, quantity) in enumerate(checked):
            try:
                _apply(location, product, kind, quantity, ref)
            except DomainError as refused:
                raise RowRefused(index, "quantity", refused.message, refused.status_code) from None
    return _with_levels_after(checked)


def _referenced(rows: list[FeedRow]) -> tuple[dict[str, Location], dict[str, Product]]:
    codes = {row.location_code.upper() for row in rows}
    skus = {row.sku for row in rows}
    locations = {loc.code: loc for loc in db.session.scalars(
        select(Location).where(Location.code.in_(codes)))}
    products = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))}
    return locations, products


def _checked(index: int, row: FeedRow, locations: dict[str, Location],
             products: dict[str, Product]) -> tuple[Location, Product, FeedKind, int]:
    location = locations.get(row.location_code.upper())
    if location is None:
        raise RowRefused(index, "location", _("unknown location %(code)s.", code=row.location_code),
                         404)
    if not location.active:
        raise RowRefused(index, "location", _("location %(code)s is not active.",
                                              code=location.code), 409)
    product = products.get(row.sku)
    if product is None:
        raise RowRefused(index, "sku", _("unknown SKU %(sku)s.", sku=row.sku), 404)
    try:
        kind = FeedKind(row.kind)
    except ValueError:
        raise RowRefused(index, "kind", _("kind must be receipt, adjustment or count.")) from None
    valid = {
        FeedKind.RECEIPT: (row.quantity > 0, _("a receipt adds a quantity above zero.")),
        FeedKind.ADJUSTMENT: (row.quantity != 0, _("an adjustment must change the quantity.")),
        FeedKind.COUNT: (row.quantity >= 0, _("a count is zero or more.")),
    }
    is_valid, message = valid[kind]
    if not is_valid:
        raise RowRefused(index, "quantity", message)
    return location, product, kind, row.quantity


def _apply(location: Location, product: Product, kind: FeedKind, quantity: int,
           ref: inventory.Ref) -> None:
    match kind:
        case FeedKind.RECEIPT:
            inventory.receive(location.id, product.id, quantity, ref)
        case FeedKind.ADJUSTMENT:
            inventory.adjust(location.id, product.id, quantity, ref)
        case FeedKind.COUNT:
            inventory.post_count(location.id, product.id, quantity, ref)


def _with_levels_after(checked) -> list[AppliedRow]:
    pairs = {(location.id, product.id) for location, product, _kind, _qty in checked}
    on_hand = dict(
        ((location_id, product_id), units)
        for location_id, product_id, units in db.session.execute(
            select(StockLevel.location_id, StockLevel.product_id, StockLevel.on_hand)
            .where(tuple_(StockLevel.location_id, StockLevel.product_id).in_(pairs))
        )
    )
    return [AppliedRow(location, product, kind, quantity, on_hand[(location.id, product.id)])
            for location, product, kind, quantity in checked]
