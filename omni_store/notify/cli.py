"""The outbox sender (`flask outbox send`): cron runs it every minute after `flask jobs run`
(the line is in jobs.cli)."""
import logging

import click
from flask.cli import AppGroup

from omni_store.notify.sender import log, send_pending

outbox_cli = AppGroup("outbox", help="Deliver outbox events.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Deliver at most this many events.")
@click.option("--dry-run", is_flag=True, help="List what is due; deliver nothing.")
def send_command(limit: int, dry_run: bool) -> None:
    """Deliver due events by SMTP (SMTP_HOST set) or to the log, retrying failures later."""
    _log_to_stderr()
    report = send_pending(limit=limit, dry_run=dry_run)
    if dry_run:
        for event in report.due:
            click.echo(f"{event.id}\t{event.kind}\t{event.dedup_key}\tattempts {event.attempts}")
        click.echo(f"{len(report.due)} due, nothing sent (dry run)")
        return
    click.echo(f"sent: {report.sent}, failed: {report.failed}")


def _log_to_stderr() -> None:
    """Without SMTP the log is the delivery: make sure its lines are written somewhere."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
