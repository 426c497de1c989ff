"""An admin tunes the sourcing weights and simulates an order without allocating it."""
from playwright.sync_api import expect

from omni_store.demo.catalog_data import PHONE_A_SKU
from tests.browser.conftest import PHONE, TABLET, screenshot, sign_in


def test_admin_saves_weights_and_simulates(live_server, new_page):
    page = new_page(TABLET)
    sign_in(page, live_server, "admin@omni.demo")
    page.click("nav >> text=Sourcing")
    page.fill("#sourcing-carbon_weight", "2")
    page.click("#sourcing button.button-primary")
    expect(page.locator("[role=status]")).to_contain_text("Sourcing rules saved.")

    page.fill("#simulate-lines", f"{PHONE_A_SKU} 1")
    page.select_option("#simulate-store", "PAR-RIV")
    page.click("#sourcing form[method=get] button[type=submit]")
    # Other browser tests of the module may have taken units: check the wording, not the store.
    expect(page.locator(".simulation-sources")).to_contain_text(" chosen: ")
    expect(page.locator(".simulation-sources")).to_contain_text("runner-up")
    screenshot(page, "sourcing-admin-tablet")
    assert not page.console_errors

    phone = new_page(PHONE)
    sign_in(phone, live_server, "admin@omni.demo")
    phone.goto(f"{live_server}/admin/sourcing")
    screenshot(phone, "sourcing-admin-phone")
    assert not phone.console_errors
