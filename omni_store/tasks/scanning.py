"""What a scan means: the product behind a barcode, and whether it is the one wanted."""
from flask_babel import gettext as _
from sqlalchemy import select

from omni_store.catalog.models import Barcode, Product
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.tasks.models import Task

MAX_BARCODE_LENGTH = 64


class WrongItem(DomainError):
    status_code = 409


def product_for_barcode(code: str) -> Product:
    """The product a scanned code belongs to; a clear refusal for anything else."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput(_("Scan or type a barcode."))
    if len(code) > MAX_BARCODE_LENGTH:
        raise InvalidInput(_("This is not a barcode."))
    product = db.session.scalar(select(Product).join(Barcode).where(Barcode.code == code))
    if product is None:
        raise NotFound(_("Unknown barcode %(code)s: no product carries it.", code=code))
    return product


def check_item(task: Task, code: str) -> None:
    """The scanned item must be the task's product, else say what it was and what is wanted."""
    scanned = product_for_barcode(code)
    if scanned.id != task.product_id:
        raise WrongItem(_("Wrong item: you scanned %(scanned)s (%(scanned_sku)s), "
                          "this task needs %(expected)s (%(expected_sku)s).",
                          scanned=scanned.name, scanned_sku=scanned.sku,
                          expected=task.product.name, expected_sku=task.product.sku))
