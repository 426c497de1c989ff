"""The API trusts API keys only: never the session, never an unknown or disabled key."""
import pytest

from omni_store.auth.models import Role
from tests import factories

ENDPOINTS = [
    ("get", "/api/v1/products"),
    ("get", "/api/v1/availability?sku=X"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders/W000001"),
    ("post", "/api/v1/orders/W000001/cancel"),
    ("post", "/api/v1/stock/movements"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_no_key_is_401_problem(client, db, api_client_row, method, url):
    response = getattr(client, method)(url, json={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "Authorization: Bearer" in response.get_json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_key_is_401(client, api_client_row):
    response = client.get("/api/v1/products", headers={"Authorization": "Bearer not-the-key"})
    assert response.status_code == 401
    assert response.get_json()["detail"] == "This API key is unknown or disabled."


def test_other_scheme_is_401(client, api_client_row):
    response = client.get("/api/v1/products", headers={"Authorization": "Basic dGVzdA=="})
    assert response.status_code == 401


def test_disabled_client_is_401(client, db, api_client_row, auth):
    api_client_row.active = False
    db.session.commit()
    assert client.get("/api/v1/products", headers=auth).status_code == 401


def test_signed_in_staff_session_alone_is_401(client, login, api_client_row):
    login(Role.ADMIN)
    assert client.get("/api/v1/products").status_code == 401
    response = client.post("/api/v1/orders", json={"customer": {}})
    assert response.status_code == 401


def test_key_with_a_staff_session_runs_without_the_session_user(client, login, auth,
                                                              monkeypatch):
    """A browser that happens to carry a staff cookie gets nothing more through the API."""
    from flask_login import current_user

    from omni_store.api import queries

    login(Role.MANAGER, factories.store("PAR-AAA"))
    seen = []
    search = queries.search_catalogue

    def spying_search(*args):
        seen.append(current_user.is_authenticated)
        return search(*args)

    monkeypatch.setattr(queries, "search_catalogue", spying_search)
    response = client.get("/api/v1/products", headers=auth)
    assert response.status_code == 200
    assert seen == [False]


def test_openapi_needs_no_key(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_no_csrf_token_needed_with_a_key(client, auth):
    response = client.post("/api/v1/stock/movements", json={"movements": []}, headers=auth)
    assert response.status_code == 422  # reached the view: the CSRF check does not apply
