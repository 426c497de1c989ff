"""`flask demo scale`: the demo chain grown to a real chain's size, for benchmarks (DESIGN §11).

It grows a database built by `flask demo seed`; the demo's own stores, catalog, people and
day stay as they are. Around them come stores across France with their zones, hold slots,
staff and shuttle routes, more warehouses, a chain-scale catalog, marketplace sellers and
offers, ~2 M stock levels, channel buffers, advice slots, and open orders in every delivery
method and open state with the allocations, tasks, parcels, shuttle runs, holds and bookings
their state implies. Every size is a total for the whole chain, the demo's rows included.

How it stays both fast and true to the services (DESIGN §2–3):
- Everything is planned in memory first (the stock plan, then the orders allocating from it
  under the same ATP and buffer rules), then written once, in one transaction: SQLAlchemy Core
  executemany on SQLite, COPY on PostgreSQL. Ids continue after the existing rows.
- Each stock level is written with the movements that make it: a receipt (a sale, a damaged
  unit set aside), an allocate per allocation, and the transfer out, shipment and transfer in
  of parcels that left or arrived. Allocations only draw on levels this command creates.
- SQL aggregates then check the invariants (levels = movement sums, nothing over-allocated,
  allocated = the active allocations, slots within capacity, foreign keys on SQLite); one
  that does not hold rolls everything back.

Only a demo database is grown: without the demo's admin, API client and PAR-RIV nothing is
written. A second run writes nothing either: the chain says it is at chain scale, and asking
for a bigger one means starting over (`flask demo seed --reset --yes`, then scale again).
Runs are reproducible: every random choice comes from fixed seeds (times follow the clock).
"""
import time as timer
from collections.abc import Callable

import click

from omni_store.demo.scale.builder import Builder
from omni_store.demo.scale.checks import check_invariants, summary
from omni_store.demo.scale.existing import Chain
from omni_store.demo.scale.terms import SCALE_REFERENCE, ChainSize, InvariantBroken, ScaleRefused
from omni_store.demo.scale.writing import Writer, after_load, bulk_settings
from omni_store.extensions import db

__all__ = ["SCALE_REFERENCE", "ChainSize", "InvariantBroken", "ScaleRefused", "check_invariants",
           "scale_chain"]


ProgressBar = Callable[..., object]  # click.progressbar's signature


def scale_chain(size: ChainSize, echo: Callable[[str], None] = click.echo,
                progressbar: ProgressBar = click.progressbar) -> list[str]:
    """Grow the demo chain to `size` in one transaction; returns the summary lines.

    Raises ScaleRefused (nothing written) or InvariantBroken (everything rolled back).
    """
    db.session.close()  # its connection must not hold the SQLite write lock we are about to take
    with db.engine.connect() as conn:
        with bulk_settings(conn):
            with conn.begin():
                chain = Chain.load(conn)
                chain.refuse_unless_growable(size)
                if chain.at_least(size):
                    return [f"Already at chain scale ({chain.describe()}): nothing written."]
                writer = Writer(conn)
                Builder(chain, writer, size, echo, progressbar).build()
                echo("Checking the invariants ...")
                started = timer.perf_counter()
                results = check_invariants(conn)
                echo(f"  checked in {timer.perf_counter() - started:.1f} s")
                for line in results.lines():
                    echo(f"  {line}")
                if results.failures:
                    raise InvariantBroken("; ".join(results.failures))
                writer.move_sequences_on()
                started = timer.perf_counter()  # leaving the block commits
            echo(f"Committed in {timer.perf_counter() - started:.1f} s")
            started = timer.perf_counter()
            after_load(conn)
            echo(f"Planner statistics (ANALYZE) in {timer.perf_counter() - started:.1f} s")
            return summary(conn, writer)
