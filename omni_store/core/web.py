"""Rendering rules shared by every screen (DESIGN §7)."""
from flask import make_response, redirect, render_template, request


def wants_fragment() -> bool:
    """An htmx swap asks for the fragment; boosted links and history restores need the page."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page(page: str, fragment: str, status: int = 200, **context):
    """One view serves the full page or, for htmx, just its fragment."""
    response = make_response(render_template(fragment if wants_fragment() else page, **context), status)
    response.vary.add("HX-Request")
    return response


def go_to(url: str):
    """Navigate to another page: htmx follows HX-Redirect, a plain form a 303."""
    if wants_fragment():
        return "", 200, {"HX-Redirect": url}
    return redirect(url, 303)
