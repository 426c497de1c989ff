"""Who signs in to the demo, and which system calls its API."""
from omni_store.auth.models import Role
from omni_store.demo.network_data import STORES, StoreRow

# Every demo account uses this password; it exists only in seeded demo databases.
DEMO_PASSWORD = "demo"

API_CLIENT_NAME = "Demo e-commerce front"
API_CLIENT_KEY = "demo-api-key"

# (email, name, role, store code)
EXTRA_USERS = (
    ("admin@omni.demo", "Admin Maison Omni", Role.ADMIN, None),
    # The phone expert of the acceptance story's appointment.
    ("expert@rivoli.demo", "Karim Benali", Role.ASSOCIATE, "PAR-RIV"),
)


def associate_email(store: StoreRow) -> str:
    return f"associate@{store.mail_domain}"


def manager_email(store: StoreRow) -> str:
    return f"manager@{store.mail_domain}"


def staff() -> list[tuple[str, str, Role, str | None]]:
    """One associate and one manager per store, then the extra accounts."""
    per_store = [
        account
        for store in STORES
        for account in (
            (associate_email(store), store.associate, Role.ASSOCIATE, store.code),
            (manager_email(store), store.manager, Role.MANAGER, store.code),
        )
    ]
    return per_store + list(EXTRA_USERS)
