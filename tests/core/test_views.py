import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from sqlalchemy.exc import OperationalError

from omni_store.auth.models import Role
from omni_store.config import PROJECT_ROOT
from tests import factories

# Client requests reuse the `db` fixture's app context, where Flask-Babel and Flask-Login
# cache the locale and the user in `g`. A request that must read the session afresh is
# sent in a new app context, as a real server does.


def test_health_check_needs_no_sign_in_and_pings_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_health_check_reports_an_unreachable_database(client, db, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


def test_switching_to_french_translates_the_screens_and_returns_to_the_page(
        client, db, login, app, french_catalogue):
    login(Role.ASSOCIATE, factories.store())
    token = factories.csrf_token(client, "/")

    response = client.post("/lang", data={"csrf_token": token, "lang": "fr", "next": "/products?q=tv"})
    with app.app_context():
        today = client.get("/").get_data(as_text=True)

    assert response.headers["Location"] == "/products?q=tv"
    assert '<html lang="fr"' in today
    assert "Aujourd’hui" in today and "Recherche produit" in today and "Se déconnecter" in today
    assert "Today" not in today


def test_the_sign_in_page_can_be_read_in_french(client, db, app, french_catalogue):
    token = factories.csrf_token(client, "/login")

    client.post("/lang", data={"csrf_token": token, "lang": "fr", "next": "/login"})

    with app.app_context():
        assert "Se connecter" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("lang, next_url, landing", [
    ("xx", "/login", "/login"),  # an unknown language changes nothing
    ("fr", "https://evil.example/", "/"),
])
def test_language_switch_refuses_unknown_languages_and_foreign_sites(
        client, db, app, lang, next_url, landing):
    token = factories.csrf_token(client, "/login")

    response = client.post("/lang", data={"csrf_token": token, "lang": lang, "next": next_url})

    assert response.headers["Location"] == landing
    with app.app_context():
        assert f'<html lang="{lang if lang == "fr" else "en"}"' in client.get("/login").get_data(as_text=True)


def test_french_catalogue_is_complete(french_catalogue):
    untranslated = [m.id for m in french_catalogue if m.id and not m.string]
    fuzzy = [m.id for m in french_catalogue if m.id and m.fuzzy]

    assert untranslated == [] and fuzzy == []


def test_every_string_of_the_code_is_in_the_french_catalogue(french_catalogue):
    """A string added without `make extract-messages` would show in English to French users."""
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    in_code = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, *_rest in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=keywords)
    }
    catalogued = {m.id if isinstance(m.id, str) else m.id[0] for m in french_catalogue if m.id}

    assert sorted(in_code - catalogued) == []


def test_a_missing_page_gets_a_page_or_a_toast(client, db, login, hx):
    login(Role.ASSOCIATE, factories.store())

    page = client.get("/no-such-page")
    toast = client.get("/no-such-page", headers=hx)

    assert page.status_code == toast.status_code == 404
    message = "This page does not exist, or it belongs to another store."
    assert message in page.get_data(as_text=True) and 'href="/"' in page.get_data(as_text=True)
    assert message in toast.get_data(as_text=True) and "<html" not in toast.get_data(as_text=True)


def test_pages_carry_no_inline_script_or_style(client, db, login, app):
    """The CSP allows only files from this site: inline code would be blocked."""
    store = factories.store()
    factories.task(store, product_id=factories.product(name="Kettle").id)
    factories.stock(store, factories.product(name="Kettle mini"), 3)
    pages = [app.test_client().get("/login").get_data(as_text=True)]
    login(Role.ADMIN, store)
    for path in ("/", "/products?q=kettle", "/products?q=" + "x" * 200, "/no-such-page"):
        with app.app_context():
            response = client.get(path)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        pages.append(response.get_data(as_text=True))

    for html in pages:
        assert "<html" in html
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no onclick= and friends
        assert 'hx-headers=\'{"X-CSRFToken": "' in html
