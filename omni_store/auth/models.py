from flask_babel import lazy_gettext as _l
import hashlib
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from omni_store.core.read_cache import watch
from omni_store.extensions import db
from omni_store.network.models import Location


class Role(StrEnum):
    ASSOCIATE = "associate"  # works the tasks of their home store
    MANAGER = "manager"  # runs their store's day: assigns, prioritises, pauses
    ADMIN = "admin"  # configures the chain; may look at any store


ROLE_LABELS = {
    Role.ASSOCIATE: _l("Sales associate"),
    Role.MANAGER: _l("Store manager"),
    Role.ADMIN: _l("Administrator"),
}


STAFF_ROLES = frozenset(Role)
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session id: bumping it ends every session of this user.
    session_version: Mapped[int] = mapped_column(Integer, default=1)

    store: Mapped[Location | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGING_ROLES


class ApiClient(db.Model):
    """Another system (e-commerce front, ERP, supplier) calling the JSON API."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Only a hash of the key is stored; the key itself is shown once at creation.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


# The API keys' read model (core/read_cache) is renewed when a client changes: a key
# disabled is refused at the next request.
watch("api_clients", "api_client")
