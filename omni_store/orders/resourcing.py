"""Re-sourcing: which sources may still feed a line, and units found missing at one (DESIGN §4).

The rules here restrict the retailer's saved ones (an appointment's deadline, every source
but the one found short, the one an associate chose). Shrinking and re-allocating an
allocation is orders' part of a shortfall; fulfilment.resourcing adds the store work.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from omni_store.core.errors import InvalidInput
from omni_store.network.snapshot import network
from omni_store.orders.allocating import Sourced, allocate_line, destination_of
from omni_store.orders.models import Allocation, AllocationStatus
from omni_store.orders.promise import leg, ready_at_store
from omni_store.orders.sourcing import Candidate, Destination, SourcingRules
from omni_store.orders.weighted_rules import current_rules


@dataclass(frozen=True)
class RestrictedRules:
    """The same rules over some of the candidates only."""

    rules: SourcingRules
    keep: Callable[[Candidate], bool]

    def rank(self, candidates, need):
        return self.rules.rank([c for c in candidates if self.keep(c)], need)

    def explain(self, candidate, quantity, choice, need, ranking):
        return self.rules.explain(candidate, quantity, choice, need, ranking)


def arriving_by(deadline: datetime, destination: Destination, now: datetime,
                rules: SourcingRules | None = None) -> RestrictedRules:
    """Only the sources whose units can be ready at the pickup store by `deadline` (an
    advice appointment): the same dates the promise and the delivery options give."""
    net = network()
    store = net.site(destination.store.id)

    def in_time(candidate: Candidate) -> bool:
        journey = leg(candidate.location, candidate.transport, destination, now, net)
        return ready_at_store(store, candidate.location.id, journey.arrives_at) <= deadline

    return RestrictedRules(rules or current_rules(), in_time)


def excluding(location_id: int, rules: SourcingRules | None = None) -> RestrictedRules:
    """Every source but one (the one found short), under the retailer's saved rules by default."""
    return RestrictedRules(rules or current_rules(),
                           lambda candidate: candidate.location.id != location_id)


def only_from(location_id: int, rules: SourcingRules | None = None) -> RestrictedRules:
    """The one source an associate chose for the customer in front of them."""
    return RestrictedRules(rules or current_rules(),
                           lambda candidate: candidate.location.id == location_id)


@dataclass(frozen=True)
class Shortfall:
    """What re-sourcing did with the units missing at a source."""

    missing: int
    new_allocations: list[Allocation]

    @property
    def covered(self) -> bool:
        return sum(a.quantity for a in self.new_allocations) == self.missing


def shrink_allocation(allocation: Allocation, missing: int) -> None:
    """`missing` of the allocation's units are not at its source: it promises fewer."""
    if not isinstance(missing, int) or not 1 <= missing <= allocation.quantity:
        raise InvalidInput(_("The missing quantity must be from 1 to %(max)d.",
                             max=allocation.quantity))
    allocation.quantity -= missing
    if allocation.quantity == 0:
        allocation.status = AllocationStatus.RELEASED


def allocate_elsewhere(allocation: Allocation, missing: int, now: datetime,
                       actor_id: int | None, rules: SourcingRules | None = None) -> list[Sourced]:
    """The missing units allocated at other sources than the one found short; NotAvailable
    if no other source has them."""
    line = allocation.line
    order = line.order
    return allocate_line(order, line, destination_of(order),
                         excluding(allocation.location_id, rules), now, actor_id, quantity=missing)
