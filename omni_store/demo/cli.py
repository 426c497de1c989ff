import time

import click
from flask.cli import AppGroup
from sqlalchemy import inspect

from omni_store.demo import people_data
from omni_store.demo import scale as demo_scale
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


_SIZE = demo_scale.ChainSize()


@demo_cli.command("scale")
@click.option("--stores", type=click.IntRange(0), default=_SIZE.stores, show_default=True,
              help="Stores in the whole chain (the demo's 12 included).")
@click.option("--warehouses", type=click.IntRange(0), default=_SIZE.warehouses, show_default=True)
@click.option("--skus", type=click.IntRange(0), default=_SIZE.skus, show_default=True,
              help="Products in the catalog.")
@click.option("--offers", type=click.IntRange(0), default=_SIZE.offers, show_default=True,
              help="Marketplace offers.")
@click.option("--open-orders", type=click.IntRange(0), default=_SIZE.open_orders, show_default=True,
              help="Orders still open (sourced, picking or ready).")
@click.option("--sellers", type=click.IntRange(0), default=_SIZE.sellers, show_default=True,
              help="Marketplace sellers.")
def scale_command(stores: int, warehouses: int, skus: int, offers: int, open_orders: int,
                  sellers: int) -> None:
    """Grow the demo chain to a real chain's size, for benchmarks.

    Run it on a database built by `flask demo seed`. A second run writes nothing: a chain
    already at least this big says so; a bigger one needs `flask demo seed --reset --yes` first.
    """
    size = demo_scale.ChainSize(stores=stores, warehouses=warehouses, skus=skus, offers=offers,
                                open_orders=open_orders, sellers=sellers)
    started = time.perf_counter()
    try:
        summary = demo_scale.scale_chain(size)
    except demo_scale.ScaleRefused as refused:
        raise click.ClickException(str(refused)) from None
    except demo_scale.InvariantBroken as broken:
        raise click.ClickException(f"The chain breaks the stock rules, nothing was kept: {broken}") from None
    click.echo(f"Chain scale in {time.perf_counter() - started:.1f} s:")
    for line in summary:
        click.echo(f"  {line}")
