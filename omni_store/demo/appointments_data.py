"""The advice slots stores publish in the demo: evenings for phones, late mornings for
computers, every day of the coming week (in each store's own time)."""
from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class SlotSeries:
    expertise: str
    first: time
    last: time
    length_minutes: int
    capacity: int


SLOT_SERIES = (
    SlotSeries("smartphones", time(17, 0), time(19, 30), 30, 2),
    SlotSeries("computers", time(11, 0), time(12, 0), 30, 1),
)
DAYS_AHEAD = 7
# The stores of the demo's e-reservations, and the store of the acceptance story.
STORES_WITH_SLOTS = ("PAR-RIV", "PAR-OPE", "DEF-4TP", "PAR-BAS")
# The expertise an e-reservation's first product calls for.
EXPERTISE_OF_CATEGORY = {"phones": "smartphones", "phone_cases": "smartphones",
                         "computers": "computers"}
