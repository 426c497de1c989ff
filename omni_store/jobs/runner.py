"""`run_jobs`: every clock-driven job once, each committed on its own."""
from datetime import datetime

from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.jobs import services

# In this order: a hold that expires now gets no reminder, only its expiry message.
JOBS = (
    ("holds expired", services.expire_uncollected_holds),
    ("hold reminders", services.remind_holds_expiring),
    ("tasks escalated", services.escalate_late_tasks),
    ("parcels rolled over", services.roll_over_missed_parcels),
    ("appointment reminders", services.remind_appointments),
)


def run_jobs(now: datetime | None = None) -> dict[str, int]:
    """What each job changed; a second run at the same moment changes nothing."""
    now = now or utcnow()
    counts = {}
    for name, job in JOBS:
        counts[name] = job(now)
        db.session.commit()
    return counts
