"""Reading what the appointment screens post: strict parsers, each with its own message."""
import math
from datetime import date, time

from flask_babel import gettext as _

from omni_store.core.errors import InvalidInput
from omni_store.core.forms import form_number, form_text
from omni_store.orders.intake import MAX_LINE_QUANTITY


def day_field(name: str) -> date:
    value = form_text(name, 10)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Enter the day as YYYY-MM-DD, e.g. 2025-03-14.")) from None


def time_field(name: str, label: str) -> time:
    """A time of day as HH:MM (what a time input sends)."""
    value = form_text(name, 5)
    hours, _sep, minutes = value.partition(":")
    if not (hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2
            and int(hours) < 24 and int(minutes) < 60):
        raise InvalidInput(_("%(label)s must be a time such as 17:30.", label=label))
    return time(int(hours), int(minutes))


def quantity_field(name: str = "quantity") -> int:
    return form_number(name, _("Quantity"), 1, MAX_LINE_QUANTITY)


def coordinate_field(name: str, label: str, limit: int) -> float:
    value = form_text(name, 32).replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or not -limit <= number <= limit:
        raise InvalidInput(_("%(label)s must be a number from -%(limit)d to %(limit)d, "
                             "e.g. 48.8566.", label=label, limit=limit))
    return number
