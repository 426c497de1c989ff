"""`flask stock import FILE.csv`: streamed in chunks, refused whole on a bad line."""
from sqlalchemy import func, select

from omni_store.api import imports
from omni_store.inventory.models import StockLevel, StockMovement
from tests import factories


def _levels(db):
    db.session.expire_all()
    return dict(db.session.execute(select(StockLevel.product_id, StockLevel.on_hand)).all())


def _run(app, path):
    return app.test_cli_runner().invoke(args=["stock", "import", str(path)])


def test_a_snapshot_and_movements_in_several_chunks(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    store = factories.store("PAR-RIV")
    phone, case = factories.product("PH-A"), factories.product("CASE-1")
    factories.stock(store, phone, 4)
    db.session.commit()
    path = tmp_path / "stock.csv"
    path.write_text("location,sku,quantity,kind\nPAR-RIV,PH-A,9,\nPAR-RIV,CASE-1,3,count\n"
                    "PAR-RIV,CASE-1,2,receipt\nPAR-RIV,PH-A,-1,adjustment\nPAR-RIV,CASE-1,10,\n")
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "Imported 5 line(s): 1 receipt, 1 adjustment, 3 count." in result.output
    assert _levels(db) == {phone.id: 8, case.id: 10}


def test_a_bad_line_in_a_later_chunk_writes_nothing(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    store = factories.store("PAR-RIV")
    phone = factories.product("PH-A")
    factories.stock(store, phone, 4)
    db.session.commit()
    movements = db.session.scalar(select(func.count()).select_from(StockMovement))
    cases = [
        ("PAR-RIV,PH-A,9\nPAR-RIV,PH-A,8\nPAR-RIV,NOPE,1\n", "line 4: unknown SKU NOPE."),
        ("PAR-RIV,PH-A,9\nPAR-RIV,PH-A,x\n",
         "line 3: quantity must be a whole number from -999999 to 999999 (not 'x')."),
        # A 4,000-digit quantity: refused by the input layer, not overflowing the column.
        ("PAR-RIV,PH-A,9\nPAR-RIV,PH-A," + "9" * 4000 + "\n",
         "line 3: quantity must be a whole number from -999999 to 999999 (not '99999999999999999999')."),
        ("PAR-RIV,PH-A,9\nPAR-RIV,PH-A,-" + "9" * 4000 + "\n",
         "line 3: quantity must be a whole number from -999999 to 999999 (not '-9999999999999999999')."),
        ("PAR-RIV,PH-A,9\nPAR-RIV,PH-A,1000000\n",
         "line 3: quantity must be a whole number from -999999 to 999999 (not '1000000')."),
        ("PAR-RIV,PH-A,9\nPAR-RIV,PH-A,8,extra\n", "line 3: more fields than columns."),
        ("PAR-RIV,PH-A,9\nLYO-XXX,PH-A,8\n", "line 3: unknown location LYO-XXX."),
    ]
    for body, message in cases:
        path = tmp_path / "bad.csv"
        path.write_text("location,sku,quantity\n" + body)
        result = _run(app, path)
        assert result.exit_code == 1
        assert f"{message} Nothing was imported." in result.output
    path.write_text("store,sku,qty\nPAR-RIV,PH-A,1\n")
    assert "line 1: missing column(s): location, quantity." in _run(app, path).output
    assert _levels(db) == {phone.id: 4}
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == movements
