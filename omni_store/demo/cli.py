import time

import click
from flask.cli import AppGroup
from sqlalchemy import inspect

from omni_store.demo import people_data
from omni_store.demo import seed as demo_seed
from omni_store.extensions import db

demo_cli = AppGroup("demo", help="Demo chain.")


@demo_cli.command("seed")
@click.option("--reset", is_flag=True, help="Delete every row of every table first.")
@click.option("--yes", is_flag=True, help="Do not ask before --reset deletes everything.")
def seed_command(reset: bool, yes: bool) -> None:
    """Build the Maison Omni demo chain; running it again adds only what is missing."""
    if not inspect(db.session.connection()).has_table("location"):
        raise click.ClickException("The database has no tables yet: run `flask db upgrade` first.")
    if reset and not yes:
        click.confirm(f"Delete every row in {db.engine.url.render_as_string()}?", abort=True)
    started = time.perf_counter()
    if reset:
        demo_seed.delete_everything()
    demo_seed.seed_demo()
    db.session.commit()
    click.echo(f"Demo chain ready in {time.perf_counter() - started:.1f} s:")
    for line in demo_seed.summary():
        click.echo(f"  {line}")
    click.echo('Sign in as associate@rivoli.demo, manager@rivoli.demo or admin@omni.demo, '
               f'password "{people_data.DEMO_PASSWORD}"; API key "{people_data.API_CLIENT_KEY}".')
