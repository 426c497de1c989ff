"""What a finished step of store work tells the layer above tasks, in the same transaction.

Tasks sit below fulfilment (docs/architecture.md): a pick or an isolation cannot call the
order's choreography. It sends a blinker signal; fulfilment's receivers
(omni_store.fulfilment.follow_ups, connected by create_app) act before the request commits.

Each signal here has exactly one receiver, and the sender needs it: an order that is not
moved on, or units missing that nobody re-sources, would be lost without a trace. So the
senders below raise NoReceiver when nothing answered instead of carrying on.
"""
from blinker import Namespace, Signal

from omni_store.orders.models import Allocation, Order
from omni_store.orders.resourcing import Shortfall

_signals = Namespace()

# Sent after a pick or an isolation step changed the order's work.
# sender: the Order; kwargs: actor_id. The receiver moves the order on (fulfilment.progress).
order_work_moved = _signals.signal("order-work-moved")

# Sent when units allocated at a source are not there (a short pick), after they left stock.
# sender: the Allocation; kwargs: missing, actor_id. The receiver RETURNS the Shortfall (what
# re-sourcing did); blinker hands each receiver's return value back to the sender.
units_missing = _signals.signal("units-missing")


class NoReceiver(RuntimeError):
    """A signal that must be acted on had no receiver (fulfilment.follow_ups not imported)."""


def work_moved(order: Order, actor_id: int | None) -> None:
    """The order's work changed: fulfilment moves the order on."""
    _answer_of(order_work_moved, order, actor_id=actor_id)


def report_units_missing(allocation: Allocation, missing: int, actor_id: int | None) -> Shortfall:
    """`missing` units of the allocation are not at its source: fulfilment re-sources them."""
    return _answer_of(units_missing, allocation, missing=missing, actor_id=actor_id)


def _answer_of(signal: Signal, sender, **kwargs):
    answers = signal.send(sender, **kwargs)
    if len(answers) != 1:
        raise NoReceiver(f"{signal.name}: {len(answers)} receivers answered, one must")
    ((_receiver, answer),) = answers
    return answer
