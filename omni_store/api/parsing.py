"""Reading API input: every refusal names the field it is about (DESIGN §9)."""
from flask import request
from flask_babel import gettext as _

from omni_store.core.database import MAX_ROW_ID
from omni_store.core.errors import InvalidInput


class BadRequestBody(InvalidInput):
    status_code = 400


def field_error(field: str, message: str, **details) -> InvalidInput:
    return InvalidInput(message, field=field, **details)


def json_object() -> dict:
    """The request body, which must be a JSON object."""
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise BadRequestBody(_("The request body is not valid JSON."))
    if not isinstance(body, dict):
        raise field_error("body", _("The request body must be a JSON object."))
    return body


def object_at(data: dict, field: str, path: str, required: bool = True) -> dict:
    value = data.get(field)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise field_error(path, _("%(field)s must be an object.", field=path))
    return value


def text_at(data: dict, field: str, path: str, max_length: int = 300) -> str:
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise field_error(path, _("%(field)s must be a string.", field=path))
    if len(value) > max_length:
        raise field_error(path, _("%(field)s is longer than %(max)d characters.",
                                  field=path, max=max_length))
    return value.strip()


def number_at(data: dict, field: str, path: str) -> float | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise field_error(path, _("%(field)s must be a number.", field=path))
    return float(value)


def integer_at(data: dict, field: str, path: str) -> int:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(path, _("%(field)s must be a whole number.", field=path))
    return value


def id_at(data: dict, field: str, path: str) -> int:
    """The id of a row; one no table could hold is refused here, not by the database."""
    value = integer_at(data, field, path)
    if not 1 <= value <= MAX_ROW_ID:
        raise field_error(path, _("%(field)s is not an id this API gave out.", field=path))
    return value


def list_at(data: dict, field: str, path: str, max_items: int) -> list:
    value = data.get(field)
    if not isinstance(value, list) or not value:
        raise field_error(path, _("%(field)s must be a non-empty list.", field=path))
    if len(value) > max_items:
        raise field_error(path, _("%(field)s has more than %(max)d items.",
                                  field=path, max=max_items))
    return value


def query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdecimal() or not (low <= int(raw) <= high):
        raise field_error(name, _("%(field)s must be a whole number from %(low)d to %(high)d.",
                                  field=name, low=low, high=high))
    return int(raw)


def query_float(name: str, low: float, high: float) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not (low <= value <= high):
        raise field_error(name, _("%(field)s must be a number from %(low)s to %(high)s.",
                                  field=name, low=low, high=high))
    return value
