"""`flask users create|disable`: what an administrator types, and what they get back."""
import pytest
from sqlalchemy import func, select

from omni_store.auth.models import Role, User
from tests import factories

GOOD_PASSWORD = "correct-horse-battery"


@pytest.fixture
def users_cli(app, db):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=["users", *args], input=input)

    return run


@pytest.fixture
def rivoli(db):
    store = factories.store("PAR-RIV")
    db.session.commit()
    return store


def _user(db, email):
    return db.session.scalar(select(User).filter_by(email=email))


def _user_count(db):
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_asks_for_the_password_twice_and_stores_only_its_hash(users_cli, db, rivoli):
    result = users_cli("create", "Lea.Moreau@Example.com", "--name", "Léa Moreau",
                       "--role", "associate", "--store", "par-riv",
                       input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Created associate lea.moreau@example.com at PAR-RIV." in result.output
    assert GOOD_PASSWORD not in result.output  # typed hidden, never echoed
    user = _user(db, "lea.moreau@example.com")
    assert (user.name, user.role, user.store_id, user.active) == (
        "Léa Moreau", Role.ASSOCIATE, rivoli.id, True)
    assert user.password_hash != GOOD_PASSWORD
    assert user.check_password(GOOD_PASSWORD)


def test_create_reads_the_password_from_stdin_for_scripts(users_cli, db, rivoli):
    result = users_cli("create", "manager@example.com", "--name", "Julien Lefèvre",
                       "--role", "manager", "--store", "PAR-RIV", "--password-stdin",
                       input=f"{GOOD_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password" not in result.output  # no prompt
    assert _user(db, "manager@example.com").check_password(GOOD_PASSWORD)


def test_an_admin_needs_no_store(users_cli, db):
    result = users_cli("create", "admin@example.com", "--name", "Admin", "--role", "admin",
                       "--password-stdin", input=f"{GOOD_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert _user(db, "admin@example.com").store_id is None


def test_mismatched_confirmation_is_asked_again(users_cli, db, rivoli):
    result = users_cli("create", "lea@example.com", "--name", "Léa", "--role", "associate",
                       "--store", "PAR-RIV",
                       input="\n".join([GOOD_PASSWORD, "typo-horse-battery"] + [GOOD_PASSWORD] * 2))

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert _user(db, "lea@example.com").check_password(GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "associate", "--store", "PAR-RIV"], "at least 10 characters"),
        (["--role", "associate", "--store", "PAR-XXX"], "no store has the code PAR-XXX"),
        (["--role", "associate"], "need a home store"),
        (["--role", "manager"], "need a home store"),
        (["--role", "cashier", "--store", "PAR-RIV"], "'cashier' is not one of"),
    ],
    ids=["weak password", "unknown store", "associate without store", "manager without store",
         "unknown role"],
)
def test_bad_input_is_refused_with_a_clear_message(users_cli, db, rivoli, args, message):
    result = users_cli("create", "lea@example.com", "--name", "Léa", *args, "--password-stdin",
                       input="short\n")

    assert result.exit_code != 0
    assert message in result.output
    assert _user_count(db) == 0


def test_a_store_must_be_a_store_not_a_warehouse(users_cli, db):
    factories.warehouse("WH-WIS")
    db.session.commit()

    result = users_cli("create", "lea@example.com", "--name", "Léa", "--role", "associate",
                       "--store", "WH-WIS", "--password-stdin", input=f"{GOOD_PASSWORD}\n")

    assert result.exit_code != 0
    assert "no store has the code WH-WIS" in result.output


def test_an_email_is_taken_once_whatever_its_case(users_cli, db, rivoli):
    factories.user(Role.ASSOCIATE, rivoli, email="lea@example.com")
    db.session.commit()

    result = users_cli("create", "LEA@example.com", "--name", "Léa bis", "--role", "associate",
                       "--store", "PAR-RIV", "--password-stdin", input=f"{GOOD_PASSWORD}\n")

    assert result.exit_code != 0
    assert "A user with the email lea@example.com already exists." in result.output
    assert _user_count(db) == 1


def test_an_invalid_email_is_refused(users_cli, db, rivoli):
    result = users_cli("create", "lea-at-example.com", "--name", "Léa", "--role", "associate",
                       "--store", "PAR-RIV", "--password-stdin", input=f"{GOOD_PASSWORD}\n")

    assert result.exit_code != 0
    assert "this is not an email address" in result.output
    assert _user_count(db) == 0


def test_disable_signs_the_user_out_everywhere(users_cli, db, client, login, rivoli):
    user = login(Role.ASSOCIATE, rivoli, email="lea@example.com")
    assert client.get("/").status_code != 302  # signed in: the day's tasks, not the login page

    result = users_cli("disable", "LEA@example.com")

    assert result.exit_code == 0, result.output
    assert "Disabled lea@example.com" in result.output
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    db.session.refresh(user)
    assert user.active is False


def test_disable_an_unknown_user_fails(users_cli, db):
    result = users_cli("disable", "nobody@example.com")

    assert result.exit_code != 0
    assert "No user has the email nobody@example.com." in result.output
