import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from omni_store.auth.models import Role
from omni_store.core.clock import utcnow
from omni_store.inventory.models import Channel
from omni_store.network.models import ZoneKind
from omni_store.orders.models import DeliveryMethod, Order
from omni_store.tasks.models import Task, TaskKind
from omni_store.tasks.queries import FIRST_OF_GROUP, KIND_ORDER, WHOLE_GROUP
from omni_store.tasks.services import cancel_task, claim_task, complete_task, create_task
from omni_store.tasks.views import due_in
from tests import factories


def place_order(db, number: str, pickup_store) -> Order:
    order = Order(number=number, channel=Channel.WEB, delivery_method=DeliveryMethod.PICKUP,
                  customer_id=factories.customer().id, pickup_location_id=pickup_store.id)
    db.session.add(order)
    db.session.flush()
    return order


def positions(html: str, *texts: str) -> list[int]:
    found = [html.find(text) for text in texts]
    assert -1 not in found, dict(zip(texts, found))
    return found


def test_today_shows_only_the_current_store_tasks(client, db, login):
    mine, theirs = factories.store(), factories.store()
    factories.task(mine, product_id=factories.product(name="Blue kettle").id, quantity=2)
    factories.task(theirs, product_id=factories.product(name="Secret toaster").id, quantity=1)
    factories.task(theirs, TaskKind.RECEIVE, counterpart_location_id=mine.id)
    login(Role.ASSOCIATE, mine)

    html = client.get("/").get_data(as_text=True)

    assert "Blue kettle" in html
    assert "Secret toaster" not in html
    assert "Receive" not in html
    assert "1 open task" in html


def test_tasks_are_grouped_by_kind_in_a_fixed_order_and_sorted_by_due_time(client, db, login):
    store = factories.store()
    now = utcnow()
    for label, kind, due, priority in [
        ("isolate-soon", TaskKind.ISOLATE, timedelta(minutes=5), 0),
        ("pick-later", TaskKind.PICK, timedelta(hours=3), 0),
        ("pick-overdue", TaskKind.PICK, timedelta(minutes=-20), 0),
        ("pick-urgent", TaskKind.PICK, timedelta(hours=3), 5),  # same due: priority first
        ("count-now", TaskKind.COUNT, timedelta(minutes=1), 0),
    ]:
        create_task(store.id, kind, now + due, product_id=factories.product(name=label).id,
                    priority=priority)
    for status_change in (complete_task, cancel_task):
        closed = factories.task(store, product_id=factories.product(name="closed-task").id)
        status_change(closed, None)
    login(Role.ASSOCIATE, store)

    html = client.get("/").get_data(as_text=True)

    headers = re.findall(
        r'<h2 class="group-title" id="group-(\w+)">\s*[^<]+<span class="count">(\d+)</span>', html)
    assert headers == [("pick", "3"), ("isolate", "1"), ("count", "1")]
    picks = positions(html, "pick-overdue", "pick-urgent", "pick-later")
    assert picks == sorted(picks)
    assert "closed-task" not in html
    assert "5 open tasks" in html


def test_a_row_says_what_where_when_and_who(client, db, login):
    store = factories.store(code="PAR-RIV")
    other = factories.store(code="PAR-BAS", name="Paris Bastille")
    shelf = factories.zone(store, ZoneKind.SALES_FLOOR, code="PAR-RIV-A12", name="Aisle 12")
    phone = factories.product(name="Pixel 9")
    order = place_order(db, "W-000123", store)
    pick = factories.task(store, TaskKind.PICK, due_in=timedelta(minutes=25), product_id=phone.id,
                          quantity=2, zone_id=shelf.id, order_id=order.id)
    factories.task(store, TaskKind.PACK, due_in=timedelta(hours=-1, minutes=-10),
                   counterpart_location_id=other.id)
    factories.task(store, TaskKind.RECEIVE, due_in=timedelta(hours=2), counterpart_location_id=other.id)
    alice = login(Role.ASSOCIATE, store)
    claim_task(pick, alice.id)
    db.session.commit()

    html = client.get("/").get_data(as_text=True)
    pick_row = html[html.index(f'id="task-{pick.id}"'):]
    pick_row = pick_row[:pick_row.index("</li>")]

    assert "Pixel 9" in pick_row and "× 2" in pick_row
    assert "Order W-000123" in pick_row
    assert "Aisle 12" in pick_row and "PAR-RIV-A12" in pick_row
    assert "in 25 min" in pick_row
    assert f"{alice.name} is on it" in pick_row
    assert "late by 1 h 10" in html
    assert "to PAR-BAS · Paris Bastille" in html
    assert "from PAR-BAS · Paris Bastille" in html


