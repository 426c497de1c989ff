"""Settings from the environment; nothing secret is stored in the repository."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once per machine in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _number_range(value: str) -> tuple[int, int]:
    """"100000000-199999999" -> (100000000, 199999999)."""
    first, _sep, last = value.partition("-")
    return int(first), int(last)


def _trusted_hosts(public_base_url: str) -> list[str]:
    """Hosts a request may name (others get 400): TRUSTED_HOSTS, comma-separated, else this
    machine only; the host of PUBLIC_BASE_URL is always trusted."""
    listed = os.environ.get("TRUSTED_HOSTS", "")
    hosts = [h.strip() for h in listed.split(",") if h.strip()] or ["localhost", "127.0.0.1"]
    if public_base_url and (public_host := urlsplit(public_base_url).hostname):
        hosts.append(public_host)
    return hosts


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'omni_store.sqlite'}"
    # Platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = None  # filled in by load_config so importing this module writes nothing
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = None  # filled in by load_config, for the database's kind

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("OMNI_INSECURE_COOKIES") != "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A tablet stays signed in for a shift and a half; the CSRF token lives as long.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=14)
    WTF_CSRF_TIME_LIMIT = int(PERMANENT_SESSION_LIFETIME.total_seconds())
    WTF_CSRF_SSL_STRICT = False  # referrer checks break behind TLS-terminating proxies

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("en", "fr")
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "omni_store" / "translations")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keeps apart the counts of deployments sharing one Redis (staging and production).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")  # per address
    # Wrong passwords per account, from any address: the account then waits out the window.
    LOGIN_ACCOUNT_LIMIT = os.environ.get("LOGIN_ACCOUNT_LIMIT", "5 per 5 minutes")

    # Picking must be done this long after an order lands (the pickup promise builds on it).
    PICKING_SLA = timedelta(hours=2)
    # An order waits this many days in its hold slot before it expires.
    HOLD_DAYS = int(os.environ.get("HOLD_DAYS", "7"))
    MAX_QUERY_LENGTH = 100

    # Every customer link (omni_store.pickup) starts here when set, never with the request's
    # Host header; unset (development), links follow the request, else the local server.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    TRUSTED_HOSTS = None  # filled in by load_config, from TRUSTED_HOSTS and PUBLIC_BASE_URL
    PICKUP_CODE_RATE_LIMIT = "5 per minute"  # per order and address, at the counter
    PICKUP_CODE_MAX_FAILURES = 5  # wrong codes before the order's code is locked
    PICKUP_CONFIRM_RATE_LIMIT = "10 per minute"  # customer confirmations per address

    # Ship from store: the built-in carrier-neutral adapter hands out tracking numbers from
    # the range the carrier allotted to the retailer; when it is used up, sealing refuses.
    CARRIER = os.environ.get("CARRIER", "neutral")
    CARRIER_TRACKING_PREFIX = os.environ.get("CARRIER_TRACKING_PREFIX", "OMN")
    CARRIER_TRACKING_RANGE = _number_range(
        os.environ.get("CARRIER_TRACKING_RANGE", "100000000-199999999")
    )

    # Outbox delivery: by SMTP when SMTP_HOST is set, else one structured log line per event.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_FROM = os.environ.get("SMTP_FROM", "Maison Omni <no-reply@maison-omni.example>")
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    OUTBOX_RETRY_BASE = timedelta(minutes=1)  # then 2, 4, 8, ... minutes
    OUTBOX_RETRY_MAX = timedelta(hours=6)
    # A sender that crashed mid-delivery gives its events back after this long.
    OUTBOX_LEASE = timedelta(minutes=5)
    # Open tasks this late get their priority raised once by `flask jobs run`.
    ESCALATE_TASKS_LATE_BY = timedelta(minutes=int(os.environ.get("ESCALATE_AFTER_MINUTES", "30")))


def load_config(overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    settings = {k: v for k, v in vars(Config).items() if k.isupper()}
    settings["SECRET_KEY"] = overrides.get("SECRET_KEY") or _secret_key()
    settings["SQLALCHEMY_DATABASE_URI"] = (
        overrides.get("SQLALCHEMY_DATABASE_URI") or _database_url()
    )
    # A server's connections can drop (restart, failover): test each one as it leaves the
    # pool. An embedded SQLite file cannot, and the ping would cost every request.
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": not settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")}
    settings.update(overrides)
    if "TRUSTED_HOSTS" not in overrides:
        settings["TRUSTED_HOSTS"] = _trusted_hosts(settings["PUBLIC_BASE_URL"])
    return settings
