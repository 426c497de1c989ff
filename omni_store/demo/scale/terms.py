"""What every part of `flask demo scale` shares: the chain's size, the seed, how it fails."""
from dataclasses import dataclass

SCALE_RANDOM_SEED = 20241122
# On every stock movement the scale writes: how a second run knows the chain was scaled.
SCALE_REFERENCE = "demo:scale"
MOVEMENT_COLUMNS = ("id", "location_id", "product_id", "delta_on_hand", "delta_allocated",
                    "delta_quarantine", "reason", "reference", "note", "actor_id", "created_at")


@dataclass(frozen=True)
class ChainSize:
    """Totals for the whole chain, the demo's own rows included."""

    stores: int = 300
    warehouses: int = 5
    skus: int = 20_000
    offers: int = 100_000
    open_orders: int = 50_000
    sellers: int = 200


class ScaleRefused(Exception):
    """Nothing was written; the message says why."""


class InvariantBroken(Exception):
    """The built chain breaks a rule of DESIGN §2–3: everything was rolled back."""

