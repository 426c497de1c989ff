"""Every form a screen posts, fuzzed with a valid CSRF token: never a 5xx, and a refusal
writes nothing (issue 10).

The demo chain is seeded once for the module. Each POST route of the screens gets
hostile values (5,000 digits, 10 kB of text, NUL bytes, "²", 1e999, ids no table
holds, another store's rows) in the fields the templates name, for the signed-in
manager of PAR-RIV (the admin for the admin screens). A write is noticed at the
database: a 4xx answer must not have committed any INSERT, UPDATE or DELETE.
"""
import os
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from omni_store.appointments.models import AppointmentSlot, Booking
from omni_store.auth.models import User
from omni_store.catalog.models import Barcode, Offer, Product
from omni_store.core.clock import utcnow
from omni_store.counter.models import RefusalReason
from omni_store.config import PROJECT_ROOT
from omni_store.extensions import db as _db
from omni_store.network.models import Location, Zone
from omni_store.orders.models import Order, OrderLine, OrderStatus
from omni_store.orders.weighted_rules import SETTING_FIELDS
from omni_store.returns.models import Disposition, Return, ReturnCondition, ReturnLine
from omni_store.returns.services import start_return
from omni_store.shuttles.models import Parcel, ShuttleRun
from omni_store.tasks.models import Task, TaskKind
from omni_store.tasks.picking import SHORT_PICK_REASONS
from tests.fuzz.conftest import ADMIN, MANAGER, STORE, CommittedWrites, signed_in

# CI size; the long variant: FUZZ_EXAMPLES=500 pytest tests/fuzz
EXAMPLES_PER_ROUTE = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Refusals that must be remembered: a wrong pickup code counts towards the lock.
WRITES_A_REFUSAL_KEEPS = {"counter.hand_over_with_code": {"pickup_token"}}


def _template_field_names() -> list[str]:
    names = set()
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'name="([A-Za-z_][\w-]*)"', template.read_text()))
    names -= {"csrf_token", "viewport", "robots", "htmx-config"}
    # Fields rendered by WTForms or from a list rather than written in a template.
    names |= {"password", "remember", *(field.name for field in SETTING_FIELDS)}
    return sorted(names)


HOSTILE = st.one_of(
    st.sampled_from([
        "", " ", "0", "-1", "1", "2", "7", "92.0", "1e999", "nan", "inf", "²", "١٢", "\x00",
        "1\x00", "٣", "0x1F", "+1", "1_000", str(2**31), str(2**63), "9" * 5000, "x" * 10_000,
        "é" * 301, "<script>alert(1)</script>", "' OR 1=1 --", "PHN-A", "1:1", "1:-1",
        "99999999:1", "on", "all", "release", "pause", "resume", "fr", "en",
    ]),
    st.text(max_size=40),
    st.integers(min_value=-10, max_value=10**12).map(str),
)


@pytest.fixture(scope="module")
def chain(app, seeded_chain):
    with app.app_context():
        pools = _pools()
        _db.session.remove()  # ends its transaction: on SQLite it would hold the write lock
    return pools


def _pools() -> dict[str, list[str]]:
    """For each URL argument, real rows of the store and of others, and ids no row has."""
    store_id = _db.session.scalar(select(Location.id).filter_by(code=STORE))
    for order in _db.session.scalars(select(Order).where(Order.status.in_(
            [OrderStatus.HANDED_OVER, OrderStatus.SHIPPED])).limit(3)):
        start_return(order, store_id, None)  # so that the returns screens have rows to fuzz
    _db.session.commit()

    def ids(column, where=None, limit=12) -> list[str]:
        mine = select(column).where(where) if where is not None else select(column)
        theirs = select(column).where(~where) if where is not None else select(column).limit(0)
        return [str(v) for v in (*_db.session.scalars(mine.limit(limit)),
                                 *_db.session.scalars(theirs.limit(3)))]

    junk = ["0", str(2**31 - 1)]
    pools = {
        "task_id": [task_id for kind in TaskKind  # each screen serves one kind of task
                    for task_id in ids(Task.id, (Task.location_id == store_id) & (Task.kind == kind), 4)],
        "order_id": ids(Order.id, Order.pickup_location_id == store_id),
        "line_id": ids(OrderLine.id) + ids(ReturnLine.id),
        "booking_id": ids(Booking.id, Booking.location_id == store_id),
        "slot_id": ids(AppointmentSlot.id, AppointmentSlot.location_id == store_id),
        "return_id": ids(Return.id, Return.location_id == store_id),
        "run_id": ids(ShuttleRun.id),
        "code": [str(c) for c in _db.session.scalars(select(Parcel.code).limit(15))] + ["NOPE"],
        "token": ["not-a-token", "x" * 300],
    }
    pools = {name: values + junk for name, values in pools.items()}
    products = _db.session.scalars(select(Product.id).limit(5)).all()
    lines = pools["line_id"][:6]
    pools["_fields"] = _template_field_names() + [f"count-{p}" for p in products] \
        + [f"{prefix}-{line}" for line in lines for prefix in ("refuse", "reason")]
    pools["_plausible"] = _plausible_values(store_id, pools, products)
    return pools


