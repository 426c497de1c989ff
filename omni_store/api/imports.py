"""`flask stock import FILE.csv` (a stock snapshot or movement file from an ERP or WMS)
and `flask offers import FILE.csv` (marketplace offers).

Each file streams through in chunks (constant memory; stock rows go through the same
service as POST /stock/movements), all in one transaction: a bad line stops the import
with its line number and nothing is written.
"""
import csv
import os
import sys
from itertools import islice

import click
from flask.cli import AppGroup
from sqlalchemy import select

from omni_store.api.stock_feed import FeedKind, FeedRow, RowRefused, apply_stock_feed
from omni_store.catalog.models import Offer, OfferCondition, Product, Seller
from omni_store.core.errors import DomainError, InvalidInput
from omni_store.core.forms import MAX_TYPED_NUMBER, whole_number
from omni_store.extensions import db

CHUNK_ROWS = 500
STOCK_COLUMNS = ("location", "sku", "quantity")  # and optionally "kind" (default: count)

stock_cli = AppGroup("stock", help="Stock feeds from the ERP, the WMS and suppliers.")


class BadLine(click.ClickException):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message} Nothing was imported.")


@stock_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_stock(path: str) -> None:
    """Apply FILE.csv (columns location, sku, quantity and optionally kind: count,
    receipt or adjustment; a snapshot is a file of counts)."""
    try:
        lines, totals = _import_stock_file(path)
    except click.ClickException:
        db.session.rollback()  # earlier chunks were applied: undo them too
        raise
    db.session.commit()
    summary = ", ".join(f"{count} {kind}" for kind, count in totals.items() if count)
    click.echo(f"Imported {lines} line(s): {summary or 'nothing'}.")


def _csv_chunks(path: str, columns: tuple[str, ...], label: str):
    """Yield (first line number, rows) chunk by chunk, with a progress bar: constant memory."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        lines = sum(1 for _line in handle) - 1  # a first streaming pass sizes the progress bar
    with open(path, newline="", encoding="utf-8-sig") as handle, click.progressbar(
        length=max(lines, 0), label=label, file=sys.stderr
    ) as progress:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise BadLine(1, f"missing column(s): {', '.join(missing)}.")
        first_line = 2
        while chunk := list(islice(reader, CHUNK_ROWS)):
            yield first_line, chunk
            first_line += len(chunk)
            progress.update(len(chunk))


def _import_stock_file(path: str) -> tuple[int, dict[FeedKind, int]]:
    totals = {kind: 0 for kind in FeedKind}
    lines = 0
    for first_line, chunk in _csv_chunks(path, STOCK_COLUMNS, "Importing stock"):
        rows = [_feed_row(first_line + offset, record) for offset, record in enumerate(chunk)]
        try:
            applied = apply_stock_feed(rows, reference=f"import:{os.path.basename(path)}")
        except RowRefused as refused:
            raise BadLine(first_line + refused.details["index"],
                          str(refused.details["reason"])) from None
        except DomainError as refused:
            raise click.ClickException(f"{refused.message} Nothing was imported.") from None
        for row in applied:
            totals[row.kind] += 1
        lines += len(chunk)
    return lines, totals


def _feed_row(line: int, record: dict) -> FeedRow:
    if None in record:  # more fields than the header has
        raise BadLine(line, "more fields than columns.")
    return FeedRow(location_code=(record.get("location") or "").strip(),
                   sku=(record.get("sku") or "").strip(),
                   kind=(record.get("kind") or "count").strip() or "count",
                   quantity=_quantity(line, record.get("quantity")))


def _quantity(line: int, raw: str | None) -> int:
    """A count, a receipt or an adjustment's signed change (its kind's rule comes next)."""
    text = (raw or "").strip()
    try:  # the digits through the input layer: a 4,000-digit one never reaches int()
        number = whole_number(text.removeprefix("-"), "quantity", 0, MAX_TYPED_NUMBER)
    except InvalidInput:
        raise BadLine(line, f"quantity must be a whole number from {-MAX_TYPED_NUMBER} to "
                            f"{MAX_TYPED_NUMBER} (not {text[:20]!r}).") from None
    return -number if text.startswith("-") else number


# --- marketplace offers ----------------------------------------------------------------

OFFER_COLUMNS = ("seller", "sku", "price_cents", "shipping_cents", "stock", "lead_time_days")
# Column: (lowest, highest) a seller's feed may send; a price and its shipping both at most
# a million euros still add up within an integer column, and a year's lead time stays a date.
OFFER_NUMBERS = {
    "price_cents": (1, 100_000_000), "shipping_cents": (0, 100_000_000),
    "stock": (0, MAX_TYPED_NUMBER), "lead_time_days": (0, 365),
}

offers_cli = AppGroup("offers", help="Marketplace offers from the sellers' feeds.")


@offers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_offers(path: str) -> None:
    """Create or update offers from FILE.csv (columns seller, sku, price_cents,
    shipping_cents, stock, lead_time_days and optionally condition: new, refurbished, used).
    Sellers must exist; stock 0 keeps the offer but takes it off sale."""
    try:
        created, updated = _import_offers_file(path)
    except click.ClickException:
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(f"Imported {created + updated} offer(s): {created} new, {updated} updated.")


def _import_offers_file(path: str) -> tuple[int, int]:
    created = updated = 0
    for first_line, chunk in _csv_chunks(path, OFFER_COLUMNS, "Importing offers"):
        chunk_created, chunk_updated = _upsert_offers(first_line, chunk)
        created, updated = created + chunk_created, updated + chunk_updated
    return created, updated


def _upsert_offers(first_line: int, chunk: list[dict]) -> tuple[int, int]:
    """One chunk: sellers, products and existing offers read in three queries."""
    sellers = {s.code: s for s in db.session.scalars(
        select(Seller).where(Seller.code.in_({(r.get("seller") or "").strip() for r in chunk})))}
    products = {p.sku: p for p in db.session.scalars(
        select(Product).where(Product.sku.in_({(r.get("sku") or "").strip() for r in chunk})))}
    existing = {(o.seller_id, o.product_id, o.condition): o for o in db.session.scalars(
        select(Offer).where(Offer.product_id.in_([p.id for p in products.values()])))}
    created = updated = 0
    for line, record in enumerate(chunk, start=first_line):
        if None in record:
            raise BadLine(line, "more fields than columns.")
        seller = sellers.get((record["seller"] or "").strip())
        if seller is None:
            raise BadLine(line, f"unknown seller {record['seller']!r}.")
        product = products.get((record["sku"] or "").strip())
        if product is None:
            raise BadLine(line, f"unknown SKU {record['sku']!r}.")
        try:
            condition = OfferCondition((record.get("condition") or "new").strip() or "new")
        except ValueError:
            raise BadLine(line, "condition must be new, refurbished or used.") from None
        values = {column: _whole_number(line, column, record[column], low, high)
                  for column, (low, high) in OFFER_NUMBERS.items()}
        offer = existing.get((seller.id, product.id, condition))
        if offer is None:
            offer = Offer(seller=seller, product=product, condition=condition)
            db.session.add(offer)
            existing[(seller.id, product.id, condition)] = offer
            created += 1
        else:
            updated += 1
        for column, value in values.items():
            setattr(offer, column, value)
    db.session.flush()
    return created, updated


def _whole_number(line: int, column: str, raw: str | None, low: int, high: int) -> int:
    try:
        return whole_number(raw or "", column, low, high)
    except InvalidInput as refused:  # the input layer's words, and what the line said
        raise BadLine(line, f"{str(refused.message).removesuffix('.')} "
                            f"(not {(raw or '').strip()[:20]!r}).") from None
