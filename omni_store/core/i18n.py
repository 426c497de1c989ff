"""Language and timezone of the person looking at the screen."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    languages = current_app.config["LANGUAGES"]
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def select_timezone() -> str | None:
    """Times are shown in the timezone of the store the user works in."""
    if has_request_context() and current_user.is_authenticated and current_user.store is not None:
        return current_user.store.timezone
    return None
