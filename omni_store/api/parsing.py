"""Reading API input through the one input layer (core/forms): each refusal names its field.

openapi.py states the same rules from the same constants: a request the document allows is
never refused as malformed, and one it forbids never reaches a service or the database.
A text is matched against the document's own pattern with re.search, as JSON Schema does.
"""
import json
import math
import re
from functools import cache

from flask import g, request
from flask_babel import gettext as _

from omni_store.api.stock_feed import FeedKind
from omni_store.appointments.models import AppointmentSlot
from omni_store.catalog.models import Product
from omni_store.core.database import MAX_ROW_ID
from omni_store.core.errors import InvalidInput
from omni_store.core.forms import MAX_TYPED_NUMBER, bounded_text, column_length, whole_number
from omni_store.inventory.models import StockMovement
from omni_store.network.models import Location
from omni_store.orders.intake import MAX_LINE_QUANTITY
from omni_store.orders.models import Customer, Order

# What str.strip() removes, spelt out: JSON Schema's \s (ECMAScript's) is another set.
SPACES = "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# PostgreSQL cannot store U+0000 in a text: no text the API reads may hold one.
TEXT_PATTERN = "^[^\\u0000]*$"
# A text that must say something: a character other than spaces, and no U+0000.
FILLED_PATTERN = f"^[^\\u0000]*[^\\u0000{SPACES}][^\\u0000]*$"
EMAIL_PATTERN = f"^[^\\u0000{SPACES}@]+@[^\\u0000{SPACES}]+$"
# A longer run of digits is no quantity nor id of ours; int() never sees it (Python
# refuses to convert over 4,300 digits, and a 5,000-digit number is a denial of service).
MAX_INTEGER_DIGITS = 19
# A decimal number as a query parameter: at most this many characters, JSON's syntax.
MAX_NUMBER_CHARACTERS = 32
NUMBER_SYNTAX = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")

# What the API reads, bounded by the columns the values land in; openapi.py states the same.
SKU_LENGTH = column_length(Product.sku)
LOCATION_CODE_LENGTH = column_length(Location.code)
ORDER_NUMBER_LENGTH = column_length(Order.number)
EMAIL_LENGTH = column_length(Customer.email)
NAME_LENGTH = column_length(Customer.first_name)
PHONE_LENGTH = column_length(Customer.phone)
ADDRESS_LENGTH = column_length(Order.ship_address)
REASON_LENGTH = column_length(StockMovement.note)
EXPERTISE_LENGTH = column_length(AppointmentSlot.expertise)
# A store or warehouse code in a path, and an order number: letters, digits and dashes.
CODE_PATTERN = "^[A-Za-z0-9-]+$"
# An appointment-slots `sku`: a SKU, or a SKU, a colon and a quantity from 1 to 999.
SKU_QUANTITY_PATTERN = f"^[^:\\u0000]*[^:\\u0000{SPACES}][^:\\u0000]*(:[1-9][0-9]{{0,2}})?$"
SKU_QUANTITY_LENGTH = SKU_LENGTH + len(f":{MAX_LINE_QUANTITY}")
MAX_QUERY_LENGTH = 100
MAX_PAGE = 10_000
MAX_PER_PAGE = 100
MAX_ORDER_LINES = 100
# Availability lists the nearest locations and the best ways of each method: what a
# product page shows, and what keeps the answer small at 300 locations.
DEFAULT_LOCATIONS = 20
MAX_LOCATIONS = 500
# A movement's quantity by kind (an adjustment of 0 is refused too: it changes nothing).
MOVEMENT_QUANTITIES = {
    FeedKind.RECEIPT: (1, MAX_TYPED_NUMBER),
    FeedKind.ADJUSTMENT: (-MAX_TYPED_NUMBER, MAX_TYPED_NUMBER),
    FeedKind.COUNT: (0, MAX_TYPED_NUMBER),
}


class BadRequestBody(InvalidInput):
    status_code = 400


def field_error(field: str, message: str, **details) -> InvalidInput:
    return InvalidInput(message, field=field, **details)


def _json_integer(literal: str) -> int | float:
    """An integer literal too long to be one of ours reads as infinite: a number no bound
    allows, so its field is refused by name."""
    return math.inf if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS else int(literal)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_body() -> None:
    """Read the request's JSON once, before anything else does (the idempotency fingerprint
    parses it too): a body that is not UTF-8, not JSON, or nested too deep is a 400 here."""
    data = request.get_data()
    try:
        g.json_body = json.loads(data.decode("utf-8"), parse_int=_json_integer,
                                 parse_constant=_no_constant) if data else None
    except (ValueError, RecursionError):
        raise BadRequestBody(_("The request body is not valid JSON.")) from None


def json_object() -> dict:
    """The request body, which must be a JSON object."""
    if "json_body" not in g:
        read_body()
    if not isinstance(g.json_body, dict):
        raise field_error("body", _("The request body must be a JSON object."))
    return g.json_body


def optional_json_object() -> dict:
    """The body of a write whose body may be left out."""
    return json_object() if request.get_data() else {}


