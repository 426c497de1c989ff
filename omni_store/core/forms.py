"""Reading what a person or another system sends: the one input layer (DESIGN §9).

A whole number is a few ASCII digits, checked before int() sees them: Python refuses
to convert over 4,300 digits, and "²" passes isdigit(). A text is never longer than the
column that stores it, on SQLite too (which would store 10 kB in a VARCHAR(80)), and
the flush guard below holds every ORM write to that. A refusal is an InvalidInput (422)
naming the field, in the same words on every screen and in the API.
"""
from functools import cache

from flask import request
from flask_babel import gettext as _
from sqlalchemy import String, event, inspect
from sqlalchemy.orm import InstrumentedAttribute, Mapper, Session

from omni_store.core.database import MAX_ROW_ID
from omni_store.core.errors import InvalidInput

# More than anyone counts or types on a store screen.
MAX_TYPED_NUMBER = 999_999


def refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, field=field)


def whole_number(raw: str, field: str, low: int, high: int) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= len(str(high))
            and low <= int(text) <= high):
        raise refuse(field, _("%(field)s must be a whole number from %(low)d to %(high)d.",
                              field=field, low=low, high=high))
    return int(text)


def row_id(raw: str, field: str, message: str) -> int:
    """The id of a row the screen listed; anything else is refused with `message`."""
    text = raw.strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= len(str(MAX_ROW_ID))
            and 1 <= int(text) <= MAX_ROW_ID):
        raise refuse(field, message)
    return int(text)


def bounded_text(value: str, max_length: int, field: str | None = None) -> str:
    if len(value) > max_length:
        raise refuse(field or "", _("%(field)s is too long: %(max)d characters at most.",
                                    field=field, max=max_length) if field else
                     _("That is too long: %(max)d characters at most.", max=max_length))
    return value


def column_length(attribute: InstrumentedAttribute) -> int:
    """The length of a String column, e.g. column_length(Customer.first_name) -> 80."""
    return attribute.property.columns[0].type.length


def form_number(name: str, field: str, low: int = 0, high: int = MAX_TYPED_NUMBER,
                default: int | None = None) -> int:
    """A whole number from the posted form; `default` when the field is absent or blank."""
    raw = request.form.get(name, "")
    if default is not None and not raw.strip():
        return default
    return whole_number(raw, field, low, high)


def form_id(name: str, message: str) -> int:
    return row_id(request.form.get(name, ""), name, message)


def optional_form_id(name: str, message: str) -> int | None:
    return form_id(name, message) if request.form.get(name, "").strip() else None


def form_text(name: str, max_length: int, field: str | None = None) -> str:
    return bounded_text((request.form.get(name) or "").strip(), max_length, field)


def query_number(name: str, field: str, low: int = 0, high: int = MAX_TYPED_NUMBER,
                 default: int | None = None) -> int | None:
    raw = request.args.get(name, "")
    return whole_number(raw, field, low, high) if raw.strip() else default


def refuse_unstorable_characters() -> None:
    """Before any view: a NUL in a form or query value is refused, as no text column can hold
    it (PostgreSQL fails the statement that merely compares it)."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise refuse(name, _("%(field)s contains an invisible control character: "
                                     "type it again.", field=name.strip("\x00") or "?"))


@event.listens_for(Session, "before_flush")
def _refuse_overlong_text(session: Session, _context, _instances) -> None:
    """No ORM write stores a text longer than its column, whichever screen or job sent it."""
    for instance in (*session.new, *session.dirty):
        state = inspect(instance)
        for key, label, limit in _bounded_texts(state.mapper):
            value = state.dict.get(key)  # what was set; never loads an expired attribute
            if isinstance(value, str):
                bounded_text(value, limit, label)


@cache
def _bounded_texts(mapper: Mapper) -> tuple[tuple[str, str, int], ...]:
    return tuple(
        (attribute.key, column.info.get("label") or column.name.replace("_", " ").capitalize(),
         column.type.length)
        for attribute in mapper.column_attrs
        for column in attribute.columns[:1]
        if isinstance(column.type, String) and column.type.length
    )
