"""State survives a restart; migrations build the same schema as the models; config rules."""

from __future__ import annotations

import os
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from moderation_app import _database_url, create_app
from moderation_app.extensions import db

SLC = "speech-language-communication"


def test_huddle_state_survives_a_restart(make_app, app, api, county):
    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "Restart",
                                                      "vignettes": ["V01", "V02"]}).get_json()
    token = api.call("POST", "/join", json={"join_code": created["join_code"], "name": "R",
                                            "area": "West"}).get_json()["participant_token"]
    api.call("POST", f"/huddles/{created['id']}/open", fac)
    api.call("PUT", f"/huddles/{created['id']}/ratings/V01", token, json={"scores": {SLC: 3}})
    before = api.call("GET", f"/huddles/{created['id']}/state", token).get_json()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    restarted = make_app()  # a new process on the same database
    client = restarted.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    after = client.get(f"/api/v1/huddles/{created['id']}/state", headers=headers).get_json()
    assert after == before
    assert (after["status"], after["vignette"]["code"], after["my_scores"]) == (
        "scoring", "V01", {SLC: 3})
    revealed = client.post(f"/api/v1/huddles/{created['id']}/reveal",
                           headers={"Authorization": f"Bearer {fac}"})
    assert revealed.status_code == 200
    assert revealed.get_json()["distribution"][SLC]["counts"]["3"] == 1
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_migrations_build_the_models_schema_and_downgrade(make_app):
    migrated = make_app()
    with migrated.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        assert "ratings" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    first = create_app(config, instance_path=str(instance)).config["SECRET_KEY"]
    second = create_app(config, instance_path=str(instance)).config["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert first == second == key_file.read_text().strip() and len(first) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app(config, instance_path=str(instance)).config["SECRET_KEY"] == (
        "from-the-environment")


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "k"}, instance_path=str(tmp_path / "inst"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'huddle.sqlite'}"


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "k")
    app = create_app(None, instance_path=str(tmp_path / "inst"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'env.sqlite'}"


@pytest.mark.parametrize("given, used", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
])
def test_postgres_urls_use_psycopg3(given, used):
    assert _database_url(given) == used


def test_upgrading_an_existing_database_keeps_every_row(make_app):
    """Upgrading from the first release keeps huddles, ratings and agreed scores.

    (SQLite rebuilds a table to alter it; with foreign keys on, dropping the old table
    would cascade into the rows that refer to it.)"""
    from sqlalchemy import text

    migrated = make_app()
    with migrated.app_context():
        db.drop_all()
        upgrade(revision="f9930e4d1cde")
        with db.engine.begin() as connection:
            now = "2026-11-20 15:00:00"
            connection.execute(text(
                "INSERT INTO areas (id, name, active, created_at) VALUES (1, 'West', true, :t)"),
                {"t": now})
            connection.execute(text(
                "INSERT INTO users (id, email, password_hash, role, active, created_at) "
                "VALUES (1, 'f@example.org', 'x', 'facilitator', true, :t)"), {"t": now})
            connection.execute(text(
                "INSERT INTO frameworks (id, key, version, name, scale_min, scale_max, definition,"
                " content_digest, loaded_at) VALUES (1, 'needs', 1, 'N', 0, 5, '{}', 'd', :t)"),
                {"t": now})
            connection.execute(text(
                "INSERT INTO vignettes (id, code, created_at) VALUES (1, 'V01', :t)"), {"t": now})
            connection.execute(text(
                "INSERT INTO vignette_versions (id, vignette_id, version, framework_id, title, "
                "phase, body_markdown, reference_scores, content_digest, source_path, loaded_at) "
                "VALUES (1, 1, 1, 1, 'T', 'primary', 'b', '{}', 'd', 'p', :t)"), {"t": now})
            connection.execute(text(
                "INSERT INTO huddles (id, title, held_on, owner_id, join_code, status, revision, "
                "created_at) VALUES (1, 'H', '2026-11-20', 1, 'ABCDEF', 'closed', 5, :t)"),
                {"t": now})
            connection.execute(text(
                "INSERT INTO huddle_items (id, huddle_id, vignette_version_id, position, state) "
                "VALUES (1, 1, 1, 1, 'revealed')"))
            connection.execute(text(
                "INSERT INTO consensus_scores (id, item_id, domain, score) VALUES "
                "(1, 1, 'sensory', 2), (2, 1, 'physical-medical', 0)"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM consensus_scores")).scalar() == 2
            assert connection.execute(text(
                "SELECT state, round FROM huddle_items")).all() == [("revealed", 1)]
        downgrade(revision="base")
        db.engine.dispose()