def object_at(data: dict, field: str, path: str) -> dict:
    value = data.get(field)
    if not isinstance(value, dict):
        raise field_error(path, _("%(field)s must be an object.", field=path))
    return value


def required(path: str) -> InvalidInput:
    return field_error(path, _("%(field)s is required.", field=path))


def checked_text(value: str, path: str, max_length: int, pattern: str = TEXT_PATTERN,
                 message: str | None = None) -> str:
    """`value` within `max_length` (the column it lands in) and matching the document's
    `pattern` (else refused with `message`, by default: required); stripped."""
    bounded_text(value, max_length, path)
    if "\x00" in value:
        # The words of core/forms' guard on every form and query value.
        raise field_error(path, _("%(field)s contains an invisible control character: "
                                  "type it again.", field=path))
    if not matches(pattern, value):
        raise field_error(path, message) if message else required(path)
    return value.strip()


def matches(pattern: str, value: str) -> bool:
    """Whether `value` matches the document's `pattern`, as JSON Schema reads it."""
    return _compiled(pattern).search(value) is not None


@cache
def _compiled(pattern: str) -> re.Pattern:
    # JSON Schema's $ is the very end; Python's also matches before a final newline.
    return re.compile(pattern.removesuffix("$") + r"\Z")


def text_at(data: dict, field: str, path: str, max_length: int) -> str:
    """An optional text: absent or null is empty."""
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise field_error(path, _("%(field)s must be a string.", field=path))
    return checked_text(value, path, max_length)


def filled_text_at(data: dict, field: str, path: str, max_length: int,
                   pattern: str = FILLED_PATTERN, message: str | None = None) -> str:
    """A text the request must give, with something in it."""
    value = data.get(field)
    if value is None:
        raise required(path)
    if not isinstance(value, str):
        raise field_error(path, _("%(field)s must be a string.", field=path))
    return checked_text(value, path, max_length, pattern, message)


def choice_at(data: dict, field: str, path: str, choices: list[str]) -> str:
    value = data.get(field)
    if value is None:
        raise required(path)
    if value not in choices:
        raise field_error(path, _("%(field)s must be one of: %(values)s.", field=path,
                                  values=", ".join(choices)))
    return value


def number_at(data: dict, field: str, path: str, low: float, high: float) -> float | None:
    value = data.get(field)
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not low <= value <= high):
        raise field_error(path, _("%(field)s must be a number from %(low)s to %(high)s.",
                                  field=path, low=low, high=high))
    return float(value)


def integer_at(data: dict, field: str, path: str, low: int, high: int,
               message: str | None = None) -> int:
    """A whole number from `low` to `high`; 92.0 is 92, as JSON Schema counts it."""
    value = data.get(field)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        # The same words as the screens' (core/forms.whole_number), which read no sign.
        raise field_error(path, message or _(
            "%(field)s must be a whole number from %(low)d to %(high)d.",
            field=path, low=low, high=high))
    return value


def id_at(data: dict, field: str, path: str) -> int:
    """The id of a row; one no table could hold is refused here, not by the database."""
    return integer_at(data, field, path, 1, MAX_ROW_ID,
                      _("%(field)s is not an id this API gave out.", field=path))


def optional_id_at(data: dict, field: str, path: str) -> int | None:
    return None if data.get(field) is None else id_at(data, field, path)


def list_at(data: dict, field: str, path: str, max_items: int) -> list:
    value = data.get(field)
    if not isinstance(value, list) or not value:
        raise field_error(path, _("%(field)s must be a non-empty list.", field=path))
    if len(value) > max_items:
        raise field_error(path, _("%(field)s has more than %(max)d items.",
                                  field=path, max=max_items))
    return value


def objects_at(data: dict, field: str, path: str, max_items: int):
    """(index, path, object) of each item of a list of objects."""
    for index, item in enumerate(list_at(data, field, path, max_items)):
        if not isinstance(item, dict):
            raise field_error(f"{path}[{index}]", _("%(field)s must be an object.",
                                                    field=f"{path}[{index}]"), index=index)
        yield index, f"{path}[{index}]", item


def query_values(name: str, max_items: int = 1) -> list[str]:
    values = request.args.getlist(name)
    if len(values) > max_items:
        raise field_error(name, _("%(field)s has more than %(max)d items.",
                                  field=name, max=max_items))
    return values


def query_text(name: str, max_length: int, pattern: str = TEXT_PATTERN,
               message: str | None = None) -> str | None:
    values = query_values(name)
    return checked_text(values[0], name, max_length, pattern, message) if values else None


def query_int(name: str, default: int, low: int, high: int) -> int:
    values = query_values(name)
    return whole_number(values[0], name, low, high) if values else default


def query_float(name: str, low: float, high: float) -> float | None:
    values = query_values(name)
    if not values:
        return None
    raw = values[0]
    value = (float(raw) if len(raw) <= MAX_NUMBER_CHARACTERS and NUMBER_SYNTAX.fullmatch(raw)
             else math.nan)
    if not low <= value <= high:
        raise field_error(name, _("%(field)s must be a number from %(low)s to %(high)s.",
                                  field=name, low=low, high=high))
    return value
