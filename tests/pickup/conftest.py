import pytest

from omni_store.auth.models import Role
from tests.counter.conftest import shop  # noqa: F401  (the same store set-up as the counter's)


@pytest.fixture
def associate(login, shop):  # noqa: F811
    return login(Role.ASSOCIATE, shop.store)


@pytest.fixture
def phone(app, db):
    """The customer's phone: a second client with no session."""
    return app.test_client()
