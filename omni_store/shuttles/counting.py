"""Counting a parcel's contents on the receive screen, before anything is written.

The running count travels in the form (one field per product): each scan, + or − re-renders
the form with the new figures, and only "Confirm" calls the receipt service.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from omni_store.catalog.models import Barcode, Product
from omni_store.core.errors import InvalidInput, NotFound
from omni_store.core.forms import row_id, whole_number
from omni_store.extensions import db
from omni_store.shuttles.packing import MAX_CODE_LENGTH, MAX_COUNT


@dataclass(frozen=True)
class CountLine:
    product: Product
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


def expected_by_product(pairs: list[tuple[Product, int]]) -> dict[Product, int]:
    expected: dict[Product, int] = {}
    for product, quantity in pairs:
        expected[product] = expected.get(product, 0) + quantity
    return expected


def read_counts(form: MultiDict, expected: dict[Product, int]) -> dict[int, int]:
    """The counts the form carries; a product missing from it has not been counted (0)."""
    counts = {}
    for product in expected:
        counts[product.id] = whole_number(form.get(f"count-{product.id}") or "0", _("A count"),
                                          0, MAX_COUNT)
    return counts


def apply_counting_action(form: MultiDict, expected: dict[Product, int],
                          counts: dict[int, int]) -> dict[int, int]:
    """A scanned unit, a + or − tap, or "all there": the new running count."""
    counts = dict(counts)
    if form.get("all"):
        return {product.id: quantity for product, quantity in expected.items()}
    if step := form.get("step"):
        raw_id, _sep, delta = step.partition(":")
        product_id = row_id(raw_id, "step", _("Tap + or − beside a product of the parcel."))
        if product_id not in counts or delta not in ("1", "-1"):
            raise InvalidInput(_("Tap + or − beside a product of the parcel."))
        counts[product_id] = min(max(counts[product_id] + int(delta), 0), MAX_COUNT)
    elif code := (form.get("barcode") or "").strip():
        product = _scanned_product(code, expected)
        counts[product.id] = min(counts[product.id] + 1, MAX_COUNT)
    return counts


def _scanned_product(code: str, expected: dict[Product, int]) -> Product:
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(_("That is not a product barcode."))
    for product in expected:
        if any(barcode.code == code for barcode in product.barcodes):
            return product
    other = db.session.scalar(select(Product).join(Barcode).where(Barcode.code == code))
    if other is None:
        raise NotFound(_("No product has the barcode %(code)s.", code=code))
    raise InvalidInput(_("This is %(name)s: it is not expected here. Set it aside.", name=other.name))


def count_lines(expected: dict[Product, int], counts: dict[int, int]) -> list[CountLine]:
    return [CountLine(product, quantity, counts.get(product.id, 0))
            for product, quantity in expected.items()]
