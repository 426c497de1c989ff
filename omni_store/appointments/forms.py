"""Reading what the appointment screens post: strict parsers, each with its own message."""
from datetime import date, time

from flask import request
from flask_babel import gettext as _

from omni_store.core.errors import InvalidInput
from omni_store.orders.services import MAX_LINE_QUANTITY
from omni_store.tasks.forms import text_field


def day_field(name: str) -> date:
    value = text_field(name, 10)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Enter the day as YYYY-MM-DD, e.g. 2025-03-14.")) from None


def time_field(name: str, label: str) -> time:
    """A time of day as HH:MM (what a time input sends)."""
    value = text_field(name, 5)
    hours, _sep, minutes = value.partition(":")
    if not (hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2
            and int(hours) < 24 and int(minutes) < 60):
        raise InvalidInput(_("%(label)s must be a time such as 17:30.", label=label))
    return time(int(hours), int(minutes))


def quantity_field(name: str = "quantity") -> int:
    value = text_field(name, 4)
    if not value.isdecimal() or not 1 <= int(value) <= MAX_LINE_QUANTITY:
        raise InvalidInput(_("The quantity must be a whole number from 1 to %(max)d.",
                             max=MAX_LINE_QUANTITY))
    return int(value)


def optional_id(name: str, message: str) -> int | None:
    value = text_field(name, 12)
    if not value:
        return None
    if not value.isdecimal():
        raise InvalidInput(message)
    return int(value)


def coordinate_field(name: str, label: str, limit: int) -> float:
    value = (request.form.get(name) or "").strip().replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not -limit <= number <= limit:
        raise InvalidInput(_("%(label)s must be a number from -%(limit)d to %(limit)d, "
                             "e.g. 48.8566.", label=label, limit=limit))
    return number
