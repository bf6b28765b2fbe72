"""Huddle: live moderation huddles and calibration statistics for Valuing SEND scores."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Environment variables the app reads, and the config key each sets.
ENVIRONMENT_SETTINGS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "PUBLIC_URL": "PUBLIC_URL",
    "VIGNETTES_DIR": "VIGNETTES_DIR",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
}


def _database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: Path) -> str:
    """Read the instance folder's secret key, creating it once.

    The key is written to a temporary file and hard-linked into place, so workers that
    start together never read a half-written key: the first link wins, the rest read it.
    """
    path = instance_path / "secret_key"
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
            os.chmod(temporary, 0o600)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="ascii").strip()


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Application factory: defaults, then instance config or ``test_config``, then env.

    ``instance_path`` (default ``instance/`` beside the package) holds the SQLite file,
    the generated secret key and an optional ``config.py``.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance_path / 'huddle.sqlite'}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        VIGNETTES_DIR=str(PROJECT_ROOT / "vignettes"),
        PUBLIC_URL="",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        PRACTITIONER_COOKIE="huddle_practitioner",
        PRACTITIONER_COOKIE_DAYS=730,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        LIVE_POLL_MS=1000,
        WTF_CSRF_TIME_LIMIT=None,
        PASSWORD_HASH_METHOD="scrypt",
        MAX_CONTENT_LENGTH=256 * 1024,
        TRUSTED_PROXIES=0,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    for variable, key in ENVIRONMENT_SETTINGS.items():
        value = os.environ.get(variable)
        if value and (test_config is None or key not in test_config):
            if key == "SESSION_COOKIE_SECURE":
                app.config[key] = _truthy(value)
            elif key == "TRUSTED_PROXIES":
                app.config[key] = int(value)
            else:
                app.config[key] = value
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance_path)

    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take the client's address and scheme from its headers.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from . import auth_loader, cli, errors, templating
    from .blueprints import admin, api, auth, facilitator, practitioner, reviewer

    auth_loader.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(facilitator.bp)
    app.register_blueprint(practitioner.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(reviewer.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, allow readers beside a writer, wait for locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