def _plausible_values(store_id: int, pools: dict, products: list[int]) -> dict[str, list[str]]:
    """What a real form sends in each field, so that a fuzzed form gets past its first fields."""
    def values(column, *where, limit=5) -> list[str]:
        return [str(v) for v in _db.session.scalars(select(column).where(*where).limit(limit))]

    barcodes, skus = values(Barcode.code), values(Product.sku)
    zones = values(Zone.code, Zone.location_id == store_id, limit=8)
    locations = values(Location.code)
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    return {
        "barcode": barcodes, "scan": barcodes, "code": barcodes + pools["code"][:3],
        "sku": skus, "product": skus + barcodes, "q": skus, "lines": [f"{sku} 1" for sku in skus],
        "zone": zones, "slot": zones + pools["slot_id"][:3], "source": locations,
        "store": locations, "store_id": values(Location.id), "assignee_id": values(User.id),
        "offer": values(Offer.id), "offer_id": values(Offer.id), "slot_id": pools["slot_id"][:4],
        "order_line_id": pools["line_id"][:4], "line_id": pools["line_id"][:4],
        "quantity": ["1", "2"], "counted": ["0", "1", "3"], "missing": ["1"], "progress": ["0", "1"],
        "capacity": ["2"], "length_minutes": ["30"], "step": [f"{p}:1" for p in products],
        "reason": [*RefusalReason, *SHORT_PICK_REASONS, "Too small"],
        "condition": list(ReturnCondition), "disposition": list(Disposition),
        "day": [tomorrow], "first": ["10:00"], "last": ["12:00"], "expertise": ["Smartphones"],
        "email": ["ana@example.fr"], "first_name": ["Ana"], "last_name": ["Lopez"],
        "phone": ["0612345678"], "address": ["12 rue de Rivoli, 75001 Paris"],
        "latitude": ["48.86"], "longitude": ["2.35"], "action": ["pause", "resume"],
        "pickup_code": ["123456"], "password": ["demo"], "lang": ["fr"], "next": ["/board/"],
        **{f"count-{p}": ["1"] for p in products},
    }


def _form_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and not rule.rule.startswith("/api/")),
                  key=lambda rule: rule.endpoint)


def _rule_ids():
    from omni_store import create_app
    return [rule.endpoint for rule in _form_rules(create_app({"SECRET_KEY": "x",
                                                              "SQLALCHEMY_DATABASE_URI": "sqlite://"}))]


@pytest.mark.parametrize("endpoint", _rule_ids())
def test_hostile_form_values_are_refused_clearly_and_write_nothing(app, chain, endpoint):
    rule = next(r for r in _form_rules(app) if r.endpoint == endpoint)
    client, token = signed_in(app, ADMIN if endpoint.startswith("orders_admin.") else MANAGER)

    # Each field is absent, plausible or hostile: most forms get past a field or two.
    form = st.fixed_dictionaries({
        name: st.one_of(st.none(), plausible, plausible, HOSTILE)
        for name in chain["_fields"]
        for plausible in [st.sampled_from(chain["_plausible"].get(name, ["1"]))]
    }).map(lambda drawn: {name: value for name, value in drawn.items() if value is not None})
    url_values = st.fixed_dictionaries({arg: st.sampled_from(chain[arg]) for arg in rule.arguments})

    @settings(max_examples=EXAMPLES_PER_ROUTE, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(url_values, form, st.booleans())
    def post_hostile_form(arguments, form, as_htmx):
        url = rule.build(arguments, append_unknown=False)[1]
        headers = {"HX-Request": "true"} if as_htmx else {}
        with app.app_context(), CommittedWrites(_db.engine) as writes:
            response = client.post(url, data={**form, "csrf_token": token}, headers=headers)
        assert response.status_code < 500, (url, form, response.get_data(as_text=True)[:400])
        if 400 <= response.status_code < 500:
            allowed = WRITES_A_REFUSAL_KEEPS.get(endpoint, set())
            assert writes.committed <= allowed, (url, form, response.status_code, writes.committed)

    post_hostile_form()


def _screen_get_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static"))),
                  key=lambda rule: rule.endpoint)


QUERY_NAMES = ["alerts", "all", "code", "day", "lines", "next", "placed", "q", "saved", "show",
               "store", "more", "published", "page"]


def test_hostile_query_strings_never_break_a_screen(app, chain):
    """The same values in the query string of every screen a user can open: never a 5xx."""
    client, _token = signed_in(app, MANAGER)
    rules = _screen_get_rules(app)

    @settings(max_examples=len(rules) * 4, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(rules).flatmap(lambda rule: st.tuples(
        st.just(rule),
        st.fixed_dictionaries({arg: st.sampled_from(chain[arg]) for arg in rule.arguments}),
        st.dictionaries(st.sampled_from(QUERY_NAMES), HOSTILE, max_size=4))))
    def open_with_hostile_query(drawn):
        rule, arguments, query = drawn
        url = rule.build(arguments, append_unknown=False)[1]
        with app.app_context():
            response = client.get(url, query_string=query)
        assert response.status_code < 500, (url, query, response.get_data(as_text=True)[:400])

    open_with_hostile_query()
