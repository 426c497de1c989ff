"""The network read model is shared by the requests of a process, and never stale: a
committed write by anyone, however it is written, is seen by the next read."""
import threading

from sqlalchemy import text, update

from omni_store.extensions import db as _db
from omni_store.network.models import Location
from omni_store.network.snapshot import network
from tests import factories


def committed_elsewhere(app, statement: str) -> None:
    """A write by another connection, as another process or psql would make it."""
    def write():
        with app.app_context():
            with _db.engine.begin() as connection:
                connection.execute(text(statement))

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()


def test_a_location_written_by_another_process_is_seen_at_the_next_read(app, db):
    store_id = factories.store("PAR-RIV", name="Paris Rivoli").id
    db.session.commit()
    assert network().by_code["PAR-RIV"].name == "Paris Rivoli"
    db.session.commit()  # nothing may hold SQLite's write lock now

    committed_elsewhere(app, "UPDATE location SET name = 'Paris Rivoli (travaux)', active = false "
                             f"WHERE id = {store_id}")

    site = network().site(store_id)
    assert site.name == "Paris Rivoli (travaux)" and not site.active


def test_a_shuttle_route_added_and_removed_changes_the_network(app, db):
    bastille, rivoli = factories.store("PAR-BAS"), factories.store("PAR-RIV")
    db.session.commit()
    ids = bastille.id, rivoli.id
    assert network().route(*ids) is None
    factories.shuttle_route(bastille, rivoli, ["08:00", "14:00"])
    db.session.commit()
    assert [t.isoformat() for t in network().route(*ids).departure_times] == [
        "08:00:00", "14:00:00"]
    db.session.commit()

    committed_elsewhere(app, "DELETE FROM shuttle_route")

    assert network().route(*ids) is None


def test_the_transaction_sees_its_own_writes_and_not_those_it_rolled_back(db):
    store = factories.store("PAR-RIV", name="Rivoli")
    db.session.commit()
    assert network().site(store.id).name == "Rivoli"

    db.session.execute(update(Location).where(Location.id == store.id).values(name="Core write"))
    assert network().site(store.id).name == "Core write"
    store.name = "ORM write"
    db.session.flush()
    assert network().site(store.id).name == "ORM write"
    with db.session.begin_nested() as savepoint:
        store.name = "Thought better of it"
        db.session.flush()
        assert network().site(store.id).name == "Thought better of it"
        savepoint.rollback()
    assert network().site(store.id).name == "ORM write"
    db.session.rollback()
    assert network().site(store.id).name == "Rivoli"


def test_reading_the_network_again_costs_no_query_until_something_is_written(db):
    factories.store("PAR-RIV")
    db.session.commit()
    network()
    db.session.commit()

    with factories.counted_statements() as first:
        network()
    with factories.counted_statements() as again:
        network()
        factories.stock(factories.store("PAR-BAS"), factories.product(), 3)  # writes a location
        network()

    assert [s for s in first if "cache_version" in s] and len(first) <= 2  # BEGIN, tokens
    assert not any("cache_version" in s for s in again[:1])
    assert sum("FROM location" in s for s in again) == 1  # reloaded once, after the write