@pytest.mark.parametrize("remaining, label, urgency", [
    (timedelta(seconds=20), "due now", "soon"),
    (timedelta(minutes=25), "in 25 min", "soon"),
    (timedelta(minutes=45), "in 45 min", "later"),
    (timedelta(hours=3), "in 3 h", "later"),
    (timedelta(hours=1, minutes=5), "in 1 h 05", "later"),
    (timedelta(minutes=-70), "late by 1 h 10", "late"),
    (timedelta(days=2, hours=1), "in 2 days", "later"),
    (timedelta(days=-1), "late by 1 day", "late"),
])
def test_due_in_reads_like_a_person_would_say_it(app, remaining, label, urgency):
    with app.test_request_context():
        assert due_in(remaining) == (label, urgency)


def test_every_task_kind_has_a_place_in_the_order():
    assert sorted(KIND_ORDER) == sorted(TaskKind)


def test_empty_day_says_so(client, db, login):
    login(Role.ASSOCIATE, factories.store())

    html = client.get("/").get_data(as_text=True)

    assert "Nothing to do right now" in html


def test_htmx_poll_gets_the_fragment_and_boosted_or_restore_requests_the_page(client, db, login, hx):
    login(Role.ASSOCIATE, factories.store())

    fragment = client.get("/", headers=hx)
    boosted = client.get("/", headers={**hx, "HX-Boosted": "true"})
    restore = client.get("/", headers={**hx, "HX-History-Restore-Request": "true"})

    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="today-list"')
    assert 'hx-trigger="every 10s"' in body and 'hx-swap="outerHTML"' in body
    assert "<html" not in body
    assert "<html" in boosted.get_data(as_text=True)
    assert "<html" in restore.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "HX-Request" in client.get("/").headers["Vary"]


# --- long lists: the first tasks of each kind, "N more" for the rest ------------------------


def cards(html: str) -> list[int]:
    """The task ids of the cards, top to bottom."""
    return [int(found) for found in re.findall(r'<li class="task-card card" id="task-(\d+)"', html)]


def link(html: str, marker: str) -> str:
    found = re.search(rf'<a [^>]*{marker}[^>]*>', html)
    assert found, marker
    return found.group(0)


@pytest.fixture
def busy_store(db):
    """40 open picks due a minute apart (the 7th taken by a colleague), 3 isolates."""
    store = factories.store()
    colleague = factories.user(Role.ASSOCIATE, store)
    picks = [factories.task(store, TaskKind.PICK, due_in=timedelta(minutes=n - 10),
                            product_id=factories.product(name=f"pick-{n:02d}").id)
             for n in range(40)]
    claim_task(picks[6], colleague.id)
    isolates = [factories.task(store, TaskKind.ISOLATE, due_in=timedelta(hours=n)) for n in range(3)]
    return SimpleNamespace(store=store, picks=[task.id for task in picks],
                           isolates=[task.id for task in isolates])


def test_a_long_group_shows_its_soonest_tasks_and_how_many_more(client, db, login, busy_store):
    login(Role.ASSOCIATE, busy_store.store)

    html = client.get("/").get_data(as_text=True)

    first = busy_store.picks[:FIRST_OF_GROUP]
    assert cards(html) == first + busy_store.isolates
    assert '<h2 class="group-title" id="group-pick">\n        Pick <span class="count">40</span>' in html
    assert "43 open tasks" in html
    more = link(html, 'data-more="pick"')
    assert "Show 30 more tasks" in html
    # Without JavaScript the link reloads the page at the last card seen.
    assert f'href="/?show=all&amp;more=pick#task-{first[-1]}"' in more
    assert 'hx-get="/?show=all&amp;more=pick"' in more and 'hx-push-url="true"' in more
    assert 'data-more="isolate"' not in html


@pytest.mark.parametrize("picks, shown, more", [
    (WHOLE_GROUP, WHOLE_GROUP, None),
    (WHOLE_GROUP + 1, FIRST_OF_GROUP, f"Show {WHOLE_GROUP + 1 - FIRST_OF_GROUP} more tasks"),
])
def test_a_group_hides_no_mere_handful(client, db, login, hx, picks, shown, more):
    store = factories.store()
    for n in range(picks):
        factories.task(store, TaskKind.PICK, due_in=timedelta(minutes=n))
    login(Role.ASSOCIATE, store)

    html = client.get("/", headers=hx).get_data(as_text=True)

    assert len(cards(html)) == shown
    assert (more in html) if more else ("data-more=" not in html)


