from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Clock-driven jobs, safe to run every minute.")
outbox_cli = AppGroup("outbox", help="Deliver outbox events.")
