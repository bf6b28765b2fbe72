"""Staff accounts, API tokens and the LA's areas."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ApiToken, Area, Role, User
from . import tokens
from .errors import Conflict, Invalid, NotFound
from .text import clean_text, is_storable, valid_id

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8

#: A demonstration list of localities, for a county of the size Valuing SEND serves.
DEMO_AREAS = (
    "North Coast",
    "South East",
    "Mid County",
    "West",
    "East Moors",
    "Central Towns",
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, role: str, password: str) -> User:
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or not is_storable(email) or len(email) > 254:
        raise Invalid(f"'{email}' is not an email address", field="email")
    if role not in {r.value for r in Role}:
        raise Invalid(f"role must be one of {', '.join(r.value for r in Role)}", field="role")
    _check_password(password)
    if find_user(email) is not None:
        raise Conflict(f"a user with email {email} already exists", field="email")
    user = User(email=email, role=role, password_hash=_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    if not is_storable(email) or len(email) > 254:
        return None
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def _hash(password: str) -> str:
    return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


def set_password(email: str, password: str) -> User:
    """Give an existing account a new password (e.g. to replace the demo one)."""
    user = find_user(email)
    if user is None:
        raise NotFound(f"no user with email {normalise_email(email)}")
    _check_password(password)
    user.password_hash = _hash(password)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        # Spend as long as a real check, so timing does not tell which emails have accounts.
        check_password_hash(_timing_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


@functools.cache
def _timing_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method)


def create_api_token(email: str) -> str:
    """Create an API token for a user and return it; only its digest is kept."""
    user = find_user(email)
    if user is None:
        raise NotFound(f"no user with email {normalise_email(email)}")
    raw = tokens.new_token(tokens.STAFF_PREFIX)
    db.session.add(ApiToken(user_id=user.id, token_digest=tokens.digest(raw)))
    db.session.commit()
    return raw


def user_for_token(raw: str) -> User | None:
    if not raw.startswith(tokens.STAFF_PREFIX):
        return None
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_digest == tokens.digest(raw))
    ).scalar_one_or_none()
    if row is None or not row.user.active:
        return None
    return row.user


def facilitators() -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .where(User.role.in_([Role.FACILITATOR.value, Role.ADMIN.value]), User.active)
            .order_by(User.email)
        ).scalars()
    )


# --- Areas -----------------------------------------------------------------------------


def list_areas(*, include_inactive: bool = False) -> list[Area]:
    query = select(Area).order_by(Area.name)
    if not include_inactive:
        query = query.where(Area.active)
    return list(db.session.execute(query).scalars())


def find_area(name: str, *, active_only: bool = True) -> Area | None:
    if not isinstance(name, str) or not is_storable(name) or len(name) > 120:
        return None
    query = select(Area).where(func.lower(Area.name) == name.strip().lower())
    if active_only:
        query = query.where(Area.active)
    return db.session.execute(query).scalar_one_or_none()


def _clean_area_name(name: str) -> str:
    name = clean_text(name, field="name", label="the area's name", max_length=120, required=True)
    if name[0] in "=+-@":
        # Such names would run as formulas when an export is opened in a spreadsheet.
        raise Invalid("an area's name cannot start with =, +, - or @", field="name")
    return name


def add_area(name: str) -> Area:
    name = _clean_area_name(name)
    existing = find_area(name, active_only=False)
    if existing is not None:
        raise Conflict(f"there is already an area called {existing.name}", field="name")
    area = Area(name=name)
    db.session.add(area)
    db.session.commit()
    return area


def rename_area(area_id: int, new_name: str) -> Area:
    area = db.session.get(Area, area_id) if valid_id(area_id) else None
    if area is None:
        raise NotFound("no such area")
    new_name = _clean_area_name(new_name)
    clash = find_area(new_name, active_only=False)
    if clash is not None and clash.id != area.id:
        raise Conflict(f"there is already an area called {clash.name}", field="name")
    area.name = new_name
    db.session.commit()
    return area


def set_area_active(area_id: int, active: bool) -> Area:
    """Retire or restore an area. Retired areas keep their history but take no new joins."""
    area = db.session.get(Area, area_id) if valid_id(area_id) else None
    if area is None:
        raise NotFound("no such area")
    area.active = active
    db.session.commit()
    return area


def ensure_areas(names: Iterable[str]) -> list[str]:
    """Add any of ``names`` not already present; return those added."""
    added = []
    for name in names:
        if find_area(name, active_only=False) is None:
            db.session.add(Area(name=name))
            added.append(name)
    db.session.commit()
    return added
