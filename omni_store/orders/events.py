"""What an order's life tells the domains above orders, inside the same transaction.

Orders sit low in the layers (docs/architecture.md): they cannot call appointments or
the counter. They send a blinker signal instead; each receiver lives in the domain that
acts (its `follow_ups` module) and runs before the request commits, so a follow-up is
never lost and never happens for a move that rolled back.
"""
from blinker import Namespace

_signals = Namespace()

# Sent by orders.transitions.move_order after the move is stored.
# sender: the Order (status already the new one); kwargs: from_status, actor_id.
order_moved = _signals.signal("order-moved")
