"""The ledger invariant holds whatever sequence of stock changes, accepted or refused."""
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from omni_store.core.errors import DomainError
from omni_store.inventory import services as inventory
from omni_store.inventory.queries import ledger_mismatches
from omni_store.inventory.models import (
    Buffer,
    Channel,
    MovementReason,
    StockLevel,
    StockMovement,
)
from tests import factories

WEB_BUFFER = 2  # kept back from the web at each location; the store channel has none


@dataclass(frozen=True)
class Book:
    """What the level should hold, computed from the rules rather than from the database."""

    on_hand: int = 0
    allocated: int = 0
    quarantine: int = 0


def expected(book: Book, operation: str, amount: int, flag: bool) -> Book | None:
    """The book after the operation, or None if the rules refuse it."""
    if amount <= 0 and operation not in ("adjust", "post_count"):
        return None  # these quantities must be above zero
    free = book.on_hand - book.allocated
    match operation:
        case "receive":
            return replace(book, on_hand=book.on_hand + amount)
        case "adjust":
            ok = amount != 0 and free + amount >= 0
            return replace(book, on_hand=book.on_hand + amount) if ok else None
        case "allocate":
            buffer = WEB_BUFFER if flag else 0
            ok = free - buffer >= amount
            return replace(book, allocated=book.allocated + amount) if ok else None
        case "release":
            ok = book.allocated >= amount
            return replace(book, allocated=book.allocated - amount) if ok else None
        case "remove_allocated":
            ok = book.allocated >= amount
            return (replace(book, on_hand=book.on_hand - amount, allocated=book.allocated - amount)
                    if ok else None)
        case "to_quarantine":
            from_sellable = flag
            ok = not from_sellable or free >= amount
            taken = amount if from_sellable else 0
            return (replace(book, on_hand=book.on_hand - taken,
                            quarantine=book.quarantine + amount) if ok else None)
        case "post_count":
            ok = amount >= book.allocated
            return replace(book, on_hand=amount) if ok else None


def perform(location_id, product, operation: str, amount: int, flag: bool) -> bool:
    """Run the real service; True if it was accepted."""
    ref = inventory.Ref("test:ledger")
    try:
        match operation:
            case "receive":
                inventory.receive(location_id, product.id, amount, ref)
            case "adjust":
                inventory.adjust(location_id, product.id, amount, ref)
            case "allocate":
                channel = Channel.WEB if flag else Channel.STORE
                return inventory.allocate(location_id, product, amount, channel, ref)
            case "release":
                inventory.release(location_id, product.id, amount, ref)
            case "remove_allocated":
                inventory.remove_allocated(location_id, product.id, amount,
                                           MovementReason.SALE, ref)
            case "to_quarantine":
                inventory.to_quarantine(location_id, product.id, amount, ref, from_sellable=flag)
            case "post_count":
                inventory.post_count(location_id, product.id, amount, ref)
    except DomainError:
        return False
    return True


operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "adjust", "allocate", "release", "remove_allocated",
                         "to_quarantine", "post_count"]),
        st.integers(0, 1),  # which location
        st.integers(0, 1),  # which product
        st.integers(-4, 6),  # amount; zero and negatives probe the input checks
        st.booleans(),  # web channel for allocate, from sellable stock for quarantine
    ),
    min_size=5,
    max_size=40,
)


def book_of(db, location_id, product_id) -> Book:
    level = db.session.scalar(
        select(StockLevel).filter_by(location_id=location_id, product_id=product_id)
    )
    return Book(level.on_hand, level.allocated, level.quarantine) if level else Book()


def movement_count(db) -> int:
    return db.session.scalar(select(func.count(StockMovement.id)))


def assert_every_bucket_is_the_sum_of_its_movements(db):
    assert ledger_mismatches() == []


# Per (location, product): two quantities, the larger on hand, the smaller allocated.
initial_levels = st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), min_size=4, max_size=4)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial=initial_levels, steps=operations)
def test_ledger_matches_levels_after_any_sequence(db, initial, steps):
    locations = [factories.store(), factories.store()]
    products = [factories.product(), factories.product()]
    for loc in locations:
        db.session.add(Buffer(channel=Channel.WEB, location_id=loc.id, quantity=WEB_BUFFER))
    books = {}
    pairs = [(loc.id, product) for loc in locations for product in products]
    for (location_id, product), quantities in zip(pairs, initial, strict=True):
        on_hand, allocated = max(quantities), min(quantities)
        if on_hand:
            inventory.receive(location_id, product.id, on_hand)
        if allocated:
            assert inventory.allocate(location_id, product, allocated, Channel.STORE)
        books[(location_id, product.id)] = Book(on_hand, allocated)
    for operation, loc_index, product_index, amount, flag in steps:
        location_id, product = locations[loc_index].id, products[product_index]
        book = books.get((location_id, product.id), Book())
        movements_before = movement_count(db)

        accepted = perform(location_id, product, operation, amount, flag)

        after = expected(book, operation, amount, flag)
        assert accepted == (after is not None), (operation, amount, flag, book)
        actual = book_of(db, location_id, product.id)
        assert actual == (after or book)
        assert actual.allocated <= actual.on_hand  # ATP is never negative
        changed = after is not None and after != book
        assert movement_count(db) == movements_before + changed  # refused: no movement
        books[(location_id, product.id)] = actual
    assert_every_bucket_is_the_sum_of_its_movements(db)
