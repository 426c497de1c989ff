"""Language and timezone of the person looking at the screen."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from babel import Locale, dates, numbers
from babel.support import Translations
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
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


@dataclass(frozen=True)
class Phrasebook:
    """The current language, looked up once for a batch of sentences.

    Flask-Babel's `gettext` and `format_*` find the request's translations and locale again
    on every call; a screen or an answer wording dozens of rows binds them here once.
    Call sites name the bound methods `_` and `ngettext`, so that extraction finds them.
    """

    translations: Translations
    locale: Locale

    def gettext(self, message: str, **variables) -> str:
        text = self.translations.ugettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return self.translations.ungettext(singular, plural, num) % variables

    def format_date(self, day: date, pattern: str) -> str:
        return dates.format_date(day, pattern, locale=self.locale)

    def format_currency(self, amount: float, currency: str) -> str:
        return numbers.format_currency(amount, currency, locale=self.locale)


def phrasebook() -> Phrasebook:
    return Phrasebook(get_translations(), get_locale())


def label(labels: Mapping, value, missing: str | None = None) -> str:
    """The words shown for a stored value (a status, a kind), translated now; the value
    itself, or `missing`, when it has none."""
    text = labels.get(value)
    if text is None:
        return value if missing is None else missing
    return str(text)


def translated(labels: Mapping) -> dict:
    """Every label of a table translated once, for a screen that shows many of them."""
    return {value: str(text) for value, text in labels.items()}
