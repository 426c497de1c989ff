"""Reading what a task screen posts: small, strict parsers (bad input is a 422, never a 500)."""
from flask import request
from flask_babel import gettext as _

from omni_store.core.errors import InvalidInput

MAX_NUMBER_DIGITS = 6


def text_field(name: str, max_length: int = 200) -> str:
    value = (request.form.get(name) or "").strip()
    if len(value) > max_length:
        raise InvalidInput(_("That is too long: %(max)d characters at most.", max=max_length))
    return value


def whole_number(name: str, label: str) -> int:
    """A whole number typed by a person: digits only, a few of them."""
    value = text_field(name, MAX_NUMBER_DIGITS + 1)
    if not value.isdecimal() or len(value) > MAX_NUMBER_DIGITS:
        raise InvalidInput(_("%(label)s must be a whole number.", label=label))
    return int(value)


def id_field(name: str, message: str) -> int:
    value = text_field(name, 12)
    if not value.isdecimal():
        raise InvalidInput(message)
    return int(value)
