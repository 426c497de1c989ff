"""Process-wide read models of rarely written tables, invalidated exactly (DESIGN §11).

Each read model has a row in `cache_version`. Database triggers on its tables give that
row a new random token inside the writing transaction, whoever writes: a service, a bulk
load, a migration or psql. A reader compares the token it loaded with against the row, in
one small indexed query, and reloads when it moved; so no process ever serves what a
committed write changed. A random token rather than a counter: a row deleted and written
again (a test emptying every table) never comes back with a token a process still holds.
Without a row (nothing written since the table was emptied) nothing is kept.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import BigInteger, String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from omni_store.extensions import db


class CacheVersion(db.Model):
    __tablename__ = "cache_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


# Read model name -> the tables whose writes invalidate it; filled in by the models.
WATCHED_TABLES: dict[str, tuple[str, ...]] = {}


def watch(name: str, *tables: str) -> None:
    WATCHED_TABLES[name] = tables


def trigger_statements(dialect: str, watched: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The DDL that makes writes to watched tables renew their read model's token."""
    watched = WATCHED_TABLES if watched is None else watched
    if dialect == "postgresql":
        return _postgresql_triggers(watched)
    return _sqlite_triggers(watched)


def _sqlite_triggers(watched: dict[str, tuple[str, ...]]) -> list[str]:
    statements = []
    for name, tables in watched.items():
        for table in tables:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS cache_version_{table}_{operation.lower()} "
                    f"AFTER {operation} ON {table} BEGIN "
                    f"INSERT INTO cache_version (name, token) VALUES ('{name}', random()) "
                    "ON CONFLICT (name) DO UPDATE SET token = excluded.token; END")
    return statements


def _postgresql_triggers(watched: dict[str, tuple[str, ...]]) -> list[str]:
    statements = [
        "CREATE OR REPLACE FUNCTION renew_cache_version() RETURNS trigger AS $$ BEGIN "
        "INSERT INTO cache_version (name, token) "
        "VALUES (TG_ARGV[0], (random() * 9.2e18 - 4.6e18)::bigint) "
        "ON CONFLICT (name) DO UPDATE SET token = excluded.token; RETURN NULL; END "
        "$$ LANGUAGE plpgsql"
    ]
    for name, tables in watched.items():
        for table in tables:
            trigger = f"cache_version_{table}"
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                f"CREATE TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION renew_cache_version('{name}')",
            ]
    return statements


@event.listens_for(db.Model.metadata, "after_create")
def _create_triggers(_metadata, connection, **_kw) -> None:
    """`create_all` (tests, a new embedded database) installs the triggers too."""
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(text(statement))


T = TypeVar("T")
K = TypeVar("K")


class ReadCache(Generic[T]):
    """One read model of this process: `get()` gives it, reloaded if its tables changed."""

    def __init__(self, name: str, load: Callable[[], T]):
        self.name = name
        self._load = load
        self._lock = threading.Lock()
        self._token: int | None = None
        self._value: T | None = None

    def get(self) -> T:
        token = _tokens().get(self.name)
        if token is None:
            return self._load()
        if token != self._token:
            with self._lock:
                if token != self._token:
                    self._value, self._token = self._load(), token
        return self._value

    def token(self) -> int | None:
        """The read model's token as this transaction sees it (part of a memo's key)."""
        return _tokens().get(self.name)


class BoundedMemo:
    """A thread-safe mapping of at most `maxsize` entries: the least recently used go first."""

    def __init__(self, maxsize: int):
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._values: OrderedDict = OrderedDict()

    def get(self, key, default=None):
        with self._lock:
            if key not in self._values:
                return default
            self._values.move_to_end(key)
            return self._values[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._values[key] = value
            if len(self._values) > self._maxsize:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_MISSING = object()


class KeyedReadCache(Generic[K, T]):
    """Values worked out one key at a time from a read model's tables (a product by its
    SKU, the offers of a product), all dropped when the read model's token moves; the
    least recently used go first beyond `maxsize`, so memory stays bounded."""

    def __init__(self, name: str, load: Callable[[K], T], maxsize: int):
        self.name = name
        self._load = load
        self._lock = threading.Lock()
        self._token: int | None = None
        self._values = BoundedMemo(maxsize)

    def get(self, key: K) -> T:
        token = _tokens().get(self.name)
        if token is None:
            return self._load(key)
        with self._lock:
            if token != self._token:
                self._values.clear()
                self._token = token
            elif (value := self._values.get(key, _MISSING)) is not _MISSING:
                return value
        value = self._load(key)
        with self._lock:
            if token == self._token:  # not renewed meanwhile by a newer reader
                self._values.put(key, value)
        return value

    def token(self) -> int | None:
        """The read model's token as this transaction sees it (part of a memo's key)."""
        return _tokens().get(self.name)


# The tokens as this transaction sees them, read once until it writes or ends: a request
# that reads several read models, or one many times, asks the database once.
_SEEN = "read_cache_tokens"
_ALL_TOKENS = select(CacheVersion.__table__.c.name, CacheVersion.__table__.c.token)


def _tokens() -> dict[str, int]:
    seen = db.session.info.get(_SEEN)
    if seen is None:
        seen = dict(db.session.execute(_ALL_TOKENS).all())
        db.session.info[_SEEN] = seen
    return seen


def _forget_tokens(session: Session, *_args) -> None:
    session.info.pop(_SEEN, None)


def _watched(table_name: str | None) -> bool:
    return any(table_name in tables for tables in WATCHED_TABLES.values())


@event.listens_for(Session, "after_flush")
def _forget_tokens_on_flush(session: Session, _flush_context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(_watched(getattr(instance, "__tablename__", None)) for instance in changed):
        _forget_tokens(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_tokens_on_write(execute_state) -> None:
    """An INSERT, UPDATE or DELETE of a watched table, or any other statement but a SELECT."""
    if execute_state.is_select:
        return
    table = getattr(execute_state.statement, "table", None)
    if table is None or _watched(getattr(table, "name", None)):
        _forget_tokens(execute_state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget_tokens_at_end(session: Session, transaction) -> None:
    # A savepoint rolled back may undo a watched write; a flush's own inner step ends too.
    if transaction.parent is None or transaction.nested:
        _forget_tokens(session)
