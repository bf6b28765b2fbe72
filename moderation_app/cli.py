"""Command-line tasks: ``flask --app moderation_app <command>``."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .content import ContentError, load_directory
from .models import Role
from .services import accounts, demo
from .services.errors import ServiceError

DEMO_FACILITATOR_EMAIL = "facilitator@example.org"


def init_app(app: Flask) -> None:
    for command in (load_vignettes, create_user, set_password, create_token, add_area, seed_demo,
                    demo_county):
        app.cli.add_command(command)


@click.command("load-vignettes")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def load_vignettes(directory: Path | None) -> None:
    """Validate and load frameworks and vignettes from DIRECTORY (default: vignettes/).

    Nothing is loaded unless every file is valid; each problem names its file.
    """
    directory = directory or Path(current_app.config["VIGNETTES_DIR"])
    try:
        summary = load_directory(directory)
    except ContentError as exc:
        click.echo(f"Nothing was loaded: {len(exc.problems)} problem(s) found.", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    for line in summary.lines():
        click.echo(line)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="What the account may do: run huddles, review LA reports, or administer.",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters; prompted for when omitted.")
def create_user(email: str, role: str, password: str) -> None:
    """Create a staff account that signs in with EMAIL."""
    try:
        user = accounts.create_user(email, role, password)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.role} {user.email}")


@click.command("set-password")
@with_appcontext
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters; prompted for when omitted.")
def set_password(email: str, password: str) -> None:
    """Give the account EMAIL a new password."""
    try:
        user = accounts.set_password(email, password)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"password changed for {user.email}")
    if user.email == DEMO_FACILITATOR_EMAIL:
        # The file held the old password in plain text; it is no use and no secret now.
        (Path(current_app.instance_path) / "demo_password").unlink(missing_ok=True)


@click.command("create-token")
@with_appcontext
@click.argument("email")
def create_token(email: str) -> None:
    """Create an API token for EMAIL; the token is printed on the last line."""
    try:
        token = accounts.create_api_token(email)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"API token for {accounts.normalise_email(email)} (shown once; keep it safe):")
    click.echo(token)


@click.command("add-area")
@with_appcontext
@click.argument("name")
def add_area(name: str) -> None:
    """Add an area (locality) of the LA."""
    try:
        area = accounts.add_area(name)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"added area {area.name}")


@click.command("demo-county")
@with_appcontext
@click.option("--areas", "n_areas", default=8, show_default=True, help="How many areas.")
@click.option("--practitioners", "n_practitioners", default=200, show_default=True,
              help="How many practitioners, spread evenly over the areas.")
@click.option("--huddles", "n_huddles", default=60, show_default=True,
              help="How many closed huddles, spread over the past year.")
@click.option("--seed", default=1, show_default=True, help="Seed of the random choices.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing when the database already holds a huddle (used by make run).")
def demo_county(n_areas: int, n_practitioners: int, n_huddles: int, seed: int,
                if_empty: bool) -> None:
    """Add a year of demo huddles with planted area drift, for trying the drift page."""
    if if_empty and demo.has_huddles():
        click.echo("demo county: the database already has huddles; nothing added")
        return
    try:
        with click.progressbar(length=n_huddles, label="Building the demo county") as bar:
            county = demo.build_demo_county(
                n_areas=n_areas, n_practitioners=n_practitioners, n_huddles=n_huddles,
                seed=seed, progress=bar.update,
            )
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"demo county: {county.huddles} huddles, {county.practitioners} practitioners, "
               f"{county.ratings:,} scores in {len(county.areas)} areas")
    planted = ", ".join(f"{area} {shift:+.2f}" for area, shift in county.planted.items()
                        if abs(shift) >= 0.5)
    click.echo(f"planted drift (scale points): {planted}")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Add the demo areas and a demo facilitator, if they are not there yet.

    The demo facilitator's password is made up for this installation and kept in the
    instance folder (``demo_password``), so it can be printed again on the next run.
    """
    added = accounts.ensure_areas(accounts.DEMO_AREAS)
    click.echo(f"demo areas: {len(added)} added, {len(accounts.DEMO_AREAS) - len(added)} present")
    password_file = Path(current_app.instance_path) / "demo_password"
    if accounts.find_user(DEMO_FACILITATOR_EMAIL) is None:
        password = new_demo_password()
        accounts.create_user(DEMO_FACILITATOR_EMAIL, Role.FACILITATOR.value, password)
        password_file.write_text(password + "\n", encoding="ascii")
        password_file.chmod(0o600)
        click.echo("demo facilitator created")
    password = password_file.read_text(encoding="ascii").strip() if password_file.exists() else ""
    if not password or accounts.authenticate(DEMO_FACILITATOR_EMAIL, password) is None:
        click.echo("demo facilitator present; its password has been changed")
        return
    click.echo(f"Sign in as {DEMO_FACILITATOR_EMAIL} with password {password}")
    click.echo(f"Demo only: before others can reach this server, change it with "
               f"'flask --app moderation_app set-password {DEMO_FACILITATOR_EMAIL}'")


def new_demo_password() -> str:
    """Four groups of four letters and digits without look-alikes: easy to type, hard to guess."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
