"""The only code that changes stock (DESIGN §3).

Every change is one conditional UPDATE of the level, guarded in SQL so that no bucket
goes negative and allocations never exceed what is on hand minus the channel's buffer,
plus one ledger row, in the caller's transaction. A guard that fails changes nothing.
"""
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update

from omni_store.catalog.models import Product
from omni_store.core.clock import utcnow
from omni_store.core.database import insert_or_ignore
from omni_store.core.errors import InvalidInput, NotAvailable
from omni_store.core.read_cache import KeyedReadCache
from omni_store.extensions import db
from omni_store.inventory.models import (
    Buffer,
    Channel,
    MovementReason,
    StockLevel,
    StockMovement,
    buffer_specificity,
)


@dataclass(frozen=True)
class Ref:
    """Why and by whom: copied onto every movement row."""

    reference: str = ""
    actor_id: int | None = None
    note: str = ""


def _create_level_if_missing(location_id: int, product_id: int) -> bool:
    """Insert an empty (location, product) row; False if it already existed (two requests
    creating it at once are fine)."""
    return insert_or_ignore(StockLevel, ["location_id", "product_id"], location_id=location_id,
                            product_id=product_id, on_hand=0, allocated=0, quarantine=0)


_levels = StockLevel.__table__
_movements = StockMovement.__table__

# Built once: every stock change runs this statement with its own parameters.
_GUARDED_UPDATE = (
    update(_levels)
    .where(
        _levels.c.location_id == bindparam("at_location"),
        _levels.c.product_id == bindparam("of_product"),
        _levels.c.on_hand + bindparam("d_on_hand") >= 0,
        _levels.c.allocated + bindparam("d_allocated") >= 0,
        _levels.c.quarantine + bindparam("d_quarantine") >= 0,
        (_levels.c.on_hand + bindparam("d_on_hand"))
        - (_levels.c.allocated + bindparam("d_allocated"))
        >= bindparam("keep_free"),
    )
    .values(
        on_hand=_levels.c.on_hand + bindparam("d_on_hand"),
        allocated=_levels.c.allocated + bindparam("d_allocated"),
        quarantine=_levels.c.quarantine + bindparam("d_quarantine"),
    )
    .returning(_levels.c.id)
)


def _apply(
    location_id: int,
    product_id: int,
    reason: MovementReason,
    ref: Ref,
    *,
    on_hand: int = 0,
    allocated: int = 0,
    quarantine: int = 0,
    keep_free: int = 0,
) -> bool:
    """Add the deltas if every guard holds; return False (nothing written) if not.

    `keep_free` is how many units must stay unallocated afterwards: the channel's
    buffer when allocating, 0 otherwise.
    """
    params = {
        "at_location": location_id,
        "of_product": product_id,
        "d_on_hand": on_hand,
        "d_allocated": allocated,
        "d_quarantine": quarantine,
        "keep_free": keep_free,
    }
    level_id = db.session.execute(_GUARDED_UPDATE, params).scalar_one_or_none()
    if level_id is None:
        # Either a guard failed, or the location never held the product: only then retry.
        if not _create_level_if_missing(location_id, product_id):
            return False
        level_id = db.session.execute(_GUARDED_UPDATE, params).scalar_one_or_none()
        if level_id is None:
            return False
    db.session.execute(
        insert(_movements),
        {
            "location_id": location_id,
            "product_id": product_id,
            "delta_on_hand": on_hand,
            "delta_allocated": allocated,
            "delta_quarantine": quarantine,
            "reason": str(reason),
            "reference": ref.reference[:64],
            "note": ref.note[:200],
            "actor_id": ref.actor_id,
            "created_at": utcnow(),
        },
    )
    # The UPDATE bypassed the ORM: a loaded copy of this level must re-read its row.
    cached = db.session.identity_map.get(db.session.identity_key(StockLevel, level_id))
    if cached is not None:
        db.session.expire(cached)
    return True


def _require_positive(quantity: int) -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput(_("Quantity must be a whole number above zero."))


# --- buffers and availability ------------------------------------------------------


