"""Sign in and out (staff: facilitators, reviewers, admins)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..forms import EmptyForm, LoginForm
from ..services import accounts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or _home(user))
        error = "The email address or password is not right"
    return render_template("auth/login.html", form=form, error=error), (200 if not error else 401)


def _home(user) -> str:
    """Where a signed-in person starts: reviewers at area drift, everyone else at huddles."""
    return url_for("reviewer.page") if user.role == "reviewer" else url_for("facilitator.index")


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
