import time

import pytest

from omni_store.auth import throttle
from omni_store.auth.models import Role, User
from tests import factories

# The `db` fixture holds an app context that client requests reuse, so Flask-Login's
# user cached in `g` would leak from one request to the next. Where a test checks what
# the session cookie alone gives, it sends the request in a new app context (a fresh
# `g`), as a real server does.


def sign_in(client, email, password, next_url=None):
    token = factories.csrf_token(client, "/login")
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


def test_right_password_signs_in_and_lands_on_today(client, db, app):
    store = factories.store(code="PAR-RIV", name="Paris Rivoli")
    factories.user(Role.ASSOCIATE, store, email="lea@test.example", password="right-pass")
    db.session.commit()

    response = sign_in(client, "  Lea@Test.example ", "right-pass")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with app.app_context():
        today = client.get("/").get_data(as_text=True)
    assert "PAR-RIV" in today and "Paris Rivoli" in today
    assert "Sales associate" in today


@pytest.mark.parametrize("email, password", [
    ("lea@test.example", "wrong-pass"),
    ("nobody@test.example", "right-pass"),
])
def test_wrong_email_or_password_gets_the_same_message_and_no_session(client, db, app, email, password):
    factories.user(Role.ASSOCIATE, factories.store(), email="lea@test.example", password="right-pass")
    db.session.commit()

    response = sign_in(client, email, password)

    assert response.status_code == 200
    assert "Wrong email or password." in response.get_data(as_text=True)
    with app.app_context():
        assert client.get("/").status_code == 302


def test_disabled_account_is_refused_even_with_the_right_password(client, db, app):
    user = factories.user(Role.ASSOCIATE, factories.store(), email="gone@test.example", password="right-pass")
    user.active = False
    db.session.commit()

    response = sign_in(client, "gone@test.example", "right-pass")

    assert "This account is disabled" in response.get_data(as_text=True)
    with app.app_context():
        assert client.get("/").status_code == 302


