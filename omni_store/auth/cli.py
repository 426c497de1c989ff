"""Staff accounts from the command line: `flask users create|disable`."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from omni_store.auth.models import Role, User
from omni_store.extensions import db
from omni_store.network.models import Location, LocationKind

users_cli = AppGroup("users", help="Manage staff accounts.")

MIN_PASSWORD_LENGTH = 10
ROLES_WITH_A_STORE = frozenset({Role.ASSOCIATE, Role.MANAGER})


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, as colleagues see it.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--store", "store_code", help="Home store code, e.g. PAR-RIV (associates, managers).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, name: str, role: str, store_code: str | None,
                password_stdin: bool) -> None:
    """Create a staff account; the password is asked for, never defaulted."""
    email = email.strip().lower()
    role = Role(role)
    if "@" not in email or " " in email:
        raise click.BadParameter("this is not an email address.", param_hint="EMAIL")
    if not name.strip():
        raise click.BadParameter("the name cannot be empty.", param_hint="--name")
    if db.session.scalar(select(User.id).filter_by(email=email)):
        raise click.ClickException(f"A user with the email {email} already exists.")
    store = _home_store(store_code, role)
    password = _read_password(password_stdin)
    user = User(email=email, name=name.strip(), role=role, store_id=store.id if store else None)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    where = f" at {store.code}" if store else ""
    click.echo(f"Created {role} {email}{where}.")


def _home_store(code: str | None, role: Role) -> Location | None:
    if not code:
        if role in ROLES_WITH_A_STORE:
            raise click.UsageError("Associates and managers need a home store: add --store CODE.")
        return None
    store = db.session.scalar(
        select(Location).filter_by(code=code.strip().upper(), kind=LocationKind.STORE)
    )
    if store is None:
        raise click.BadParameter(f"no store has the code {code}.", param_hint="--store")
    return store


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"This password is too weak: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    return password


@users_cli.command("disable")
@click.argument("email")
def disable_user(email: str) -> None:
    """Stop an account from signing in and end the sessions it has open."""
    user = db.session.scalar(select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    user.active = False
    user.session_version += 1  # part of every session id: its open sessions stop working
    db.session.commit()
    click.echo(f"Disabled {user.email}; their open sessions have ended.")
