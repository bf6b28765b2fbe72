"""Who is asking: staff by session or API token, practitioners by their device's token."""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, current_app, request
from flask_login import current_user, login_required

from .extensions import db, login_manager
from .models import Practitioner, User
from .services import accounts, huddles
from .services.errors import Forbidden, Unauthorized
from .services.huddles import Viewer


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def device_practitioner() -> Practitioner | None:
    """The practitioner this device remembers (from its long-lived cookie)."""
    return huddles.practitioner_for_token(
        request.cookies.get(current_app.config["PRACTITIONER_COOKIE"])
    )


def api_viewer() -> Viewer:
    """Resolve the caller of a JSON API request.

    A bearer token (staff ``hs_…`` or practitioner ``hp_…``) always wins. Without one, a
    read-only request may use the browser's session or device cookie, so the app's own pages
    can poll live state; changes without a token are refused, which also rules out CSRF.
    """
    token = bearer_token()
    if token is not None:
        user = accounts.user_for_token(token)
        if user is not None:
            return Viewer(user=user)
        practitioner = huddles.practitioner_for_token(token)
        if practitioner is not None:
            return Viewer(practitioner=practitioner)
        raise Unauthorized("the token is not recognised")
    if request.method in ("GET", "HEAD"):
        user = current_user if current_user.is_authenticated else None
        practitioner = device_practitioner()
        if user is not None or practitioner is not None:
            return Viewer(user=user, practitioner=practitioner)
    raise Unauthorized("send 'Authorization: Bearer <token>'")


def require_staff(viewer: Viewer) -> User:
    if viewer.user is None:
        raise Forbidden("this needs a facilitator's token")
    return viewer.user


def web_viewer() -> Viewer:
    user = current_user if current_user.is_authenticated else None
    return Viewer(user=user, practitioner=device_practitioner())


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in staff with one of ``roles`` only (403 for other roles)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                raise Forbidden("your account cannot open this page")
            return view(*args, **kwargs)

        return wrapped

    return decorator