_buffers = Buffer.__table__.c
_BUFFERS_OF = select(_buffers.location_id, _buffers.product_id, _buffers.category,
                     _buffers.quantity).where(
    _buffers.channel == bindparam("channel"),
    _buffers.product_id.is_(None) | _buffers.product_id.in_(bindparam("product_ids", expanding=True)),
    _buffers.category.is_(None) | _buffers.category.in_(bindparam("categories", expanding=True)),
)


class BufferTable:
    """The buffers of one channel for a set of products, loaded once (one query)."""

    def __init__(self, channel: Channel, products: list[Product]):
        self.channel = channel
        self._buffers = db.session.execute(_BUFFERS_OF, {
            "channel": channel, "product_ids": [p.id for p in products],
            "categories": sorted({p.category for p in products})}).all()
        self._by_product: dict[int, tuple[int, dict[int, int]]] = {}

    def quantity(self, location_id: int, product: Product) -> int:
        chain_wide, per_location = self.of(product)
        return per_location.get(location_id, chain_wide)

    def of(self, product: Product) -> tuple[int, dict[int, int]]:
        """The product's chain-wide buffer, and the locations where another applies."""
        if (resolved := self._by_product.get(product.id)) is None:
            resolved = self._by_product[product.id] = self._resolve(product)
        return resolved

    def _resolve(self, product: Product) -> tuple[int, dict[int, int]]:
        matching = [b for b in self._buffers
                    if b.product_id in (None, product.id) and b.category in (None, product.category)]
        chain_wide = [b for b in matching if b.location_id is None]
        by_location: dict[int, list] = {}
        for b in matching:
            if b.location_id is not None:
                by_location.setdefault(b.location_id, []).append(b)
        return _most_specific(chain_wide), {
            location_id: _most_specific(chain_wide + own) for location_id, own in by_location.items()}


def _most_specific(buffers: list) -> int:
    if not buffers:
        return 0
    return max(buffers, key=buffer_specificity).quantity


class _ProductScope(NamedTuple):
    id: int
    category: str


def _load_buffers(key: tuple[Channel, int, str]) -> tuple[int, dict[int, int]]:
    channel, *scope = key
    product = _ProductScope(*scope)
    return BufferTable(channel, [product]).of(product)


_buffers_of = KeyedReadCache("buffers", _load_buffers, maxsize=50_000)


def buffers_of(channel: Channel, product) -> tuple[int, dict[int, int]]:
    """`BufferTable.of` from this process's read model of the buffers (never stale): the
    hot read paths ask it for the same products many times a second. Read-only."""
    return _buffers_of.get((channel, product.id, product.category))


def buffers_token() -> int | None:
    """Changes whenever a buffer does: part of a memo's key."""
    return _buffers_of.token()


def buffer_for(channel: Channel, location_id: int, product: Product) -> int:
    return BufferTable(channel, [product]).quantity(location_id, product)


def atp(level: StockLevel, buffer: int) -> int:
    """Available to promise: on hand − allocated − buffer, never negative, never stored."""
    return max(level.on_hand - level.allocated - buffer, 0)


# --- stock changes -------------------------------------------------------------------


def receive(location_id: int, product_id: int, quantity: int, ref: Ref = Ref(),
            reason: MovementReason = MovementReason.RECEIPT) -> None:
    """Goods physically arrived and are sellable here."""
    _require_positive(quantity)
    if not _apply(location_id, product_id, reason, ref, on_hand=quantity):
        raise RuntimeError("a receipt was refused by the stock guards")  # would be a lost movement


def adjust(location_id: int, product_id: int, delta: int, ref: Ref = Ref(),
           reason: MovementReason = MovementReason.ADJUSTMENT) -> None:
    """Correct the on-hand quantity by `delta`; never below what is already allocated."""
    if not isinstance(delta, int) or delta == 0:
        raise InvalidInput(_("An adjustment must change the quantity."))
    if not _apply(location_id, product_id, reason, ref, on_hand=delta):
        raise NotAvailable(
            _("Cannot remove %(quantity)d: fewer units are on hand and not promised to orders.",
              quantity=-delta)
        )


