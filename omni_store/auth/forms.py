from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


def _normalise_email(value: str | None) -> str | None:
    return value.strip().lower() if value else value


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        filters=[_normalise_email],
        validators=[DataRequired(_l("Enter your email.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=200)],
    )
