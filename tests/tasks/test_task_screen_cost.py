"""A pick task's screen and a scan on it cost the same statements in a store with one
open task and a product in one location as in a busy store of a large chain."""
from omni_store.extensions import db as _db
from omni_store.tasks.models import TaskKind
from tests import factories
from tests.tasks.conftest import order_at, pick_task, shelve
from tests.tasks.test_task_screens import csrf, scan_id_in, sign_in


def costs(client, floor, pick, hx) -> tuple[int, int]:
    """Statements of the screen, and of one unit scanned on it (not the last one)."""
    with factories.counted_statements() as screen:
        response = client.get(f"/tasks/{pick.id}", headers=hx)
    form = {"csrf_token": csrf(client, pick), "barcode": floor.phone.ean,
            "scan_id": scan_id_in(response.get_data(as_text=True))}
    with factories.counted_statements() as scan:
        assert client.post(f"/tasks/{pick.id}/pick/scan", data=form, headers=hx).status_code == 303
    return len(screen), len(scan)


def test_a_pick_costs_the_same_in_a_busy_store_of_a_large_chain(client, db, floor, hx):
    pick = pick_task(db, order_at(floor.rivoli, (floor.phone, 4)))
    sign_in(client, floor.alice)
    costs(client, floor, pick, hx)  # the first scan also claims the task
    quiet = costs(client, floor, pick, hx)
    for n in range(20):
        elsewhere = factories.store(f"OTH-{n:02d}", 45 + n / 10, 3.0)
        shelve(db, elsewhere, floor.phone, 3, factories.zone(elsewhere))
        factories.task(floor.rivoli, TaskKind.RESTOCK, product_id=floor.case.id, quantity=1)
    for _n in range(4):
        order_at(floor.rivoli, (floor.case, 1))
    _db.session.commit()

    assert costs(client, floor, pick, hx) == quiet
    _db.session.refresh(pick)
    assert pick.done_quantity == 3
