"""Writing: bulk inserts in one transaction (executemany on SQLite, COPY on PostgreSQL)."""
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import JSON, Table, func, insert, select, text

CHUNK_ROWS = 20_000  # rows per executemany on SQLite


@contextmanager
def bulk_settings(conn):
    """SQLite: no fsync and a big page cache for this connection while it loads (restored after)."""
    raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    if raw is not None:  # before BEGIN: SQLite refuses to change these in a transaction
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-1000000")  # 1 GB
        raw.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()  # a read after the load (the summary) left one open
        if raw is not None:
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA cache_size=-2000")
            raw.execute("PRAGMA temp_store=DEFAULT")


class Writer:
    """Bulk inserts in the caller's transaction, ids continuing after the existing rows."""

    def __init__(self, conn):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.written: Counter[str] = Counter()
        self._next_id: dict[str, int] = {}

    def ids(self, model) -> Iterator[int]:
        """The next free ids of a table, in order (the table's max id + 1 onwards)."""
        table = model.__table__
        if table.name not in self._next_id:
            self._next_id[table.name] = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        return self._id_stream(table.name)

    def _id_stream(self, name: str) -> Iterator[int]:
        while True:
            value = self._next_id[name]
            self._next_id[name] = value + 1
            yield value

    def insert(self, model, columns: Sequence[str], rows: Iterable[tuple], bar=None) -> int:
        """Write tuples of `columns`; other columns get their model's scalar default."""
        table: Table = model.__table__
        defaults = [(column.name, column.default.arg) for column in table.columns
                    if column.name not in columns and column.default is not None
                    and column.default.is_scalar]
        names = list(columns) + [name for name, _value in defaults]
        extra = tuple(value for _name, value in defaults)
        json_at = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
        if self.postgres:
            written = self._copy(table, names, rows, extra, json_at, bar)
        else:
            written = self._executemany(table, names, rows, extra, bar)
        self.written[table.name] += written
        return written

    def _executemany(self, table, names, rows, extra, bar) -> int:
        """Core's INSERT, compiled once and run by the DBAPI's executemany in chunks.

        Each value goes through its column type's own bind processor, as Core would apply
        it, but once per distinct value: most rows share their timestamps and statuses.
        """
        compiled = insert(table).compile(dialect=self.conn.dialect, column_keys=names)
        order = [names.index(key) for key in compiled.positiontup]
        processors = []
        for position, i in enumerate(order):
            column_type = table.c[names[i]].type
            processor = column_type.bind_processor(self.conn.dialect)
            if processor is not None:
                unhashable = isinstance(column_type, JSON)  # dicts and lists: processed each time
                processors.append((position, processor if unhashable else _once_per_value(processor)))
        in_order = order == list(range(len(names)))
        sql = str(compiled)
        written, chunk = 0, []
        for row in rows:
            values = row + extra
            params = list(values) if in_order else [values[i] for i in order]
            for position, process in processors:
                params[position] = process(params[position])
            chunk.append(params)
            if len(chunk) == CHUNK_ROWS:
                written += self._run(sql, chunk, bar)
                chunk = []
        if chunk:
            written += self._run(sql, chunk, bar)
        return written

    def _run(self, sql: str, chunk: list, bar) -> int:
        self.conn.exec_driver_sql(sql, [tuple(params) for params in chunk])
        if bar is not None:
            bar.update(len(chunk))
        return len(chunk)

    def _copy(self, table, names, rows, extra, json_at, bar) -> int:
        quote = self.conn.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        written = 0
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                row = row + extra
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)
                written += 1
                if bar is not None and written % CHUNK_ROWS == 0:
                    bar.update(CHUNK_ROWS)
        if bar is not None:
            bar.update(written % CHUNK_ROWS)
        return written

    def move_sequences_on(self) -> None:
        """PostgreSQL: COPY wrote the ids itself, so each id sequence starts after them."""
        if not self.postgres:
            return
        for name in self.written:
            quoted = self.conn.dialect.identifier_preparer.quote(name)
            self.conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {quoted}))"), {"table": quoted})


def _once_per_value(process: Callable) -> Callable:
    """A bind processor remembering its results (values must be hashable)."""
    seen: dict = {}

    def processed(value):
        if value is None:
            return process(value)
        try:
            return seen[value]
        except KeyError:
            result = seen[value] = process(value)
            return result

    return processed


def after_load(conn) -> None:
    """Planner statistics for the new sizes; on SQLite the write-ahead log is folded back."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE"))
        conn.commit()
    else:
        conn.connection.driver_connection.execute("ANALYZE")
        conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