@pytest.mark.parametrize("next_url, landing", [
    ("/products?q=phone", "/products?q=phone"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_only_leads_to_a_page_of_this_site(client, db, next_url, landing):
    factories.user(Role.ASSOCIATE, factories.store(), email="lea@test.example", password="right-pass")
    db.session.commit()

    response = sign_in(client, "lea@test.example", "right-pass", next_url=next_url)

    assert response.headers["Location"] == landing


def test_eleventh_attempt_in_a_minute_is_refused_with_a_clear_message(client, db, app):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
    token = factories.csrf_token(client, "/login")

    def attempt(n):  # other accounts each time: the address's limit, not an account's
        return client.post("/login", data={"csrf_token": token, "email": f"x{n}@test.example",
                                           "password": "guess"})

    statuses = [attempt(n).status_code for n in range(10)]
    eleventh = attempt(10)

    assert statuses == [200] * 10
    assert eleventh.status_code == 429
    assert "Too many attempts. Wait a minute and try again." in eleventh.get_data(as_text=True)


def test_sign_out_ends_the_session_and_a_copied_cookie_no_longer_works(client, db, login, app):
    user = login(Role.ASSOCIATE, factories.store())
    token = factories.csrf_token(client, "/")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    with app.app_context():
        assert thief.get("/").status_code == 200  # the copy works while the session lives

    response = client.post("/logout", data={"csrf_token": token})

    assert response.headers["Location"] == "/login"
    assert db.session.get(User, user.id).session_version == 2
    with app.app_context():
        assert thief.get("/").headers["Location"].startswith("/login")
        assert client.get("/").headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/", "/products", "/products?q=phone"])
def test_every_page_requires_sign_in(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/logout", "/store"])
def test_every_action_requires_sign_in(client, db, path):
    response = client.post(path, data={"csrf_token": factories.csrf_token(client, "/login")})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_an_htmx_request_without_session_reloads_on_the_sign_in_page(client, db, hx):
    response = client.get("/", headers={**hx, "HX-Current-URL": "http://localhost/products?q=tv"})

    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/products?q%3Dtv"
    assert "<html" not in response.get_data(as_text=True)


def test_a_post_without_csrf_token_is_refused_with_a_message(client, db, login, app):
    login(Role.ASSOCIATE, factories.store())

    response = client.post("/logout")

    assert response.status_code == 400
    assert "This form has expired. Reload the page and try again." in response.get_data(as_text=True)
    with app.app_context():
        assert client.get("/").status_code == 200  # still signed in


def test_a_post_without_csrf_token_from_htmx_gets_a_toast(client, db, login, hx):
    login(Role.ASSOCIATE, factories.store())

    response = client.post("/logout", headers=hx)

    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="toast toast-error"' in body and "<html" not in body


def test_admin_switches_the_store_they_look_at(client, db, login):
    lyon = factories.store(code="LYO-BEL", name="Lyon Bellecour")
    paris = factories.store(code="PAR-RIV", name="Paris Rivoli")
    factories.task(lyon, product_id=factories.product(name="Lyon kettle").id)
    factories.task(paris, product_id=factories.product(name="Paris toaster").id)
    login(Role.ADMIN)

    first = client.get("/").get_data(as_text=True)
    response = client.post("/store", data={"csrf_token": factories.csrf_token(client, "/"),
                                           "store_id": paris.id, "next": "/"})
    after = client.get("/").get_data(as_text=True)

    assert "Lyon kettle" in first and "Paris toaster" not in first  # first store by code
    assert response.headers["Location"] == "/"
    assert "Paris toaster" in after and "Lyon kettle" not in after
    assert 'id="store-switch"' in after


def test_only_an_admin_may_switch_store(client, db, login):
    store = factories.store()
    other = factories.store()
    login(Role.MANAGER, store)

    response = client.post("/store", data={"csrf_token": factories.csrf_token(client, "/"),
                                           "store_id": other.id})

    assert response.status_code == 403
    assert 'id="store-switch"' not in client.get("/").get_data(as_text=True)


def test_switching_to_a_warehouse_is_refused(client, db, login):
    warehouse = factories.location(kind="warehouse")
    login(Role.ADMIN, factories.store())

    response = client.post("/store", data={"csrf_token": factories.csrf_token(client, "/"),
                                           "store_id": warehouse.id})

    assert response.status_code == 404
    assert "This store does not exist." in response.get_data(as_text=True)


# --- wrong passwords per account ---------------------------------------------------------


def sign_in_from(client, address, email, password):
    token = factories.csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_five_wrong_passwords_from_five_addresses_stop_the_account_for_a_few_minutes(
        client, db, app):
    factories.user(Role.ASSOCIATE, factories.store(), email="lea@test.example", password="right-pass")
    db.session.commit()

    wrong = [sign_in_from(client, f"203.0.113.{n}", "lea@test.example", "guess").status_code
             for n in range(5)]
    sixth = sign_in_from(client, "203.0.113.9", " LEA@test.example", "right-pass")
    other_account = sign_in_from(client, "203.0.113.9", "nobody@test.example", "guess")

    assert wrong == [200] * 5
    assert sixth.status_code == 429  # even the right password: else a guess would get through
    assert ("Too many wrong passwords for this account. Wait 5 minutes or ask your manager."
            in sixth.get_data(as_text=True))
    with app.app_context():
        assert client.get("/").status_code == 302  # not signed in
    assert other_account.status_code == 200  # the address itself is not blocked


def test_the_account_opens_again_once_the_window_has_passed(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "2 per 1 second")
    factories.user(Role.ASSOCIATE, factories.store(), email="lea@test.example", password="right-pass")
    db.session.commit()
    for n in range(2):
        sign_in_from(client, f"203.0.113.{n}", "lea@test.example", "guess")
    refused = sign_in_from(client, "203.0.113.5", "lea@test.example", "right-pass")

    time.sleep(1.1)
    later = sign_in_from(client, "203.0.113.5", "lea@test.example", "right-pass")

    assert refused.status_code == 429 and "Wait 1 minute or ask" in refused.get_data(as_text=True)
    assert later.status_code == 302


def test_a_browser_the_user_signed_in_on_is_not_locked_out_by_others_guessing(client, db, app):
    user = factories.user(Role.ASSOCIATE, factories.store(), email="lea@test.example",
                          password="right-pass")
    db.session.commit()
    assert sign_in(client, "lea@test.example", "right-pass").status_code == 302
    assert client.get_cookie(throttle.KNOWN_DEVICE_COOKIE).http_only
    with app.app_context():
        client.post("/logout", data={"csrf_token": factories.csrf_token(client, "/")})
    attacker = app.test_client()
    for n in range(6):
        sign_in_from(attacker, f"198.51.100.{n}", "lea@test.example", "guess")
    locked_out = sign_in_from(attacker, "198.51.100.9", "lea@test.example", "right-pass")

    back = sign_in(client, "lea@test.example", "right-pass")

    assert locked_out.status_code == 429
    assert back.status_code == 302
    with app.app_context():
        assert "Sales associate" in client.get("/").get_data(as_text=True)
    assert db.session.get(User, user.id).active
