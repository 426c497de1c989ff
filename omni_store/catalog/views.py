"""Product lookup: what the store holds of a product, by name, SKU or scanned barcode."""
from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import roles_required
from omni_store.catalog import queries
from omni_store.catalog.forms import ProductLookupForm
from omni_store.core.web import render_page
from omni_store.inventory.models import Channel

bp = Blueprint("catalog", __name__)

CHANNEL_LABELS = {
    Channel.WEB: _l("Web"),
    Channel.STORE: _l("In store"),
    Channel.MARKETPLACE: _l("Marketplace"),
}


@bp.get("/products")
@roles_required(*STAFF_ROLES)
def lookup():
    form = ProductLookupForm(request.args)
    search = queries.search_products(form.q.data) if form.q.data and form.validate() else None
    return render_page("catalog/lookup.html", "catalog/_results.html", form=form, search=search)


@bp.app_template_global()
def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))
