"""The words templates print for statuses and kinds: one place, every value covered."""
import re
from pathlib import Path

from omni_store.templating import HELPERS, LABELS

TEMPLATES = Path(__file__).parents[2] / "templates"


def test_every_status_and_kind_has_its_words():
    for name, (labels, missing) in LABELS.items():
        enum = type(next(iter(labels)))
        if missing is not None:
            continue  # some values deliberately show nothing (a booking still open)
        assert set(labels) == set(enum), f"{name} misses {set(enum) - set(labels)}"


def test_every_global_a_template_calls_is_registered_for_the_whole_app(app):
    called = set()
    for template in TEMPLATES.rglob("*.html"):
        called |= set(re.findall(r"\b(\w+_label|qr_svg|qr|code128)\(", template.read_text()))
    assert called <= set(app.jinja_env.globals), called - set(app.jinja_env.globals)
    assert set(LABELS) | set(HELPERS) <= set(app.jinja_env.globals)


def test_a_label_falls_back_to_the_stored_value(app):
    with app.test_request_context():
        order_status_label = app.jinja_env.globals["order_status_label"]
        assert order_status_label("ready") == "Ready to collect"
        assert order_status_label("no_such_status") == "no_such_status"
        assert app.jinja_env.globals["booking_outcome_label"]("booked") == ""
