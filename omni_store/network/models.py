from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.core.read_cache import watch
from omni_store.extensions import db


class LocationKind(StrEnum):
    STORE = "store"  # sells to walk-in customers; may do pickup and ship from store
    WAREHOUSE = "warehouse"  # ships to customers and restocks stores
    SUPPLIER = "supplier"  # third party that dropships to a store or a customer


class ZoneKind(StrEnum):
    SALES_FLOOR = "sales_floor"
    BACKROOM = "backroom"
    HOLD = "hold"  # numbered slots where picked orders wait for their customer
    PICKUP_COUNTER = "pickup_counter"
    SHUTTLE_DOCK = "shuttle_dock"
    RETURNS = "returns"  # returns and quarantine


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Location(db.Model):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LocationKind] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Paris")
    # {"mon": [["10:00", "20:00"]], ...}; a missing day means closed.
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    does_pickup: Mapped[bool] = mapped_column(Boolean, default=False)
    does_ship_from_store: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_ship_capacity: Mapped[int] = mapped_column(Integer, default=0)
    # A manager stopped shipping from this store for that local day (short-staffed, rush).
    ship_from_store_paused_on: Mapped[date | None] = mapped_column(Date)
    # Store setting a manager may turn on: confirm a pick quantity without scanning each unit.
    allow_pick_without_scan: Mapped[bool] = mapped_column(Boolean, default=False)
    # Days a dropshipping supplier needs before goods reach a store or customer.
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    zones: Mapped[list["Zone"]] = relationship(back_populates="location", order_by="Zone.code")

    @property
    def is_store(self) -> bool:
        return self.kind == LocationKind.STORE

    def ships_from_store_on(self, day: date) -> bool:
        """Ships web orders itself on that local day: the flag, unless paused for the day."""
        return self.does_ship_from_store and self.ship_from_store_paused_on != day

    def __repr__(self) -> str:
        return f"<Location {self.code}>"


class Zone(db.Model):
    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    kind: Mapped[ZoneKind] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(32), unique=True)  # printed as a scannable label
    name: Mapped[str] = mapped_column(String(80))
    slot_number: Mapped[int | None] = mapped_column(Integer)  # hold zone slots only
    capacity: Mapped[int | None] = mapped_column(Integer)  # units a hold slot takes

    location: Mapped[Location] = relationship(back_populates="zones")


class ShuttleRoute(db.Model):
    __tablename__ = "shuttle_route"
    __table_args__ = (UniqueConstraint("origin_id", "destination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    # Local departure times at the origin, "HH:MM", every opening day.
    departure_times: Mapped[list] = mapped_column(JSON, default=list)
    transit_minutes: Mapped[int] = mapped_column(Integer)
    # A parcel must be sealed this long before departure to make the run.
    cutoff_minutes: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    origin: Mapped[Location] = relationship(foreign_keys=[origin_id])
    destination: Mapped[Location] = relationship(foreign_keys=[destination_id])


# The network read model (network/snapshot.py) reloads when these tables change.
watch("network", "location", "shuttle_route")
