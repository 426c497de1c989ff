"""The requests `make bench` measures: the associate's and manager's screens, the customer's
page, the API read and the API write, each with the status a correct answer has."""
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.in_process import API_KEY, ASSOCIATE, HELD_EVERYWHERE_SKU, MANAGER, STORE, Fixtures


@dataclass(frozen=True)
class Measured:
    key: str
    label: str  # the row of the table
    kind: str  # "screen" | "availability" | "orders": which targets apply
    method: str
    path: str
    expect: int
    user: str | None = None  # signed in as; None for the API and the customer's phone
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    fresh_idempotency_key: bool = False
    writes: bool = False  # counted in process after the HTTP load, not before it


def measured_requests(fixtures: Fixtures) -> list[Measured]:
    api = {"Authorization": f"Bearer {API_KEY}"}
    task = fixtures.pick_task_id
    return [
        Measured("today", "Today `/` (associate)", "screen", "GET", "/", 200, ASSOCIATE),
        Measured("task", "Pick task `/tasks/<id>`", "screen", "GET", f"/tasks/{task}", 200, ASSOCIATE),
        Measured("stock", f"Chain stock `/stock?q={HELD_EVERYWHERE_SKU}`", "screen", "GET",
                 f"/stock?q={HELD_EVERYWHERE_SKU}", 200, ASSOCIATE),
        Measured("board", "Board `/board` (manager)", "screen", "GET", "/board", 200, MANAGER),
        Measured("counter", "Counter order `/counter/orders/<id>` (ready)", "screen", "GET",
                 f"/counter/orders/{fixtures.ready_order_id}", 200, ASSOCIATE),
        Measured("customer", "Customer page `/p/<token>` (ready order)", "screen", "GET",
                 f"/p/{fixtures.customer_token}", 200),
        Measured("dock", "Dock `/shuttles/dock`", "screen", "GET", "/shuttles/dock", 200, ASSOCIATE),
        Measured("availability", f"`GET /api/v1/availability?sku=…&store={STORE}`", "availability", "GET",
                 f"/api/v1/availability?sku={HELD_EVERYWHERE_SKU}&store={STORE}", 200, headers=api),
        # The right product with the same scan id each time: the first scan counts one unit,
        # every other is the double scan a keyboard wedge sends, accepted and counted once.
        Measured("scan", "Pick scan `POST /tasks/<id>/pick/scan` (repeat of an accepted scan, 303)",
                 "screen", "POST", f"/tasks/{task}/pick/scan", 303, ASSOCIATE,
                 {"Content-Type": "application/x-www-form-urlencoded"},
                 urlencode({"barcode": fixtures.pick_barcode, "scan_id": fixtures.scan_id}).encode(),
                 writes=True),
        Measured("orders", "`POST /api/v1/orders` (3 lines, pickup, 201)",
                 "orders", "POST", "/api/v1/orders", 201,
                 headers=api | {"Content-Type": "application/json"}, body=fixtures.order_body(),
                 fresh_idempotency_key=True, writes=True),
    ]
