"""Sourcing v2: candidates scored by the retailer's weights (issue 4, section 2).

Every component is a cost (lower is better): distance, transport mode, carbon, and the
bonuses for overstock and ship-from-store capacity left today are subtracted. Suppliers
stay a second tier, used only when stores and warehouses cannot cover the line.
"""
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from omni_store.core.clock import start_of_local_day, utcnow
from omni_store.core.errors import InvalidInput
from omni_store.core.i18n import label
from omni_store.extensions import db
from omni_store.orders.models import (
    Allocation,
    AllocationStatus,
    DeliveryMethod,
    Order,
    OrderLine,
    TRANSPORT_LABELS,
    SourcingSettings,
    Transport,
)
from omni_store.orders.sourcing import NEAREST_FIRST, Candidate, Choice, LineNeed, Ranking, SourcingRules

TRANSPORT_RANK = {Transport.SAME_STORE: 0, Transport.SHUTTLE: 1, Transport.WAREHOUSE: 2,
                  Transport.DROPSHIP: 3}
SHIPPING_METHODS = (DeliveryMethod.SHIP_FROM_STORE, DeliveryMethod.HOME)


@dataclass(frozen=True)
class Score:
    """One candidate's facts and weighted cost."""

    candidate: Candidate
    carbon_kg: float
    cover_days: float
    capacity_left: int | None  # parcels the store can still ship today; None: not shipping
    total: float


class WeightedRules:
    def __init__(self, settings: SourcingSettings):
        self.settings = settings

    def rank(self, candidates: Sequence[Candidate], need: LineNeed) -> Ranking:
        capacity = _capacity_left(candidates, need)
        # A store with no parcel left today is excluded, not just ranked last.
        usable = [c for c in candidates
                  if capacity.get(c.location.id) is None or capacity[c.location.id] > 0]
        by_score = sorted(usable, key=lambda c: (self.score(c, need, capacity).total,
                                                 c.location.code))
        return [
            [c for c in by_score if c.transport != Transport.DROPSHIP],
            sorted((c for c in by_score if c.transport == Transport.DROPSHIP),
                   key=lambda c: c.location.lead_time_days),
        ]

    def score(self, candidate: Candidate, need: LineNeed,
              capacity: dict[int, int | None] | None = None) -> Score:
        s = self.settings
        carbon = candidate.distance_km * s.carbon_kg_per_km
        cover = candidate.on_hand / s.daily_demand_units
        capacity_left = (capacity or {}).get(candidate.location.id)
        missing_share = max(need.quantity - candidate.atp, 0) / need.quantity
        total = (s.distance_weight * candidate.distance_km
                 + s.transport_weight * TRANSPORT_RANK[candidate.transport]
                 + s.carbon_weight * carbon
                 - s.overstock_weight * max(cover - s.target_cover_days, 0)
                 - s.capacity_weight * (capacity_left or 0)
                 + s.split_weight * missing_share)
        return Score(candidate, carbon, cover, capacity_left, total)

    def explain(self, candidate: Candidate, quantity: int, choice: Choice, need: LineNeed,
                ranking: Ranking) -> str:
        capacity = _capacity_left([c for tier in ranking for c in tier], need)
        chosen = _("%(code)s chosen: %(facts)s", code=candidate.location.code,
                   facts=self._facts(self.score(candidate, need, capacity)))
        if choice == Choice.SPLIT:
            chosen += " " + _("(%(part)d of %(quantity)d)", part=quantity, quantity=need.quantity)
        runner_up = next((c for tier in ranking for c in tier if c is not candidate), None)
        if runner_up is None:
            return _("%(chosen)s; no other source", chosen=chosen)
        return _("%(chosen)s; runner-up %(code)s: %(facts)s", chosen=chosen,
                 code=runner_up.location.code,
                 facts=self._facts(self.score(runner_up, need, capacity)))

    def _facts(self, score: Score) -> str:
        candidate = score.candidate
        facts = [_("%(km).1f km", km=candidate.distance_km), label(TRANSPORT_LABELS, candidate.transport),
                 _("%(kg).1f kg CO2e", kg=score.carbon_kg)]
        if score.cover_days > self.settings.target_cover_days:
            facts.append(_("overstock %(days)d days", days=score.cover_days))
        if score.capacity_left is not None:
            facts.append(_("%(left)d parcels left today", left=score.capacity_left))
        if candidate.transport == Transport.DROPSHIP:
            facts.append(ngettext("lead time %(num)d day", "lead time %(num)d days",
                                  candidate.location.lead_time_days))
        return ", ".join(facts)


