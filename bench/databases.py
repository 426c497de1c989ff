"""The bench's own databases: built once per (database, scale), then copied for each run.

A run writes (scans, orders, a customer link, a stock top-up), so it works on a fresh copy
of the built database and every run starts from the same data. Built databases:

    SQLite      instance/bench-demo.sqlite, instance/bench-chain.sqlite
                (or instance/chain.sqlite when it exists and the default chain is asked for)
    PostgreSQL  omni_bench_demo, omni_bench_chain
                (omni_bench_chain is copied from omni_chain when that exists and is idle)

A chain built with other `flask demo scale` options gets its own name (a hash of them).
"""
import hashlib
import os
import shlex
import sqlite3
import subprocess
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
SHARED_CHAIN_SQLITE = INSTANCE / "chain.sqlite"
SHARED_CHAIN_PG = "omni_chain"
RUN_SQLITE = INSTANCE / "bench-run.sqlite"
RUN_PG = "omni_bench_run"


@dataclass(frozen=True)
class Target:
    """One (database, scale) to measure."""

    database: str  # "sqlite" | "postgres"
    scale: str  # "demo" | "chain"
    chain_options: str  # extra `flask demo scale` options; "" for its defaults
    pg_server: str = DEFAULT_PG_SERVER

    @property
    def _tag(self) -> str:
        if self.scale == "demo" or not self.chain_options:
            return self.scale
        return f"{self.scale}_{hashlib.sha1(self.chain_options.encode()).hexdigest()[:8]}"

    @property
    def built_name(self) -> str:
        if self.database == "sqlite":
            return str(INSTANCE / f"bench-{self._tag.replace('_', '-')}.sqlite")
        return f"omni_bench_{self._tag}"

    def url(self, name: str) -> str:
        return f"sqlite:///{name}" if self.database == "sqlite" else f"{self.pg_server}/{name}"

    @property
    def uses_shared_chain(self) -> bool:
        return self.scale == "chain" and not self.chain_options


def _admin_connection(target: Target) -> psycopg.Connection:
    server = target.pg_server.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _pg_exists(target: Target, name: str) -> bool:
    with _admin_connection(target) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _flask(url: str, *arguments: str) -> None:
    subprocess.run([*FLASK, *arguments], env={**os.environ, "DATABASE_URL": url}, cwd=ROOT, check=True)


def _build(target: Target, url: str) -> None:
    _flask(url, "db", "upgrade")
    _flask(url, "demo", "seed")
    if target.scale == "chain":
        _flask(url, "demo", "scale", *shlex.split(target.chain_options))


def ensure_built(target: Target, rebuild: bool) -> dict:
    """The built database of `target`, made if missing (or if `rebuild`); how it was obtained."""
    started = time.perf_counter()
    if target.database == "sqlite":
        source = Path(target.built_name)
        if not rebuild and not source.exists() and target.uses_shared_chain and SHARED_CHAIN_SQLITE.exists():
            return {"database": str(SHARED_CHAIN_SQLITE), "obtained": "reused the shared chain"}
        if source.exists() and not rebuild:
            _flask(target.url(str(source)), "db", "upgrade")
            return {"database": str(source), "obtained": "reused"}
        for path in (source, Path(f"{source}-wal"), Path(f"{source}-shm")):
            path.unlink(missing_ok=True)
        _build(target, target.url(str(source)))
        return {"database": str(source), "obtained": "built",
                "build_seconds": round(time.perf_counter() - started, 1)}
    name = target.built_name
    if _pg_exists(target, name) and not rebuild:
        _flask(target.url(name), "db", "upgrade")
        return {"database": name, "obtained": "reused"}
    with _admin_connection(target) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if target.uses_shared_chain and not rebuild and _pg_exists(target, SHARED_CHAIN_PG):
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{SHARED_CHAIN_PG}" STRATEGY FILE_COPY')
                return {"database": name, "obtained": f"copied from {SHARED_CHAIN_PG}",
                        "build_seconds": round(time.perf_counter() - started, 1)}
            except psycopg.errors.ObjectInUse:
                pass  # someone is connected to it: build our own below
        admin.execute(f'CREATE DATABASE "{name}"')
    _build(target, target.url(name))
    with psycopg.connect(target.url(name).replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as built:
        built.execute("VACUUM ANALYZE")  # a database in service has its statistics
    return {"database": name, "obtained": "built", "build_seconds": round(time.perf_counter() - started, 1)}


def backend_pids(url: str) -> set[int]:
    """The PostgreSQL server processes connected to this database (none for SQLite)."""
    if not url.startswith("postgresql"):
        return set()
    server, _slash, name = url.replace("postgresql+psycopg://", "postgresql://").rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        return {pid for (pid,) in rows}


@contextmanager
def working_copy(target: Target, built: str):
    """A fresh copy of the built database for one run, at the checkout's migration, dropped
    afterwards; yields its URL."""
    if target.database == "sqlite":
        _drop_sqlite_run()
        with closing(sqlite3.connect(built)) as source, closing(sqlite3.connect(RUN_SQLITE)) as copy:
            source.backup(copy)  # consistent even while another process has the source open
        url = target.url(str(RUN_SQLITE))
    else:
        with _admin_connection(target) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{RUN_PG}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{RUN_PG}" TEMPLATE "{built}" STRATEGY FILE_COPY')
        url = target.url(RUN_PG)
    try:
        _flask(url, "db", "upgrade")  # a shared source is never migrated by the bench: its copy is
        yield url
    finally:
        if target.database == "sqlite":
            _drop_sqlite_run()
        else:
            with _admin_connection(target) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{RUN_PG}" WITH (FORCE)')


def _drop_sqlite_run() -> None:
    for path in (RUN_SQLITE, Path(f"{RUN_SQLITE}-wal"), Path(f"{RUN_SQLITE}-shm")):
        path.unlink(missing_ok=True)
