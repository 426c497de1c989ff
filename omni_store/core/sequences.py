"""Named number sequences (parcel codes, carrier tracking numbers), safe under concurrency.

One conditional UPDATE hands each number out, so two requests never get the same one.
"""
from flask_babel import gettext as _
from sqlalchemy import Integer, String, bindparam, or_, update
from sqlalchemy.orm import Mapped, mapped_column

from omni_store.core.database import insert_or_ignore
from omni_store.core.errors import DomainError
from omni_store.extensions import db


class NumberSequence(db.Model):
    """Named counters handed out by one conditional UPDATE (parcel codes, tracking numbers)."""

    __tablename__ = "number_sequence"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int | None] = mapped_column(Integer)  # a configured range ends here


class SequenceExhausted(DomainError):
    status_code = 409


_sequences = NumberSequence.__table__
_TAKE_NEXT = (
    update(_sequences)
    .where(
        _sequences.c.name == bindparam("sequence_name"),
        or_(_sequences.c.last_value.is_(None), _sequences.c.next_value <= _sequences.c.last_value),
    )
    .values(next_value=_sequences.c.next_value + 1)
    .returning(_sequences.c.next_value)
)


def next_code(sequence_name: str, pattern: str = "{:06d}", first: int = 1,
              last: int | None = None) -> str:
    """The next number of a named sequence, formatted by `pattern`.

    The sequence is created on first use with `first` and `last` (a range allotted by a
    carrier), and refuses once `last` has been handed out.
    """
    params = {"sequence_name": sequence_name}
    value = db.session.execute(_TAKE_NEXT, params).scalar_one_or_none()
    if value is None:
        # Two requests creating the sequence at once are fine: one insert wins.
        insert_or_ignore(NumberSequence, ["name"], name=sequence_name, next_value=first,
                         last_value=last)
        value = db.session.execute(_TAKE_NEXT, params).scalar_one_or_none()
    if value is None:
        raise SequenceExhausted(_("No numbers left in the range of %(name)s: ask for a new range.",
                                  name=sequence_name))
    return pattern.format(value - 1)
