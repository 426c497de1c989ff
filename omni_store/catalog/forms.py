from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import ValidationError

from omni_store.catalog.barcodes import is_valid_ean13
from omni_store.catalog.queries import looks_like_ean13


def _strip(value: str | None) -> str:
    return (value or "").strip()


def _within_length_limit(form, field) -> None:
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(field.data) > limit:
        raise ValidationError(_("That search is too long: %(limit)d characters at most.", limit=limit))


def _valid_if_barcode(form, field) -> None:
    """Thirteen digits are a scan: a wrong check digit means a misread, not a name."""
    if looks_like_ean13(field.data) and not is_valid_ean13(field.data):
        raise ValidationError(
            _("%(code)s is not a valid barcode. Scan it again or check the digits.", code=field.data)
        )


class ProductLookupForm(FlaskForm):
    class Meta:
        csrf = False  # a search by GET changes nothing

    q = SearchField(
        _l("Name, brand, SKU or barcode"),
        filters=[_strip],
        validators=[_within_length_limit, _valid_if_barcode],
    )
