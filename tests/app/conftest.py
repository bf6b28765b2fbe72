"""Fixtures for service and HTTP tests: a loaded county with staff, areas and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from moderation_app.content import load_directory
from moderation_app.services import accounts

from .helpers import PASSWORD, Api

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class County:
    facilitator_token: str
    other_token: str
    reviewer_token: str
    admin_token: str


@pytest.fixture
def county(app) -> County:
    """Vignettes loaded, demo areas, two facilitators, a reviewer and an admin with tokens."""
    with app.app_context():
        load_directory(ROOT / "vignettes")
        accounts.ensure_areas(accounts.DEMO_AREAS)
        for email, role in (
            ("fac@example.org", "facilitator"),
            ("other@example.org", "facilitator"),
            ("rev@example.org", "reviewer"),
            ("admin@example.org", "admin"),
        ):
            accounts.create_user(email, role, PASSWORD)
        return County(
            facilitator_token=accounts.create_api_token("fac@example.org"),
            other_token=accounts.create_api_token("other@example.org"),
            reviewer_token=accounts.create_api_token("rev@example.org"),
            admin_token=accounts.create_api_token("admin@example.org"),
        )


@pytest.fixture
def api(client) -> Api:
    return Api(client)
