"""The input layer: whole numbers, ids and texts, and the flush guard on column lengths."""
import pytest
from sqlalchemy import func, select

from omni_store.core.database import MAX_ROW_ID
from omni_store.core.errors import InvalidInput
from omni_store.core.forms import bounded_text, column_length, row_id, whole_number
from omni_store.orders.models import Customer
from tests import factories


@pytest.mark.parametrize("raw", ["9" * 5000, "²", "١٢", "٣", "-1", "+1", "1.0", "1e3", "0x1F",
                                 "1_000", "", " ", "1 000", "1000", "\x001"])
def test_anything_but_a_few_ascii_digits_in_range_is_refused_by_name(raw):
    with pytest.raises(InvalidInput) as refused:
        whole_number(raw, "Quantity", 1, 999)

    assert str(refused.value.message) == "Quantity must be a whole number from 1 to 999."
    assert refused.value.details == {"field": "Quantity"}


@pytest.mark.parametrize("raw, number", [("7", 7), (" 12 ", 12), ("007", 7), ("999", 999)])
def test_a_typed_number_in_range_is_read(raw, number):
    assert whole_number(raw, "Quantity", 1, 999) == number


@pytest.mark.parametrize("raw", ["0", str(MAX_ROW_ID + 1), "9" * 5000, "abc", "²"])
def test_an_id_no_row_can_have_gets_the_screen_s_own_message(raw):
    with pytest.raises(InvalidInput, match="Choose an offer from the list."):
        row_id(raw, "offer", "Choose an offer from the list.")


def test_a_text_longer_than_its_limit_is_refused_with_the_limit():
    assert bounded_text("x" * 80, 80, "First name") == "x" * 80
    with pytest.raises(InvalidInput, match="First name is too long: 80 characters at most."):
        bounded_text("x" * 81, 80, "First name")


def test_column_lengths_come_from_the_model():
    assert column_length(Customer.first_name) == 80
    assert column_length(Customer.email) == 254


def test_an_orm_write_longer_than_its_column_is_refused_on_every_database(db):
    """SQLite would store 10 kB in a VARCHAR(80); PostgreSQL would fail with a 500."""
    db.session.add(Customer(email="c@test.example", first_name="é" * 81))

    with pytest.raises(InvalidInput, match="First name is too long: 80 characters at most."):
        db.session.flush()
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_change_to_a_loaded_row_is_held_to_its_column_too(db):
    customer = Customer(email="c@test.example", first_name="Camille")
    db.session.add(customer)
    db.session.commit()

    customer.phone = "0" * 33
    with pytest.raises(InvalidInput, match="Phone is too long: 32 characters at most."):
        db.session.commit()
    db.session.rollback()

    assert db.session.scalar(select(Customer.phone)) == ""


@pytest.mark.parametrize("as_htmx", [False, True])
def test_a_nul_character_in_a_form_is_refused_before_any_view_reads_it(client, login, hx, as_htmx):
    """PostgreSQL fails any statement that compares text holding a NUL: a 422, not a 500."""
    login("associate", factories.store("PAR-RIV"))
    token = factories.csrf_token(client, "/")

    response = client.post("/store/counts", data={"product": "PHN\x00A", "zone": "S1", "csrf_token": token},
                           headers=hx if as_htmx else {})

    assert response.status_code == 422
    assert "product contains an invisible control character" in response.get_data(as_text=True)


def test_a_nul_character_in_a_query_string_is_refused_too(client, login):
    login("associate", factories.store("PAR-RIV"))

    response = client.get("/stock", query_string={"q": "PHN\x00"})

    assert response.status_code == 422
    assert "q contains an invisible control character" in response.get_data(as_text=True)
