"""The database cut off mid-load, then back: 503s while it is gone, never a 500 nor a hang,
and 200/201 again within seconds, without restarting the app server.

The app server reaches PostgreSQL through a TCP proxy the test cuts: every connection
closed at once, new ones closed as soon as they open (as a server that went down).
"""
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import psycopg
import pytest
import requests

from tests.faults.conftest import API_HEADERS, order_body, staff_session

pytestmark = pytest.mark.postgres

CUSTOMER = "outage@example.com"
SKU = "PHN-NOVFL2-256-BLK"
UNREACHABLE = "The store system is unreachable right now. Nothing was saved; try again in a moment."
# CI size; the long variant: FAULT_DOWN_SECONDS=120 (a restart or a failover that takes its time).
UP_BEFORE_S, UP_AFTER_S = 2.0, 5.0
DOWN_S = float(os.environ.get("FAULT_DOWN_SECONDS", "4"))
RECOVERY_S = 3.0  # answers are good again this soon after the database is back
SLOWEST_ANSWER_S = 4.0


class CuttableProxy:
    """127.0.0.1:<port> forwarded to the database server, until cut()."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets: socket.socket) -> None:
        with self.lock:
            for sock in sockets:
                self.sockets.discard(sock)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def cut(self) -> None:
        self.up = False
        with self.lock:
            open_now = list(self.sockets)
        self._close(*open_now)

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


@dataclass(frozen=True)
class Answer:
    what: str  # "api read", "order", "screen"
    sent: float
    took: float
    status: int
    media_type: str
    retry_after: str | None
    text: str


@pytest.fixture
def proxy(demo_database):
    proxy = CuttableProxy((demo_database.host, demo_database.port or 5432))
    yield proxy
    proxy.close()


def test_a_database_cut_off_mid_load_is_503_then_serves_again(demo_database, proxy, start_server):
    # connect_timeout: a connection attempt to a server that does not answer gives up soon.
    proxied = demo_database.set(host="127.0.0.1", port=proxy.port,
                                query={"connect_timeout": "3"})
    server = start_server(proxied.render_as_string(hide_password=False))
    staff = staff_session(server)
    answers: list[Answer] = []
    acknowledged: dict[str, str] = {}  # Idempotency-Key -> order number
    unanswered: list[str] = []  # keys whose POST got no 201 (retried after the outage)
    started = time.monotonic()
    until = started + UP_BEFORE_S + DOWN_S + UP_AFTER_S

    def call(what: str, method: str, path: str, session=requests, **kwargs) -> requests.Response:
        sent = time.monotonic()
        response = session.request(method, f"{server.url}{path}", timeout=15, **kwargs)
        answers.append(Answer(what, sent - started, time.monotonic() - sent, response.status_code,
                              response.headers.get("Content-Type", "").split(";")[0],
                              response.headers.get("Retry-After"), response.text))
        return response

    def load(step) -> None:
        while time.monotonic() < until:
            step()
            time.sleep(0.05)

    def place_order() -> None:
        key = uuid.uuid4().hex
        response = call("order", "POST", "/api/v1/orders", json=order_body(SKU, CUSTOMER),
                        headers=API_HEADERS | {"Idempotency-Key": key})
        if response.status_code == 201:
            acknowledged[key] = response.json()["number"]
        else:
            unanswered.append(key)

    steps = [lambda: call("api read", "GET", "/api/v1/products", headers=API_HEADERS),
             place_order,
             lambda: call("screen", "GET", "/", session=staff)]
    threads = [threading.Thread(target=load, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    time.sleep(UP_BEFORE_S)
    cut_at = time.monotonic() - started
    proxy.cut()
    time.sleep(DOWN_S)
    restored_at = time.monotonic() - started
    proxy.restore()
    for thread in threads:
        thread.join(UP_AFTER_S + 20)

    assert [a for a in answers if a.status >= 500 and a.status != 503] == []
    assert max(a.took for a in answers) < SLOWEST_ANSWER_S
    # Sent after the cut and answered before the restore: the clear 503 of each kind.
    while_down = [a for a in answers if a.sent > cut_at and a.sent + a.took < restored_at]
    assert {a.what for a in while_down} == {"api read", "order", "screen"}
    assert {a.status for a in while_down} == {503}
    for answer in while_down:
        assert answer.retry_after is not None
        if answer.what == "screen":
            assert answer.media_type == "text/html" and UNREACHABLE in answer.text
        else:
            assert answer.media_type == "application/problem+json"
    # Back without a restart: soon after the restore, every answer is a success again.
    back = [a for a in answers if a.sent > restored_at + RECOVERY_S]
    assert {a.what for a in back} == {"api read", "order", "screen"}
    assert {a.status for a in back} <= {200, 201}
    assert server.process.poll() is None

    # Nothing acknowledged was lost; what was refused is placed by its retry, once.
    for key in unanswered:
        retried = requests.post(f"{server.url}/api/v1/orders", json=order_body(SKU, CUSTOMER),
                                headers=API_HEADERS | {"Idempotency-Key": key}, timeout=15)
        # A 409 in flight: the cut fell inside that write; its retry waits for the lease.
        assert retried.status_code in (201, 409), retried.text
        if retried.status_code == 201:
            acknowledged[key] = retried.json()["number"]
        else:
            assert "Retry-After" in retried.headers
    database = demo_database.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(database) as conn:
        stored = {row[0] for row in conn.execute(
            'SELECT "order".number FROM "order" JOIN customer ON customer.id = "order".customer_id '
            "WHERE customer.email = %s", (CUSTOMER,))}
    # A key still in flight never completed, so its order was never committed either.
    assert stored == set(acknowledged.values())
    assert server.errors_logged() == []
    recovered = min(a.sent for a in answers if a.sent > restored_at and a.status < 300)
    print(f"\ndatabase outage: {len(answers)} answers, {len(while_down)} while down, "
          f"{len(acknowledged)} orders, slowest answer {max(a.took for a in answers):.2f} s, "
          f"first success {recovered - restored_at:.2f} s after the restore, "
          f"{time.monotonic() - started:.1f} s")
