"""The ``flask`` commands, run through ``app.test_cli_runner()`` and checked against the rows
they write.

``flask --app moderation_app <command>`` runs every command inside an application context
(``FlaskGroup`` pushes one). ``invoke`` below does the same around ``runner.invoke`` so the
commands' behaviour is tested as operators meet it; the last test checks the runner on its
own.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from moderation_app.cli import DEMO_FACILITATOR_EMAIL
from moderation_app.extensions import db
from moderation_app.models import (
    ApiToken,
    Area,
    Framework,
    Huddle,
    User,
    Vignette,
    VignetteVersion,
)
from moderation_app.services.accounts import DEMO_AREAS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "vignettes"
PASSWORD = "a long enough secret"


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def content_counts(app) -> tuple[int, int, int]:
    return tuple(count(app, model) for model in (Framework, Vignette, VignetteVersion))


def shipped_codes() -> list[str]:
    return sorted(p.stem for p in SHIPPED.rglob("*.md") if p.name.lower() != "readme.md")


def invoke(app, runner, *args: str, **kwargs):
    """Run ``flask <args>``."""
    return runner.invoke(args=list(args), **kwargs)


def create_user(app, runner, email: str = "fac@example.org", role: str = "facilitator",
                password: str = PASSWORD):
    return invoke(app, runner, "create-user", email, "--role", role, "--password", password)


# --- load-vignettes --------------------------------------------------------------------


def test_load_vignettes_loads_the_shipped_content_by_default(app, runner):
    codes = shipped_codes()
    assert len(codes) >= 12
    result = invoke(app, runner, "load-vignettes")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "framework needs v1 loaded",
        *[f"vignette {code} v1 loaded" for code in codes],
        f"1 framework(s) and {len(codes)} vignette version(s) added; 0 already up to date",
    ]
    assert content_counts(app) == (1, len(codes), len(codes))
    with app.app_context():
        paths = db.session.execute(select(VignetteVersion.source_path)).scalars()
        assert {Path(p).parent.parent for p in paths} == {SHIPPED}

    again = invoke(app, runner, "load-vignettes")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"0 framework(s) and 0 vignette version(s) added; {len(codes) + 1} already up to date"
    ]
    assert content_counts(app) == (1, len(codes), len(codes))


def test_load_vignettes_from_a_bad_directory_loads_nothing(app, runner, tmp_path):
    directory = tmp_path / "content"
    (directory / "frameworks").mkdir(parents=True)
    shutil.copy(SHIPPED / "frameworks" / "needs.yaml", directory / "frameworks")
    shutil.copy(SHIPPED / "needs" / "V01.md", directory / "V01.md")
    bad = (SHIPPED / "needs" / "V02.md").read_text(encoding="utf-8")
    assert "\nphase: early years\n" in bad
    (directory / "V02.md").write_text(
        bad.replace("\nphase: early years\n", "\nphase: nursery\n"), encoding="utf-8"
    )
    (directory / "V03.md").write_text("code: V03\n\nNo front matter.\n", encoding="utf-8")

    result = invoke(app, runner, "load-vignettes", str(directory))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Nothing was loaded: 2 problem(s) found.",
        f"  {directory / 'V02.md'}: phase 'nursery' is not one of "
        "early years, primary, secondary, post-16",
        f"  {directory / 'V03.md'}: malformed front matter: the file must start with a '---' "
        "line, then YAML, then a closing '---' line",
    ]
    assert content_counts(app) == (0, 0, 0)


def test_load_vignettes_from_a_missing_directory(app, runner, tmp_path):
    missing = tmp_path / "no-such-content"
    result = invoke(app, runner, "load-vignettes", str(missing))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Nothing was loaded: 1 problem(s) found.",
        f"  {missing}: no such directory",
    ]
    assert content_counts(app) == (0, 0, 0)


def test_load_vignettes_refuses_a_file_for_a_directory(app, runner):
    result = invoke(app, runner, "load-vignettes", str(SHIPPED / "needs" / "V01.md"))
    assert result.exit_code == 2
    assert "Invalid value for '[DIRECTORY]'" in result.stderr
    assert "is a file" in result.stderr
    assert content_counts(app) == (0, 0, 0)


# --- create-user -----------------------------------------------------------------------


def test_create_user_stores_a_hashed_password(app, runner):
    result = create_user(app, runner, email="  Sam.Jones@Example.ORG ")
    assert result.exit_code == 0, result.output
    assert result.stdout == "created facilitator sam.jones@example.org\n"
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert (user.email, user.role, user.active) == (
            "sam.jones@example.org", "facilitator", True)
        assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
        assert user.password_hash.startswith("pbkdf2:sha256:1000$")
        assert check_password_hash(user.password_hash, PASSWORD)
        assert not check_password_hash(user.password_hash, PASSWORD.upper())


def test_create_user_for_each_role(app, runner):
    for role in ("facilitator", "reviewer", "admin"):
        result = create_user(app, runner, email=f"{role}@example.org", role=role)
        assert result.exit_code == 0, result.output
        assert result.stdout == f"created {role} {role}@example.org\n"
    with app.app_context():
        rows = db.session.execute(select(User.email, User.role).order_by(User.email)).all()
        assert [tuple(r) for r in rows] == [
            ("admin@example.org", "admin"),
            ("facilitator@example.org", "facilitator"),
            ("reviewer@example.org", "reviewer"),
        ]


def test_create_user_prompts_for_the_password_twice(app, runner):
    result = invoke(app, runner, "create-user", "fac@example.org", "--role", "reviewer",
                    input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.role == "reviewer" and check_password_hash(user.password_hash, PASSWORD)


def test_create_user_refuses_a_duplicate_email(app, runner):
    assert create_user(app, runner).exit_code == 0
    result = create_user(app, runner, email="FAC@example.org", role="admin",
                         password="another password")
    assert result.exit_code == 1
    assert result.stderr == "Error: a user with email fac@example.org already exists\n"
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.role == "facilitator" and check_password_hash(user.password_hash, PASSWORD)


def test_create_user_refuses_an_unknown_role(app, runner):
    result = create_user(app, runner, role="headteacher")
    assert result.exit_code == 2
    assert (
        "Invalid value for '--role': 'headteacher' is not one of "
        "'facilitator', 'reviewer', 'admin'."
    ) in result.stderr
    assert count(app, User) == 0


def test_create_user_refuses_a_short_password(app, runner):
    result = create_user(app, runner, password="seven77")
    assert result.exit_code == 1
    assert result.stderr == "Error: the password must have at least 8 characters\n"
    assert count(app, User) == 0


def test_create_user_refuses_an_invalid_email(app, runner):
    for email in ("not-an-email", "a@b", "two words@example.org"):
        result = create_user(app, runner, email=email)
        assert result.exit_code == 1
        assert result.stderr == f"Error: '{email.lower()}' is not an email address\n"
    assert count(app, User) == 0


# --- create-token ----------------------------------------------------------------------


def test_create_token_prints_a_working_token_and_stores_only_its_digest(app, runner, client):
    assert invoke(app, runner, "load-vignettes").exit_code == 0
    assert create_user(app, runner).exit_code == 0

    result = invoke(app, runner, "create-token", "Fac@Example.org")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "API token for fac@example.org (shown once; keep it safe):"
    token = lines[-1]
    assert token.startswith("hs_") and len(token) > 40 and " " not in token

    with app.app_context():
        row = db.session.execute(select(ApiToken)).scalar_one()
        user = db.session.execute(select(User)).scalar_one()
        assert row.user_id == user.id
        assert row.token_digest != token
        assert row.token_digest == hashlib.sha256(token.encode("utf-8")).hexdigest()
        user_id = user.id

    response = client.post("/api/v1/huddles", json={"title": "Spring", "vignettes": ["V01"]},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        huddle = db.session.get(Huddle, response.get_json()["id"])
        assert (huddle.title, huddle.owner_id) == ("Spring", user_id)

    wrong = client.post("/api/v1/huddles", json={"title": "Spring", "vignettes": ["V01"]},
                        headers={"Authorization": f"Bearer {token[:-1]}x"})
    assert wrong.status_code == 401
    assert count(app, Huddle) == 1


def test_each_create_token_makes_a_new_token(app, runner):
    assert create_user(app, runner).exit_code == 0
    first = invoke(app, runner, "create-token", "fac@example.org").stdout.splitlines()[-1]
    second = invoke(app, runner, "create-token", "fac@example.org").stdout.splitlines()[-1]
    assert first != second
    with app.app_context():
        digests = set(db.session.execute(select(ApiToken.token_digest)).scalars())
    assert digests == {hashlib.sha256(t.encode()).hexdigest() for t in (first, second)}


def test_create_token_for_an_unknown_email_fails(app, runner):
    assert create_user(app, runner).exit_code == 0
    result = invoke(app, runner, "create-token", "Nobody@example.org")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no user with email nobody@example.org\n"
    assert count(app, ApiToken) == 0


# --- seed-demo and add-area ------------------------------------------------------------


def demo_password(app) -> str:
    return (Path(app.instance_path) / "demo_password").read_text().strip()


def test_seed_demo_twice_adds_everything_once(app, runner):
    warning = ("Demo only: before others can reach this server, change it with "
               f"'flask --app moderation_app set-password {DEMO_FACILITATOR_EMAIL}'")
    first = invoke(app, runner, "seed-demo")
    assert first.exit_code == 0, first.output
    password = demo_password(app)
    # A password made up for this installation: four groups of four, no look-alikes.
    assert re.fullmatch(r"([a-hj-km-np-z2-9]{4}-){3}[a-hj-km-np-z2-9]{4}", password)
    assert stat.S_IMODE((Path(app.instance_path) / "demo_password").stat().st_mode) == 0o600
    sign_in = f"Sign in as {DEMO_FACILITATOR_EMAIL} with password {password}"
    assert first.stdout.splitlines() == [
        f"demo areas: {len(DEMO_AREAS)} added, 0 present",
        "demo facilitator created",
        sign_in,
        warning,
    ]
    second = invoke(app, runner, "seed-demo")
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines() == [
        f"demo areas: 0 added, {len(DEMO_AREAS)} present",
        sign_in,
        warning,
    ]

    with app.app_context():
        areas = db.session.execute(select(Area.name, Area.active).order_by(Area.name)).all()
        assert [tuple(a) for a in areas] == [(name, True) for name in sorted(DEMO_AREAS)]
        assert len(DEMO_AREAS) == 6
        (user,) = db.session.execute(select(User)).scalars()
        assert (user.email, user.role) == ("facilitator@example.org", "facilitator")
        assert check_password_hash(user.password_hash, password)


def test_set_password_replaces_the_demo_password(app, runner):
    invoke(app, runner, "seed-demo")
    old_password = demo_password(app)
    changed = invoke(app, runner, "set-password", DEMO_FACILITATOR_EMAIL, "--password",
                     "a new long password")
    assert (changed.exit_code, changed.stdout) == (
        0, f"password changed for {DEMO_FACILITATOR_EMAIL}\n")
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert check_password_hash(user.password_hash, "a new long password")
        assert not check_password_hash(user.password_hash, old_password)
    # The old password is not left behind in plain text.
    assert not (Path(app.instance_path) / "demo_password").exists()
    again = invoke(app, runner, "seed-demo")
    assert again.stdout.splitlines()[-1] == "demo facilitator present; its password has been changed"
    short = invoke(app, runner, "set-password", DEMO_FACILITATOR_EMAIL, "--password", "short")
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    unknown = invoke(app, runner, "set-password", "nobody@example.org", "--password", "long enough")
    assert unknown.exit_code != 0 and "no user with email nobody@example.org" in unknown.output


def test_seed_demo_keeps_areas_already_there(app, runner):
    assert invoke(app, runner, "add-area", "west").exit_code == 0
    result = invoke(app, runner, "seed-demo")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"demo areas: {len(DEMO_AREAS) - 1} added, 1 present"
    )
    with app.app_context():
        names = db.session.execute(select(Area.name).order_by(Area.name)).scalars()
        assert list(names) == sorted([n for n in DEMO_AREAS if n != "West"] + ["west"])


def test_add_area_adds_one_and_refuses_a_duplicate(app, runner):
    result = invoke(app, runner, "add-area", "  Upper   Valley ")
    assert result.exit_code == 0, result.output
    assert result.stdout == "added area Upper Valley\n"

    duplicate = invoke(app, runner, "add-area", "UPPER valley")
    assert duplicate.exit_code == 1
    assert duplicate.stderr == "Error: there is already an area called Upper Valley\n"

    with app.app_context():
        areas = db.session.execute(select(Area.name, Area.active)).all()
        assert [tuple(a) for a in areas] == [("Upper Valley", True)]


def test_add_area_refuses_a_demo_area_in_other_case(app, runner):
    assert invoke(app, runner, "seed-demo").exit_code == 0
    result = invoke(app, runner, "add-area", "mid county")
    assert result.exit_code == 1
    assert result.stderr == "Error: there is already an area called Mid County\n"
    assert count(app, Area) == len(DEMO_AREAS)


def test_add_area_refuses_a_blank_name(app, runner):
    result = invoke(app, runner, "add-area", "   ")
    assert result.exit_code == 1
    assert result.stderr == "Error: enter the area's name\n"
    assert count(app, Area) == 0


# --- The test runner on its own --------------------------------------------------------


@pytest.mark.parametrize(
    "args, stdout",
    [
        (["add-area", "West"], "added area West\n"),
        (["seed-demo"], f"demo areas: {len(DEMO_AREAS)} added, 0 present\n"
                        "demo facilitator created\n"),
        (["create-user", "fac@example.org", "--role", "admin", "--password", PASSWORD],
         "created admin fac@example.org\n"),
    ],
    ids=["add-area", "seed-demo", "create-user"],
)
def test_commands_run_under_the_bare_test_cli_runner(app, runner, args, stdout):
    """Commands push their own application context, so the bare test runner can run them."""
    result = runner.invoke(args=args)
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0 and result.stdout.startswith(stdout)
