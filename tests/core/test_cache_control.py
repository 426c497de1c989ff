"""Staff screens and API answers are one person's data: no cache may keep them."""
from omni_store.auth.models import Role
from tests import factories

PRIVATE = "private, no-store"


def test_staff_pages_fragments_and_errors_are_never_stored(client, db, login, hx):
    login(Role.ASSOCIATE, factories.store())

    for response in (client.get("/"), client.get("/", headers=hx), client.get("/no-such-page")):
        assert response.headers["Cache-Control"] == PRIVATE


def test_the_sign_in_page_and_a_redirect_to_it_are_never_stored(client, db):
    for response in (client.get("/login"), client.get("/")):
        assert response.headers["Cache-Control"] == PRIVATE


def test_api_answers_are_never_stored(client, db, auth):
    assert client.get("/api/v1/products", headers=auth).headers["Cache-Control"] == PRIVATE
    assert client.get("/api/v1/products").headers["Cache-Control"] == PRIVATE  # the 401


def test_static_files_keep_their_own_caching(client, db):
    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
