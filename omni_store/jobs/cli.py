"""Clock-driven jobs (`flask jobs run`), meant for cron every minute on one or several
machines, beside the outbox sender (notify.cli):
    * * * * *  cd /srv/omni-store && .venv/bin/flask --app app jobs run && .venv/bin/flask --app app outbox send
"""
import click
from flask.cli import AppGroup

from omni_store.jobs.runner import run_jobs

jobs_cli = AppGroup("jobs", help="Clock-driven jobs, safe to run every minute.")


@jobs_cli.command("run")
def run_command() -> None:
    """Expire uncollected holds, remind customers, escalate late tasks, roll parcels over."""
    counts = run_jobs()
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))