def _capacity_left(candidates: Sequence[Candidate], need: LineNeed) -> dict[int, int | None]:
    """Parcels each capped store can still ship today, its own local day (one query for
    all candidates).

    Only for a line shipped to the customer's address from the store itself; a store
    with no daily capacity set is not capped.
    """
    capped = {c.location.id: c.location for c in candidates
              if need.destination.store is None and c.transport == Transport.SAME_STORE
              and c.location.daily_ship_capacity > 0}
    if not capped:
        return {}
    now = utcnow()
    stores_by_zone = defaultdict(list)
    for location_id, store in capped.items():
        stores_by_zone[store.timezone].append(location_id)
    since_local_midnight = or_(*(
        and_(Allocation.location_id.in_(ids), Order.created_at >= start_of_local_day(now, zone))
        for zone, ids in stores_by_zone.items()))
    shipped_today = dict(db.session.execute(
        select(Allocation.location_id, func.count(func.distinct(Order.id)))
        .join(Allocation.line).join(OrderLine.order)
        .where(since_local_midnight, Allocation.transport == Transport.SAME_STORE,
               Allocation.status != AllocationStatus.RELEASED,
               Order.delivery_method.in_(SHIPPING_METHODS))
        .group_by(Allocation.location_id)
    ).all())
    return {location_id: store.daily_ship_capacity - shipped_today.get(location_id, 0)
            for location_id, store in capped.items()}


def current_rules() -> SourcingRules:
    """The retailer's saved weights; sourcing v1 (nearest first) until an admin saves some."""
    settings = db.session.scalar(select(SourcingSettings).limit(1))
    return NEAREST_FIRST if settings is None else WeightedRules(settings)


@dataclass(frozen=True)
class SettingField:
    name: str
    label: str
    minimum: float
    maximum: float
    above_minimum: bool = False  # the minimum itself is not allowed (a divisor)


SETTING_FIELDS = (
    SettingField("distance_weight", _l("Distance (per km)"), 0, 1000),
    SettingField("transport_weight", _l("Transport mode (per step: store, shuttle, "
                                        "warehouse, dropship)"), 0, 1000),
    SettingField("carbon_weight", _l("Carbon (per kg CO2e)"), 0, 1000),
    SettingField("overstock_weight", _l("Overstock (per day of cover above the target)"), 0, 1000),
    SettingField("capacity_weight", _l("Ship-from-store capacity left today (per parcel)"),
                 0, 1000),
    SettingField("split_weight", _l("Fewer splits (per line not covered by one source)"),
                 0, 1000),
    SettingField("carbon_kg_per_km", _l("Carbon factor (kg CO2e per km)"), 0, 10),
    SettingField("target_cover_days", _l("Target cover (days)"), 0, 365),
    SettingField("daily_demand_units", _l("Average daily demand per location (units)"),
                 0, 10000, above_minimum=True),
)


def sourcing_settings() -> SourcingSettings:
    """The saved row, or an unsaved one holding the defaults (the form shows them)."""
    saved = db.session.scalar(select(SourcingSettings).limit(1))
    if saved is not None:
        return saved
    return SourcingSettings(**{column.name: column.default.arg
                               for column in SourcingSettings.__table__.columns
                               if column.default is not None})


def save_sourcing_settings(values: dict[str, str]) -> SourcingSettings:
    """Validate every field first, then store them all: a bad value changes nothing."""
    numbers = {field.name: _setting_number(field, values.get(field.name)) for field in
               SETTING_FIELDS}
    settings = sourcing_settings()
    for name, number in numbers.items():
        setattr(settings, name, number)
    db.session.add(settings)
    db.session.flush()
    return settings


def _setting_number(field: SettingField, raw: str | None) -> float:
    try:
        number = float((raw or "").strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(_("%(label)s: please enter a number.", label=field.label)) from None
    too_low = number <= field.minimum if field.above_minimum else number < field.minimum
    if not math.isfinite(number) or too_low or number > field.maximum:
        if field.above_minimum:
            raise InvalidInput(_("%(label)s: enter a number above %(min)g and up to %(max)g.",
                                 label=field.label, min=field.minimum, max=field.maximum))
        raise InvalidInput(_("%(label)s: enter a number from %(min)g to %(max)g.",
                             label=field.label, min=field.minimum, max=field.maximum))
    return number
