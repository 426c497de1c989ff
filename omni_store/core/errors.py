"""Domain errors carry a message for the user; one handler renders them (DESIGN §6)."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused the action. `message` is shown to the user as it is."""

    status_code = 409
    default_message = _l("This action is not possible.")

    def __init__(self, message=None, **details):
        self.message = message or self.default_message
        self.details = details
        super().__init__(str(self.message))


class NotFound(DomainError):
    status_code = 404
    default_message = _l("Not found.")


class InvalidInput(DomainError):
    status_code = 422
    default_message = _l("Please check what you entered.")


class NotAvailable(DomainError):
    """Stock could not be allocated: the caller re-sources or refuses the order."""

    status_code = 409
    default_message = _l("Not enough stock available.")


class Forbidden(DomainError):
    status_code = 403
    default_message = _l("You are not allowed to do this.")