def test_more_lists_the_whole_group_in_due_order_and_the_refresh_keeps_it(client, db, login, hx,
                                                                         busy_store):
    login(Role.ASSOCIATE, busy_store.store)

    fragment = client.get("/?show=all&more=pick", headers=hx).get_data(as_text=True)

    assert fragment.lstrip().startswith('<section id="today-list"')
    assert cards(fragment) == busy_store.picks + busy_store.isolates
    assert 'hx-get="/?show=all&amp;more=pick" hx-trigger="every 10s"' in fragment
    assert 'name="next" value="/?show=all&amp;more=pick"' in fragment
    fewer = link(fragment, 'data-fewer="pick"')
    assert 'href="/?show=all#group-pick"' in fewer and "Show fewer" in fragment
    assert "Show 30 more" not in fragment


@pytest.mark.parametrize("show, expected", [
    ("unassigned", lambda store: [t for t in store.picks if t != store.picks[6]] + store.isolates),
    ("mine", lambda store: []),
])
def test_every_open_task_a_filter_shows_is_reachable(client, db, login, hx, busy_store, show, expected):
    login(Role.ASSOCIATE, busy_store.store)

    first = client.get(f"/?show={show}", headers=hx).get_data(as_text=True)
    whole = client.get(f"/?show={show}&more=pick&more=isolate", headers=hx).get_data(as_text=True)

    assert cards(whole) == expected(busy_store)
    assert set(cards(first)) <= set(cards(whole))
    if expected(busy_store):
        assert f'href="/?show={show}&amp;more=pick#task-' in link(first, 'data-more="pick"')


def test_the_filter_tabs_count_their_tasks(client, db, login, busy_store):
    me = login(Role.ASSOCIATE, busy_store.store)
    claim_task(db.session.get(Task, busy_store.picks[20]), me.id)
    db.session.commit()

    html = client.get("/?show=mine").get_data(as_text=True)

    tabs = dict(re.findall(r'>(Mine|Unassigned|All)\s*<span class="filter-count">(\d+)</span>', html))
    assert tabs == {"Mine": "1", "Unassigned": "41", "All": "43"}
    assert cards(html) == [busy_store.picks[20]] and "1 open task" in html


def test_taking_a_task_of_an_opened_group_comes_back_to_it(client, db, login, busy_store):
    login(Role.ASSOCIATE, busy_store.store)
    token = factories.csrf_token(client, "/")
    last = busy_store.picks[-1]

    response = client.post(f"/tasks/{last}/claim",
                           data={"csrf_token": token, "next": "/?show=all&more=pick"})

    assert response.status_code == 303 and response.headers["Location"] == "/?show=all&more=pick"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    row = html[html.index(f'id="task-{last}"'):]
    assert "is on it" in row[:row.index("</li>")] and "Give back" in row[:row.index("</li>")]


def test_an_unknown_group_or_filter_is_ignored(client, db, login, busy_store):
    login(Role.ASSOCIATE, busy_store.store)

    html = client.get("/?show=everything&more=nonsense").get_data(as_text=True)

    assert cards(html) == busy_store.picks[:FIRST_OF_GROUP] + busy_store.isolates


@pytest.mark.parametrize("path", [
    "/", "/?show=mine", "/?show=unassigned", "/?more=pick", "/?show=unassigned&more=pick&more=pack",
])
def test_today_runs_as_many_statements_for_forty_tasks_as_for_one(client, db, login, path):
    store = factories.store()
    other = factories.store()
    user = login(Role.ASSOCIATE, store)

    def add_tasks(count):
        for n in range(count):
            order = place_order(db, f"W-{count}-{n}", store)
            task = factories.task(store, TaskKind.PICK if n % 2 else TaskKind.PACK,
                                  product_id=factories.product().id, quantity=1,
                                  zone_id=factories.zone(store).id, order_id=order.id,
                                  counterpart_location_id=other.id)
            if n % 3:
                claim_task(task, user.id)
        db.session.commit()

    def statements_for_today():
        with factories.counted_statements() as statements:
            assert client.get(path, headers={"HX-Request": "true"}).status_code == 200
        return len(statements)

    add_tasks(1)
    client.get(path, headers={"HX-Request": "true"})  # warm the session and what a process keeps
    with_one = statements_for_today()
    add_tasks(39)
    with_forty = statements_for_today()

    assert "40 open tasks" in client.get("/").get_data(as_text=True)
    assert with_forty == with_one
