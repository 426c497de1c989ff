"""POST /stock/movements: a batch is checked whole; one bad row and nothing is written."""
from sqlalchemy import func, select

from omni_store.inventory.models import StockLevel, StockMovement
from omni_store.inventory.queries import ledger_mismatches
from tests import factories


def _setup(db):
    store = factories.store("PAR-RIV")
    warehouse = factories.warehouse("WH-NORD")
    phone = factories.product("PH-A")
    case = factories.product("CASE-1")
    factories.stock(store, phone, 4)
    db.session.commit()
    return store, warehouse, phone, case


def _on_hand(db, location, product):
    db.session.expire_all()
    return db.session.scalar(select(StockLevel.on_hand).filter_by(
        location_id=location.id, product_id=product.id))


def _movement_count(db):
    return db.session.scalar(select(func.count()).select_from(StockMovement))


def test_a_batch_of_receipts_adjustments_and_counts(client, db, auth, contract):
    store, warehouse, phone, case = _setup(db)
    response = client.post("/api/v1/stock/movements", headers=auth, json={"movements": [
        {"location": "WH-NORD", "sku": "CASE-1", "kind": "receipt", "quantity": 50},
        {"location": "par-riv", "sku": "PH-A", "kind": "adjustment", "quantity": -1},
        {"location": "PAR-RIV", "sku": "CASE-1", "kind": "count", "quantity": 7},
    ]})
    body = contract(response, "/stock/movements", "post")
    assert response.status_code == 201
    assert body["applied"] == 3
    assert [(m["location"], m["sku"], m["on_hand"]) for m in body["movements"]] == [
        ("WH-NORD", "CASE-1", 50), ("PAR-RIV", "PH-A", 3), ("PAR-RIV", "CASE-1", 7)]
    assert (_on_hand(db, warehouse, case), _on_hand(db, store, phone)) == (50, 3)
    assert ledger_mismatches() == []


def test_one_bad_row_refuses_the_batch_and_writes_nothing(client, db, auth, contract):
    store, _warehouse, phone, _case = _setup(db)
    before = _movement_count(db)
    good = {"location": "PAR-RIV", "sku": "PH-A", "kind": "receipt", "quantity": 5}
    cases = [
        ({"location": "NOPE", "sku": "PH-A", "kind": "receipt", "quantity": 1}, 404,
         "movements[1].location", "Row 1: unknown location NOPE."),
        ({"location": "PAR-RIV", "sku": "ZZZ", "kind": "receipt", "quantity": 1}, 404,
         "movements[1].sku", "Row 1: unknown SKU ZZZ."),
        ({"location": "PAR-RIV", "sku": "PH-A", "kind": "theft", "quantity": 1}, 422,
         "movements[1].kind", "movements[1].kind must be one of: receipt, adjustment, count."),
        ({"location": "PAR-RIV", "sku": "PH-A", "kind": "receipt", "quantity": 0}, 422,
         "movements[1].quantity",
         "movements[1].quantity must be a whole number from 1 to 999999."),
        ({"location": "PAR-RIV", "sku": "PH-A", "kind": "adjustment", "quantity": 0}, 422,
         "movements[1].quantity", "Row 1: an adjustment must change the quantity."),
        ({"location": "PAR-RIV", "sku": "PH-A", "kind": "receipt", "quantity": 1.5}, 422,
         "movements[1].quantity",
         "movements[1].quantity must be a whole number from 1 to 999999."),
        ({"location": "PAR-RIV", "sku": "PH-A", "kind": "receipt", "quantity": 1_000_000}, 422,
         "movements[1].quantity",
         "movements[1].quantity must be a whole number from 1 to 999999."),
        # Valid alone, refused by the stock guards once row 0 is applied: row 0 is undone.
        ({"location": "PAR-RIV", "sku": "PH-A", "kind": "adjustment", "quantity": -20}, 409,
         "movements[1].quantity",
         "Row 1: Cannot remove 20: fewer units are on hand and not promised to orders."),
    ]
    for bad, status, field, detail in cases:
        response = client.post("/api/v1/stock/movements", headers=auth,
                               json={"movements": [good, bad]})
        problem = contract(response, "/stock/movements", "post")
        assert response.status_code == status, detail
        assert problem["detail"] == detail
        assert problem["errors"] == [{"field": field, "message": detail, "index": 1}]
    assert _on_hand(db, store, phone) == 4
    assert _movement_count(db) == before


def test_count_below_what_orders_hold_refuses_the_batch(client, db, auth):
    store, _warehouse, phone, _case = _setup(db)
    from omni_store.fulfilment.placing import place_order

    place_order(factories.order_request([(phone, 3)], store_loc=store))
    db.session.commit()
    response = client.post("/api/v1/stock/movements", headers=auth, json={"movements": [
        {"location": "PAR-RIV", "sku": "PH-A", "kind": "count", "quantity": 2}]})
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["index"] == 0
    assert _on_hand(db, store, phone) == 4


def test_malformed_batches(client, db, auth, contract):
    _setup(db)
    for body, field in [({}, "movements"), ({"movements": []}, "movements"),
                        ({"movements": ["x"]}, "movements[0]"), ([1, 2], "body"),
                        ({"movements": [{}] * 1001}, "movements")]:
        response = client.post("/api/v1/stock/movements", headers=auth, json=body)
        problem = contract(response, "/stock/movements", "post")
        assert response.status_code == 422
        assert problem["errors"][0]["field"] == field
