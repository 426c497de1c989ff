"""`flask stock import FILE.csv`: a stock snapshot or movement file from an ERP or WMS.

The file streams through in chunks (constant memory), each chunk checked and applied by
the same service as POST /stock/movements, all in one transaction: a bad line stops the
import with its line number and nothing is written.
"""
import csv
import os
import sys
from itertools import islice

import click
from flask.cli import AppGroup

from omni_store.api.stock_feed import FeedKind, FeedRow, RowRefused, apply_stock_feed
from omni_store.core.errors import DomainError
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


def _import_stock_file(path: str) -> tuple[int, dict[FeedKind, int]]:
    totals = {kind: 0 for kind in FeedKind}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        lines = sum(1 for _line in handle) - 1  # a first streaming pass sizes the progress bar
    with open(path, newline="", encoding="utf-8-sig") as handle, click.progressbar(
        length=max(lines, 0), label="Importing stock", file=sys.stderr
    ) as progress:
        reader = csv.DictReader(handle)
        missing = [c for c in STOCK_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BadLine(1, f"missing column(s): {', '.join(missing)}.")
        first_line = 2
        while chunk := list(islice(reader, CHUNK_ROWS)):
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
            first_line += len(chunk)
            progress.update(len(chunk))
    return first_line - 2, totals


def _feed_row(line: int, record: dict) -> FeedRow:
    if None in record:  # more fields than the header has
        raise BadLine(line, "more fields than columns.")
    quantity = (record.get("quantity") or "").strip()
    try:
        number = int(quantity)
    except ValueError:
        raise BadLine(line, f"quantity {quantity!r} is not a whole number.") from None
    return FeedRow(location_code=(record.get("location") or "").strip(),
                   sku=(record.get("sku") or "").strip(),
                   kind=(record.get("kind") or "count").strip() or "count",
                   quantity=number)
