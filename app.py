"""WSGI entry point: `flask --app app ...` and `gunicorn app:app`."""
from omni_store import create_app

app = create_app()
