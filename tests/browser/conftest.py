"""A real server and Debian's Chromium, driven through Playwright.

Chromium comes from the system (``/usr/bin/chromium`` or ``CHROMIUM_PATH``), never a
downloaded build; without it these tests are skipped with a message.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
FACILITATOR = ("browser-fac@example.org", "browser password 1")


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if candidate and os.path.exists(candidate) else None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from moderation_app import create_app
    from moderation_app.content import load_directory
    from moderation_app.extensions import db
    from moderation_app.services import accounts

    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite'}",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "LIVE_POLL_MS": 500,
        },
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        db.create_all()
        load_directory(ROOT / "vignettes")
        accounts.ensure_areas(accounts.DEMO_AREAS)
        accounts.create_user(FACILITATOR[0], "facilitator", FACILITATOR[1])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("browser tests skipped: no Chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium) and CHROMIUM_PATH is not set")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def laptop(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_phone(browser):
    contexts = []

    def make(javascript: bool = True):
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
