"""`flask offers import FILE.csv`: offers created or updated, a bad line writes nothing."""
from sqlalchemy import select

from omni_store.api import imports
from omni_store.catalog.models import Offer, Seller
from tests import factories

HEADER = "seller,sku,price_cents,shipping_cents,stock,lead_time_days,condition\n"


def _offers(db):
    db.session.expire_all()
    return sorted((o.seller.code, o.product.sku, str(o.condition), o.price_cents, o.stock)
                  for o in db.session.scalars(select(Offer)))


def _run(app, path):
    return app.test_cli_runner().invoke(args=["offers", "import", str(path)])


def _catalogue(db):
    seller = Seller(code="techdeal", name="TechDeal", rating=4.6)
    db.session.add(seller)
    phone = factories.product("PH-A")
    factories.product("PH-B")
    db.session.add(Offer(seller=seller, product=phone, price_cents=50000, stock=2))
    db.session.commit()


def test_offers_are_created_and_updated_across_chunks(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    _catalogue(db)
    path = tmp_path / "offers.csv"
    path.write_text(HEADER + "techdeal,PH-A,48000,0,5,3,\ntechdeal,PH-B,30000,490,1,2,new\n"
                    "techdeal,PH-A,39000,490,1,5,refurbished\n")
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "Imported 3 offer(s): 2 new, 1 updated." in result.output
    assert _offers(db) == [("techdeal", "PH-A", "new", 48000, 5),
                           ("techdeal", "PH-A", "refurbished", 39000, 1),
                           ("techdeal", "PH-B", "new", 30000, 1)]


def test_a_bad_line_writes_nothing(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    _catalogue(db)
    before = _offers(db)
    good = "techdeal,PH-A,1000,0,9,3,new\ntechdeal,PH-B,1000,0,9,3,new\n"
    cases = [
        ("nobody,PH-A,1000,0,1,3,new\n", "line 4: unknown seller 'nobody'."),
        ("techdeal,ZZZ,1000,0,1,3,new\n", "line 4: unknown SKU 'ZZZ'."),
        ("techdeal,PH-A,0,0,1,3,new\n",
         "line 4: price_cents must be a whole number from 1 to 100000000 (not '0')."),
        ("techdeal,PH-A,10.5,0,1,3,new\n",
         "line 4: price_cents must be a whole number from 1 to 100000000 (not '10.5')."),
        ("techdeal,PH-A,1000,0,-1,3,new\n",
         "line 4: stock must be a whole number from 0 to 999999 (not '-1')."),
        # Beyond what the columns hold, or what a date can be a lead time ahead.
        ("techdeal,PH-A," + "9" * 4000 + ",0,1,3,new\n",
         "line 4: price_cents must be a whole number from 1 to 100000000 (not '99999999999999999999')."),
        ("techdeal,PH-A,1000,0,1,1000000000,new\n",
         "line 4: lead_time_days must be a whole number from 0 to 365 (not '1000000000')."),
        ("techdeal,PH-A,1000,0,1,3,broken\n", "line 4: condition must be new, refurbished or used."),
    ]
    for bad, message in cases:
        path = tmp_path / "bad.csv"
        path.write_text(HEADER + good + bad)
        result = _run(app, path)
        assert result.exit_code == 1
        assert message in result.output
        assert "Nothing was imported." in result.output
    assert _offers(db) == before
