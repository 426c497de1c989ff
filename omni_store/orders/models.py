from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.catalog.models import Offer, Product
from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.inventory.models import Channel
from omni_store.network.models import Location, Zone


class DeliveryMethod(StrEnum):
    PICKUP = "pickup"  # click & collect in a store
    SHIP_FROM_STORE = "ship_from_store"  # a store packs and ships to the customer
    HOME = "home"  # shipped to the customer from wherever it is best
    RESERVE = "reserve"  # e-reservation: tried and paid in store


STORE_DELIVERY_METHODS = frozenset({DeliveryMethod.PICKUP, DeliveryMethod.RESERVE})


class OrderStatus(StrEnum):
    SOURCED = "sourced"  # every line allocated, tasks created
    PICKING = "picking"  # work has started in a store
    READY = "ready"  # isolated in a hold slot, customer told
    HANDED_OVER = "handed_over"  # collected by the customer (final)
    SHIPPED = "shipped"  # left for the customer's address (final)
    EXPIRED = "expired"  # not collected in time, hold released (final)
    CANCELLED = "cancelled"  # final


ORDER_STATUS_LABELS = {
    OrderStatus.SOURCED: _l("Being prepared"),
    OrderStatus.PICKING: _l("Being picked"),
    OrderStatus.READY: _l("Ready to collect"),
    OrderStatus.HANDED_OVER: _l("Handed over"),
    OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.EXPIRED: _l("Expired"),
    OrderStatus.CANCELLED: _l("Cancelled"),
}


OPEN_ORDER_STATUSES = frozenset({OrderStatus.SOURCED, OrderStatus.PICKING, OrderStatus.READY})


class Transport(StrEnum):
    """How allocated units reach the customer's store or address, cheapest first."""

    SAME_STORE = "same_store"
    SHUTTLE = "shuttle"
    WAREHOUSE = "warehouse"
    DROPSHIP = "dropship"


TRANSPORT_LABELS = {
    Transport.SAME_STORE: _l("same store"),
    Transport.SHUTTLE: _l("shuttle"),
    Transport.WAREHOUSE: _l("warehouse"),
    Transport.DROPSHIP: _l("dropship"),
}


class AllocationStatus(StrEnum):
    ACTIVE = "active"  # units promised at `location` (the source, or the store they reached)
    IN_TRANSIT = "in_transit"  # units travel in a parcel; they belong to neither location
    RELEASED = "released"  # promise given back (cancel, re-source)
    FULFILLED = "fulfilled"  # units left the source for this order


class Customer(db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # info labels: the words core.forms uses when a value is longer than its column.
    email: Mapped[str] = mapped_column(String(254), unique=True, info={"label": _l("Email")})
    first_name: Mapped[str] = mapped_column(String(80), info={"label": _l("First name")})
    last_name: Mapped[str] = mapped_column(String(80), default="", info={"label": _l("Last name")})
    phone: Mapped[str] = mapped_column(String(32), default="", info={"label": _l("Phone")})


class Order(db.Model):
    __tablename__ = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(String(16))
    delivery_method: Mapped[DeliveryMethod] = mapped_column(String(20))
    # Born SOURCED (the INSERT's default); from then on only orders.transitions changes it.
    status: Mapped[OrderStatus] = mapped_column(String(16), default=OrderStatus.SOURCED, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The store that hands the order over (pickup, e-reservation).
    pickup_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    ship_address: Mapped[str] = mapped_column(String(300), default="",
                                              info={"label": _l("Delivery address")})
    ship_latitude: Mapped[float | None] = mapped_column(Float)
    ship_longitude: Mapped[float | None] = mapped_column(Float)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    customer: Mapped[Customer] = relationship()
    pickup_location: Mapped[Location | None] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return f"order:{self.number}"


class OrderEvent(db.Model):
    """One move in an order's history, written by the gate (orders.transitions) only."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    from_status: Mapped[OrderStatus] = mapped_column(String(16))
    to_status: Mapped[OrderStatus] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderLine(db.Model):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    # Sold by a marketplace seller rather than from the chain's own stock.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"))
    handed_over_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refused_quantity: Mapped[int] = mapped_column(Integer, default=0)  # refused at the counter

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    offer: Mapped[Offer | None] = relationship()
    allocations: Mapped[list["Allocation"]] = relationship(
        back_populates="line", order_by="Allocation.id"
    )


class Allocation(db.Model):
    """Part of the sourcing plan: this many units of a line come from that location."""

    __tablename__ = "allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    transport: Mapped[Transport] = mapped_column(String(16))
    status: Mapped[AllocationStatus] = mapped_column(String(16), default=AllocationStatus.ACTIVE)
    distance_km: Mapped[float] = mapped_column(Float, default=0.0)
    # Why this source was chosen, in words an associate understands.
    explanation: Mapped[str] = mapped_column(Text, default="")
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    line: Mapped[OrderLine] = relationship(back_populates="allocations")
    location: Mapped[Location] = relationship()


class HoldStatus(StrEnum):
    ACTIVE = "active"  # items wait in the slot for their customer
    COLLECTED = "collected"  # handed over (final)
    RELEASED = "released"  # expired or cancelled; items went back to stock (final)


class Hold(db.Model):
    """Items of an order waiting in a hold-zone slot until the customer comes."""

    __tablename__ = "hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # units in the slot, for its capacity
    status: Mapped[HoldStatus] = mapped_column(String(16), default=HoldStatus.ACTIVE, index=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    zone: Mapped[Zone] = relationship()


class SourcingSettings(db.Model):
    """The retailer's sourcing weights (one row; none saved means sourcing v1, nearest first).

    Each weight multiplies one score component of a candidate; the lowest score wins.
    """

    __tablename__ = "sourcing_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    distance_weight: Mapped[float] = mapped_column(Float, default=1.0)  # per km
    transport_weight: Mapped[float] = mapped_column(Float, default=0.0)  # per transport rank
    carbon_weight: Mapped[float] = mapped_column(Float, default=0.0)  # per kg CO2e
    overstock_weight: Mapped[float] = mapped_column(Float, default=0.0)  # per day over target
    capacity_weight: Mapped[float] = mapped_column(Float, default=0.0)  # per parcel left today
    split_weight: Mapped[float] = mapped_column(Float, default=0.0)  # per share of the line missing
    carbon_kg_per_km: Mapped[float] = mapped_column(Float, default=0.15)
    target_cover_days: Mapped[float] = mapped_column(Float, default=30.0)
    # A simple demand model: units of a product one location sells per day.
    daily_demand_units: Mapped[float] = mapped_column(Float, default=0.5)
