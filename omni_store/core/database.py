"""Engine rules for the embedded SQLite default (DESIGN §8), and PostgreSQL reads.

WAL lets readers run beside one writer; busy_timeout makes a writer wait instead of
failing; a write request begins its transaction IMMEDIATE so it holds the write lock
from its first statement (a deferred transaction that reads and then writes can fail
at once with SQLITE_BUSY when another writer got in between).
"""
from contextvars import ContextVar

from sqlalchemy import event, inspect, select, update
from sqlalchemy.engine import Engine

from omni_store.extensions import db

# Primary keys are 32-bit integer columns: a larger id (a tampered form or API body) is no
# row, and must not reach the database, which would refuse the number itself.
MAX_ROW_ID = 2**31 - 1

# Set to False by read-only requests (GET/HEAD); CLI commands, services and tests write.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A server that does not answer (down host, dropped packets) fails the request with a 503
# after this long instead of holding the worker for the OS's minutes-long TCP timeout.
PG_CONNECT_TIMEOUT_S = 5
# A peer that vanished mid-query (dropped packets, no reset) is noticed within ~25 s
# rather than the OS's two hours of TCP keepalive silence.
PG_KEEPALIVES = dict(keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        _reads_without_transaction(engine)
        _bounded_connect(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def _bounded_connect(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _on_do_connect(_dialect, _record, _cargs, cparams):
        cparams.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)  # ?connect_timeout= wins
        for name, value in PG_KEEPALIVES.items():
            cparams.setdefault(name, value)


def _reads_without_transaction(engine: Engine) -> None:
    """A read-only request on PostgreSQL runs its statements in autocommit.

    Under READ COMMITTED each statement reads its own snapshot anyway, so a BEGIN and a
    ROLLBACK around a request's reads change nothing but cost two round trips each.
    psycopg switches autocommit on the client side: no statement is sent for it.
    """
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        if not write_intent.get():
            dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, _record):
        # None when the connection was invalidated (lost, or closed after a failure).
        if dbapi_connection is not None and dbapi_connection.autocommit:
            dbapi_connection.autocommit = False


# --- the concurrency idioms every service shares ----------------------------------------


def compare_and_set(row, *expected, refresh: bool = True, **values) -> bool:
    """Change one row only if it still is what the caller read; False if another request
    changed it first.

    One conditional UPDATE (`WHERE id = row.id AND expected...`): the database settles
    the race, so two taps, two tablets or two job runners cannot both win. The row is
    refreshed either way, so the caller reads what is stored now.
    """
    model = type(row)
    changed = db.session.execute(
        update(model).where(model.id == row.id, *expected).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if refresh:
        db.session.refresh(row)
    return changed


def lock_row(model, row_id: int) -> None:
    """Serialise requests on one row until the transaction ends: a read-then-write on it
    cannot interleave with another's. SELECT ... FOR UPDATE on PostgreSQL; SQLite ignores
    it, its write transactions being serial already (BEGIN IMMEDIATE, above)."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def insert_or_ignore(model, conflict_columns: list[str], **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True if this call created the row, False if it
    existed already (or another request created it at the same moment)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    # RETURNING, not rowcount: psycopg reports no rowcount for an INSERT that may do nothing.
    return db.session.execute(
        dialect_insert(model).values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(*inspect(model).primary_key)
    ).first() is not None
