"""omni-store: the store execution app of an omnichannel retailer."""
from flask import Flask

from omni_store.config import PROJECT_ROOT, load_config
from omni_store.extensions import babel, csrf, db, htmx, limiter, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_mapping(load_config(overrides))

    from omni_store import models  # noqa: F401  (registers every table)
    from omni_store.core.database import configure_engine

    _connect_follow_ups()

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    # No app-wide limits: the decorated routes check their own limits when called, so the
    # limiter's check before every request (~50 µs on each API read) has nothing to do.
    app.before_request_funcs[None].remove(limiter._check_request_limit)

    from omni_store.auth import sessions

    sessions.init_app(app)

    from omni_store.core import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)

    from omni_store.core.hooks import register_hooks

    register_hooks(app)
    _register_blueprints(app)

    from omni_store.templating import register_template_globals

    register_template_globals(app)
    _register_cli(app)
    return app


def _connect_follow_ups() -> None:
    """Import every domain's signal receivers (docs/architecture.md, cross-domain follow-ups):
    a receiver that is not imported never runs, and its follow-up would be silently lost."""
    import omni_store.appointments.follow_ups  # noqa: F401  (a closed order ends its booking)
    import omni_store.counter.follow_ups  # noqa: F401  (a READY order: the customer is told)
    import omni_store.fulfilment.follow_ups  # noqa: F401  (the floor's work moves orders on)


def _register_blueprints(app: Flask) -> None:
    from omni_store.api.views import bp as api_bp
    from omni_store.appointments.views import bp as appointments_bp
    from omni_store.auth.views import bp as auth_bp
    from omni_store.board.views import bp as board_bp
    from omni_store.core.views import bp as core_bp
    from omni_store.counter.customer_views import bp as pickup_bp
    from omni_store.counter.views import bp as counter_bp
    from omni_store.lookup.views import bp as lookup_bp
    from omni_store.orders.views import bp as orders_admin_bp
    from omni_store.returns.views import bp as returns_bp
    from omni_store.shuttles.views import bp as shuttles_bp
    from omni_store.tasks.views import bp as tasks_bp

    for bp in (core_bp, auth_bp, tasks_bp, lookup_bp, shuttles_bp, counter_bp, returns_bp,
               board_bp, pickup_bp, orders_admin_bp, appointments_bp):
        app.register_blueprint(bp)
    # Other systems authenticate with API keys, never with a session: no CSRF token there.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def _register_cli(app: Flask) -> None:
    from omni_store.auth.cli import users_cli
    from omni_store.demo.cli import demo_cli
    from omni_store.jobs.cli import jobs_cli
    from omni_store.notify.cli import outbox_cli

    for command in (users_cli, demo_cli, jobs_cli, outbox_cli):
        app.cli.add_command(command)
