"""Fixtures shared by the app and browser tests.

App tests run on SQLite and, where the PostgreSQL server at 127.0.0.1:5432 answers, on
PostgreSQL too (``TEST_POSTGRES_URL`` overrides where it is). Each test gets a fresh app
and an empty database built from the models.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

_postgres_state: dict[str, str | None] = {}


def _postgres_database() -> str:
    """Create (once per session) a scratch PostgreSQL database, or skip with the reason."""
    if "url" not in _postgres_state:
        try:
            engine = create_engine(
                POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT",
                connect_args={"connect_timeout": 3},
            )
            name = f"huddle_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            engine.dispose()
            _postgres_state["url"] = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
                hide_password=False
            )
            _postgres_state["error"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
            _postgres_state["url"] = None
            _postgres_state["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    if _postgres_state["url"] is None:
        pytest.skip(
            f"PostgreSQL leg skipped: no server answered at {POSTGRES_ADMIN_URL} "
            f"({_postgres_state['error']})"
        )
    return _postgres_state["url"]  # type: ignore[return-value]


def pytest_sessionfinish(session, exitstatus):
    url = _postgres_state.get("url")
    if url:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            )
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'huddle.sqlite'}"
    return _postgres_database()


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app on the test's database (call again to 'restart' on the same data)."""
    from moderation_app import create_app

    for variable in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_URL", "VIGNETTES_DIR"):
        monkeypatch.delenv(variable, raising=False)

    def build(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            # A cheap hash keeps fixtures fast; production uses scrypt.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SERVER_NAME": "huddle.test",
            "VIGNETTES_DIR": str(ROOT / "vignettes"),
        }
        config.update(overrides)
        return create_app(config, instance_path=str(tmp_path / "instance"))

    return build


@pytest.fixture
def app(make_app) -> Iterator:
    from moderation_app.extensions import db

    application = make_app()
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