def allocate(location_id: int, product: Product, quantity: int, channel: Channel,
             ref: Ref = Ref(), buffer: int | None = None) -> bool:
    """Promise units to an order. False means 'not available here': re-source.

    `buffer`: the channel's buffer here, when the caller read it in this transaction."""
    _require_positive(quantity)
    if buffer is None:
        buffer = buffer_for(channel, location_id, product)
    return _apply(location_id, product.id, MovementReason.ALLOCATE, ref,
                  allocated=quantity, keep_free=buffer)


def release(location_id: int, product_id: int, quantity: int, ref: Ref = Ref()) -> None:
    """Give back a promise (order cancelled, re-sourced, hold expired)."""
    _require_positive(quantity)
    if not _apply(location_id, product_id, MovementReason.DEALLOCATE, ref, allocated=-quantity):
        raise NotAvailable(_("Fewer units are allocated than you try to release."))


def remove_allocated(location_id: int, product_id: int, quantity: int,
                     reason: MovementReason, ref: Ref = Ref()) -> None:
    """Allocated units leave the location (sale, shipment, shuttle, or missing at pick)."""
    _require_positive(quantity)
    if not _apply(location_id, product_id, reason, ref, on_hand=-quantity, allocated=-quantity):
        raise NotAvailable(_("Fewer units are allocated here than leave the location."))


def receive_allocated(location_id: int, product_id: int, quantity: int,
                      reason: MovementReason, ref: Ref = Ref()) -> None:
    """Units arrive already promised to an order (a shuttle parcel, a dropship delivery)."""
    _require_positive(quantity)
    if not _apply(location_id, product_id, reason, ref, on_hand=quantity, allocated=quantity):
        raise RuntimeError("an allocated receipt was refused by the stock guards")


def to_quarantine(location_id: int, product_id: int, quantity: int, ref: Ref = Ref(),
                  from_sellable: bool = True,
                  reason: MovementReason = MovementReason.QUARANTINE) -> None:
    """Set units aside as not sellable; a returned damaged item comes in straight there."""
    _require_positive(quantity)
    if not _apply(location_id, product_id, reason, ref,
                  on_hand=-quantity if from_sellable else 0, quarantine=quantity):
        raise NotAvailable(_("Not enough free units to set aside."))


def remove_quarantined(location_id: int, product_id: int, quantity: int,
                       reason: MovementReason, ref: Ref = Ref()) -> None:
    """Non-sellable units leave the location (to a warehouse, back to a supplier)."""
    _require_positive(quantity)
    if not _apply(location_id, product_id, reason, ref, quarantine=-quantity):
        raise NotAvailable(_("Fewer units are set aside here than leave the location."))


def post_count(location_id: int, product_id: int, counted: int, ref: Ref = Ref()) -> int:
    """Replace the book quantity by a physical count; returns the difference posted."""
    if not isinstance(counted, int) or counted < 0:
        raise InvalidInput(_("A count is a whole number, zero or more."))
    _create_level_if_missing(location_id, product_id)
    # A locking SELECT of the very values compared (not core.database.lock_row, which locks
    # by id and reads nothing): the count meets on_hand and allocated as they stand under
    # the lock, in one round trip, and no change can slip in before the difference posts.
    level = db.session.execute(
        select(StockLevel.on_hand, StockLevel.allocated)
        .filter_by(location_id=location_id, product_id=product_id)
        .with_for_update()
    ).one()
    if counted < level.allocated:
        raise NotAvailable(
            _("%(counted)d counted but %(allocated)d are promised to orders: re-source them first.",
              counted=counted, allocated=level.allocated)
        )
    delta = counted - level.on_hand
    if delta:
        note = ref.note or f"{level.on_hand} -> {counted}"
        counted_ref = Ref(ref.reference, ref.actor_id, note)
        if not _apply(location_id, product_id, MovementReason.COUNT, counted_ref, on_hand=delta):
            raise NotAvailable(_("Stock changed during the count; count again."))
    return delta
