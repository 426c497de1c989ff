"""What the shuttle and parcel services refuse, with the reason the associate reads."""
from omni_store.core.errors import DomainError


class ShuttleError(DomainError):
    status_code = 409
