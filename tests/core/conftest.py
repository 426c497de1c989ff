import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from omni_store.config import PROJECT_ROOT
from tests.api.conftest import api_client_row, auth  # noqa: F401  (API calls in core tests)

FRENCH_PO = PROJECT_ROOT / "omni_store" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="session")
def french_catalogue():
    """The French catalogue as `make translations` compiles it, for a plain `pytest` run too."""
    with FRENCH_PO.open("rb") as po_file:
        catalogue = read_po(po_file, locale="fr")
    compiled = FRENCH_PO.with_suffix(".mo")
    if not compiled.exists() or compiled.stat().st_mtime < FRENCH_PO.stat().st_mtime:
        with compiled.open("wb") as mo_file:
            write_mo(mo_file, catalogue, use_fuzzy=True)
    return catalogue
