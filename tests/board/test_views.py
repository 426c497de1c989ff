"""The board through the client: the figures it renders, who may see it, the actions."""
import re
from datetime import timedelta

import pytest

from omni_store.auth.models import Role
from omni_store.extensions import db as _db
from omni_store.orders.models import DeliveryMethod
from omni_store.tasks.models import Task, TaskEvent, TaskKind, TaskStatus
from tests import factories
from tests.board.conftest import paris


def signed_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def part(html: str, attribute: str, value: str) -> str:
    """The element carrying attribute="value", up to its closing tag (rows and list items)."""
    found = re.search(rf'<(tr|li)[^>]*{attribute}="{re.escape(value)}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f'nothing with {attribute}="{value}"'
    return found.group(2)


def figures(fragment: str) -> dict[str, str]:
    return {name: " ".join(re.sub(r"<[^>]+>", " ", text).split())
            for name, text in re.findall(r'data-figure="([\w-]+)">(.*?)</(?:td|span)>', fragment, re.S)}


@pytest.fixture
def manager_client(client, day):
    signed_in(client, day.manager)
    return client


def test_the_page_shows_every_figure_of_the_day(manager_client):
    html = manager_client.get("/board").get_data(as_text=True)

    assert figures(part(html, "data-kind", "pick")) == {
        "open": "0", "in_progress": "0", "exception": "1", "created": "3", "done": "2"}
    assert figures(part(html, "data-kind", "pack")) == {
        "open": "0", "in_progress": "1", "exception": "0", "created": "1", "done": "0"}
    assert figures(part(html, "data-kind", "restock"))["open"] == "1"
    assert 'data-kind="handover"' not in html  # no such task today
    assert figures(part(html, "data-person", "alice@test.example")) == {
        "working": "—", "done": "2", "average": "30 min"}
    bob = part(html, "data-person", "bob@test.example")
    assert figures(bob)["done"] == "1" and figures(bob)["average"] == "10 min"
    assert "Pack" in figures(bob)["working"]
    assert figures(part(html, "data-run", "PAR-BAS-14:20")) == {
        "sealed": "0", "packing": "1", "loaded": "0", "missing": "1"}
    assert figures(part(html, "data-run", "PAR-BAS-16:00")) == {
        "sealed": "2", "packing": "0", "loaded": "1", "missing": "2"}
    assert re.findall(r'data-alert="(\w+)"', html) == ["task", "cutoff", "appointment", "promise", "task"]
    assert 'data-figure="alerts">5<' in html
    waiting = part(html, "data-order", "W-READY")
    assert "PAR-RIV-H07" in waiting and "Thu 12 Mar 19:00" in waiting  # store time
    assert re.findall(r'data-order="(W-APPT\d)"', html) == ["W-APPT1", "W-APPT2"]
    assert "17:00" in part(html, "data-order", "W-APPT2")
    assert re.findall(r'data-return="(\w+)"', html) == ["R000001"]
    short = part(html, "data-short", re.search(r'data-short="(\d+)"', html).group(1))
    assert "Phone A" in short and "W-SHORT" in short and "1 from PAR-BAS" in short
    assert re.findall(r'data-hour="(\d+)" data-due="(\d+)" data-done="(\d+)"', html)[1:4] == [
        ("10", "1", "1"), ("11", "1", "1"), ("12", "1", "1")]
    assert "<title>10:00 — 1 finished, 1 due</title>" in html
    assert 'hx-trigger="every 30s"' in html
    assert "updated at 14:00" in html


def test_htmx_gets_the_fragment_only(manager_client, hx):
    response = manager_client.get("/board", headers=hx)

    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="board"')
    assert "<html" not in html and "HX-Request" in response.headers["Vary"]


def test_a_past_day_is_history_without_actions(manager_client):
    html = manager_client.get("/board?day=2026-03-09").get_data(as_text=True)

    assert "History (read only)" in html and "every 30s" not in html
    assert "Raise priority" not in html and "Pause for today" not in html
    assert figures(part(html, "data-kind", "pick")) == {"created": "1", "done": "1"}
    assert figures(part(html, "data-person", "alice@test.example")) == {"done": "1", "average": "45 min"}
    assert re.findall(r'data-return="(\w+)"', html) == ["R000000"]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-03-11"])
def test_a_bad_or_future_day_is_a_clear_422(manager_client, value):
    response = manager_client.get(f"/board?day={value}")

    assert response.status_code == 422


def test_signing_in_comes_first(client, day):
    response = client.get("/board")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_associates_may_not_see_the_board(client, day):
    signed_in(client, day.alice)

    assert client.get("/board").status_code == 403
    assert post(client, f"/board/tasks/{day.tasks.restock.id}/priority").status_code == 403
    assert post(client, "/board/ship-from-store", action="pause").status_code == 403
    assert _db.session.get(Task, day.tasks.restock.id).priority == 0


def test_the_board_link_is_for_managers_only(client, day):
    signed_in(client, day.alice)
    assert 'href="/board"' not in client.get("/").get_data(as_text=True)
    signed_in(client, day.manager)
    assert 'href="/board"' in client.get("/").get_data(as_text=True)


def test_an_admin_sees_the_store_they_switched_to(client, day):
    admin = factories.user(Role.ADMIN)
    _db.session.commit()
    signed_in(client, admin)
    with client.session_transaction() as session:
        session["admin_store_id"] = day.rivoli.id

    html = client.get("/board").get_data(as_text=True)

    assert "PAR-RIV" in html and figures(part(html, "data-kind", "pick"))["done"] == "2"


# --- actions -----------------------------------------------------------------------------


def post(client, path, **form):
    token = factories.csrf_token(client, "/")
    return client.post(path, data={"csrf_token": token, **form})


def test_assign_then_reassign_a_task(manager_client, day):
    task_id = day.tasks.restock.id

    response = post(manager_client, f"/board/tasks/{task_id}/assign", assignee_id=day.alice.id)
    assert response.status_code == 303 and response.headers["Location"] == "/board"
    post(manager_client, f"/board/tasks/{task_id}/assign", assignee_id=day.bob.id)

    task = _db.session.get(Task, task_id)
    assert (task.status, task.assignee_id) == (TaskStatus.IN_PROGRESS, day.bob.id)


def test_assign_refuses_someone_of_another_store(manager_client, day):
    from omni_store.auth.models import User

    other = _db.session.scalar(_db.select(User).filter_by(email="elsewhere@test.example"))

    response = post(manager_client, f"/board/tasks/{day.tasks.restock.id}/assign", assignee_id=other.id)

    assert response.status_code == 422
    assert _db.session.get(Task, day.tasks.restock.id).assignee_id is None


def test_another_stores_task_is_a_404(manager_client, day):
    task_id = day.tasks.elsewhere.id

    assert post(manager_client, f"/board/tasks/{task_id}/assign", assignee_id=day.alice.id).status_code == 404
    assert post(manager_client, f"/board/tasks/{task_id}/priority").status_code == 404
    assert _db.session.get(Task, task_id).priority == 0


def test_raise_priority_step_by_step_up_to_the_top(manager_client, day):
    task_id = day.tasks.restock.id
    for _step in range(3):
        assert post(manager_client, f"/board/tasks/{task_id}/priority").status_code == 303

    response = post(manager_client, f"/board/tasks/{task_id}/priority")

    assert response.status_code == 409
    assert "already has the highest priority" in response.get_data(as_text=True)
    assert _db.session.get(Task, task_id).priority == 3
    notes = _db.session.scalars(_db.select(TaskEvent.note).filter_by(task_id=task_id)
                                .order_by(TaskEvent.id)).all()
    assert notes[-3:] == ["priority raised to 1", "priority raised to 2", "priority raised to 3"]


def test_a_closed_task_keeps_its_priority(manager_client, day):
    response = post(manager_client, f"/board/tasks/{day.tasks.pick_a.id}/priority")

    assert response.status_code == 409
    assert _db.session.get(Task, day.tasks.pick_a.id).priority == 0


def test_actions_need_the_csrf_token(manager_client, day):
    response = manager_client.post(f"/board/tasks/{day.tasks.restock.id}/priority")

    assert response.status_code == 400


def test_pause_and_resume_ship_from_store(manager_client, day):
    assert post(manager_client, "/board/ship-from-store", action="pause").status_code == 303
    assert _db.session.get(type(day.rivoli), day.rivoli.id).ship_from_store_paused_on.isoformat() == "2026-03-10"
    html = manager_client.get("/board").get_data(as_text=True)
    assert "Ship from store paused today" in html

    post(manager_client, "/board/ship-from-store", action="resume")
    assert _db.session.get(type(day.rivoli), day.rivoli.id).ship_from_store_paused_on is None
    assert post(manager_client, "/board/ship-from-store", action="stop").status_code == 422


# --- a busy day: the most urgent alerts first, every one a tap away -----------------------


def add_late_picks(day, count):
    """`count` open picks due from 13:00 (now) on, a minute apart: each one an alert."""
    return [factories.task_with_history(day.rivoli, TaskKind.PICK, paris(8), paris(14, n),
                                        product_id=day.phone.id).id
            for n in range(count)]


def alert_tasks(html: str) -> list[int]:
    return [int(task_id) for task_id in re.findall(
        r'<li class="alert-row alert-task"[^>]*>.*?href="/tasks/(\d+)"', html, re.S)]


def test_a_busy_day_lists_the_most_urgent_alerts_and_all_of_them_on_demand(manager_client, day, hx):
    picks = add_late_picks(day, 20)
    _db.session.commit()

    first = manager_client.get("/board").get_data(as_text=True)
    every = manager_client.get("/board?alerts=all", headers=hx).get_data(as_text=True)

    assert 'data-figure="alerts">25<' in first
    assert len(re.findall(r'data-alert="\w+"', first)) == 10
    # 13:50 pack, then the picks from 13:00+1h (14:00 Paris) on, each minute
    assert alert_tasks(first)[:3] == [day.tasks.pack.id, picks[0], picks[1]]
    assert 'href="/board?alerts=all#alerts-title"' in first and "Show all 25" in first
    assert len(re.findall(r'data-alert="\w+"', every)) == 25
    assert set(picks) <= set(alert_tasks(every)) and day.tasks.restock.id in alert_tasks(every)
    assert 'hx-get="/board?alerts=all" hx-trigger="every 30s"' in every
    assert 'data-fewer="alerts"' in every and "Show all" not in every


def test_an_action_from_every_alert_comes_back_to_every_alert(manager_client, day):
    add_late_picks(day, 12)
    _db.session.commit()
    html = manager_client.get("/board?alerts=all").get_data(as_text=True)
    assert 'name="next" value="/board?alerts=all"' in html

    response = post(manager_client, f"/board/tasks/{day.tasks.restock.id}/priority", next="/board?alerts=all")

    assert response.status_code == 303 and response.headers["Location"] == "/board?alerts=all"


def test_assigning_starts_from_nobody_chosen(manager_client, day):
    html = manager_client.get("/board").get_data(as_text=True)
    chooser = re.search(rf'<select id="assign-{day.tasks.restock.id}" name="assignee_id">(.*?)</select>', html, re.S)

    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', chooser.group(1))
    assert options[0] == ("", "Assign to…") and "selected" not in chooser.group(1)
    assert [name for _id, name in options[1:]] == sorted(name for _id, name in options[1:])
    response = post(manager_client, f"/board/tasks/{day.tasks.restock.id}/assign", assignee_id="")
    assert response.status_code == 422 and "Choose who does this task." in response.get_data(as_text=True)


# --- no N+1 ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/board", "/board?alerts=all", "/board?day=2026-03-09"])
def test_the_board_costs_the_same_statements_for_one_or_many_tasks(manager_client, day, path):
    manager_client.get(path)  # warm the session and the CSRF token
    with factories.counted_statements() as few:
        assert manager_client.get(path).status_code == 200
    for n in range(25):
        person = day.alice if n % 2 else day.bob
        factories.task_with_history(
            day.rivoli, TaskKind.PICK if n % 3 else TaskKind.ISOLATE, paris(8), paris(13, n),
            [(TaskStatus.IN_PROGRESS, person, paris(10, n))]
            + ([(TaskStatus.DONE, person, paris(11, n))] if n % 4 else []),
            order_id=day.promised.id, product_id=day.phone.id)
    for n in range(5):
        factories.bare_order(day.rivoli, day.ready.status, DeliveryMethod.RESERVE,
                             appointment_at=paris(15) + timedelta(minutes=n))
    add_late_picks(day, 15)
    for n in range(5):  # the day before, for the history
        factories.task_with_history(day.rivoli, TaskKind.PICK, paris(8, days=-1), paris(10, n, days=-1),
                                    [(TaskStatus.IN_PROGRESS, day.alice, paris(9, n, days=-1)),
                                     (TaskStatus.DONE, day.alice, paris(9, 30 + n, days=-1))])
    _db.session.commit()

    with factories.counted_statements() as many:
        assert manager_client.get(path).status_code == 200

    assert len(many) == len(few)


def test_an_appointment_that_ended_its_reservation_stays_in_the_day_a_called_off_one_not(
        manager_client, day, db):
    from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
    from omni_store.orders.models import DeliveryMethod, OrderStatus
    from tests import factories

    slot = AppointmentSlot(location_id=day.rivoli.id, starts_at=paris(11),
                           length_minutes=30, capacity=2, expertise="smartphones")
    for number, outcome in (("W-HOME", BookingStatus.HOME_DELIVERY),
                            ("W-CALLED-OFF", BookingStatus.CANCELLED)):
        order = factories.bare_order(day.rivoli, OrderStatus.CANCELLED,
                                     DeliveryMethod.RESERVE, number=number,
                                     appointment_at=paris(11))
        db.session.add(Booking(location_id=day.rivoli.id, slot=slot, order_id=order.id,
                               status=outcome))
    db.session.flush()
    db.session.commit()
    html = manager_client.get("/board").get_data(as_text=True)
    card = html[html.index('class="card board-card board-appointments"'):]
    card = card[:card.index("</section>")]
    assert re.findall(r'<li data-order="([\w-]+)">', card) == ["W-HOME", "W-APPT1", "W-APPT2"]
    assert "Home delivery" in part(html, "data-order", "W-HOME")
