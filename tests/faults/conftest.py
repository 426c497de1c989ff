"""Fault tests: real gunicorn processes on a PostgreSQL database of their own.

The demo chain is migrated and seeded once into a template database; each test gets a
copy of it (CREATE DATABASE ... TEMPLATE, well under a second) and drops it afterwards.
They run only where TEST_DATABASE_URL names a PostgreSQL server (CI's second pass).
"""
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy.engine import URL, make_url

from omni_store.config import PROJECT_ROOT

BIN = Path(sys.executable).parent
API_HEADERS = {"Authorization": "Bearer demo-api-key"}
ASSOCIATE = ("associate@rivoli.demo", "demo")
SERVER_START_TIMEOUT_S = 30


@pytest.fixture(scope="session")
def pg_server() -> URL:
    url = make_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
    if url.get_backend_name() != "postgresql":
        pytest.skip("fault tests run app servers on a PostgreSQL server (set TEST_DATABASE_URL)")
    return url


def admin(server: URL, statement: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE), on the suite's database."""
    with psycopg.connect(host=server.host, port=server.port or 5432, user=server.username,
                         password=server.password, dbname=server.database,
                         autocommit=True) as conn:
        conn.execute(statement)


def flask_command(database_url: str, *args: str) -> None:
    done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=PROJECT_ROOT,
                          env=os.environ | {"DATABASE_URL": database_url},
                          capture_output=True, text=True)
    assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="session")
def demo_template(pg_server):
    """The demo chain, migrated from zero and seeded by the app's own commands."""
    name = f"omni_faults_template_{os.getpid()}"
    admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(pg_server, f'CREATE DATABASE "{name}"')
    url = pg_server.set(database=name).render_as_string(hide_password=False)
    try:
        flask_command(url, "db", "upgrade")
        flask_command(url, "demo", "seed")
        yield name
    finally:
        admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo_database(pg_server, demo_template) -> URL:
    """A fresh copy of the seeded demo chain for one test."""
    name = f"omni_faults_{secrets.token_hex(4)}"
    admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{demo_template}"')
    yield pg_server.set(database=name)
    admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """`gunicorn app:app`, one worker with threads, in its own process group."""

    def __init__(self, database_url: str, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = os.environ | {"DATABASE_URL": database_url, "SECRET_KEY": "fault-test-secret",
                            "OMNI_INSECURE_COOKIES": "1"}
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", "1", "--threads", "4",
                 "--bind", f"127.0.0.1:{self.port}", "app:app"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own group: the master and its worker die together
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or listening while its worker still boots
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL to the master and its worker at once: no request is finished."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def errors_logged(self) -> list[str]:
        """Tracebacks of unhandled errors in the server's log (a 500 or a crashed request)."""
        return [line for line in self.log_path.read_text(errors="replace").splitlines()
                if "Traceback" in line or "unhandled error" in line]


@pytest.fixture
def start_server(tmp_path):
    """start_server(database_url) -> a running AppServer; all are stopped afterwards."""
    servers = []

    def start(database_url: str) -> AppServer:
        server = AppServer(database_url, tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def staff_session(server: AppServer, email_password=ASSOCIATE) -> requests.Session:
    """Signed in through the sign-in form; the CSRF token sent as htmx sends it."""
    session = requests.Session()
    token = _csrf_token(session.get(f"{server.url}/login", timeout=10).text)
    email, password = email_password
    signed_in = session.post(f"{server.url}/login", allow_redirects=False, timeout=10,
                             data={"csrf_token": token, "email": email, "password": password})
    assert signed_in.status_code in (302, 303), signed_in.text
    session.headers["X-CSRFToken"] = _csrf_token(session.get(f"{server.url}/", timeout=10).text)
    return session


def _csrf_token(html: str) -> str:
    found = (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'"X-CSRFToken": "([^"]+)"', html))
    assert found, html[:500]
    return found.group(1)


def order_body(sku: str, email: str, qty: int = 1) -> dict:
    return {"customer": {"email": email, "first_name": "Camille", "last_name": "Martin",
                         "phone": "+33600000000"},
            "lines": [{"sku": sku, "qty": qty}],
            "delivery": {"method": "pickup", "store": "PAR-RIV"}}
