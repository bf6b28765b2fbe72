"""Jinja set-up: strict undefined names, Markdown for vignettes, shared context."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, current_app, request
from flask_wtf import FlaskForm
from jinja2 import StrictUndefined

from .content import render_markdown


def form_error_list(form: FlaskForm) -> list[tuple[str, str]]:
    """(field id, message) for every error on a form, for the error summary."""
    return [
        (field.id, message)
        for field in form
        for message in (field.errors if isinstance(field.errors, list) else [])
    ]


def input_attributes(field: Any, **attributes: Any) -> dict[str, Any]:
    """HTML attributes for a form field: empty ones left out, hint and error linked."""
    described_by = [f"{field.id}-hint"] if field.description else []
    described_by += [f"{field.id}-error"] if field.errors else []
    if described_by:
        attributes["aria-describedby"] = " ".join(described_by)
    return {name: value for name, value in attributes.items() if value not in (None, "")}


def long_date(value: date) -> str:
    """A date as GOV.UK writes it: ``Friday 4 December 2026``."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_date(value: date) -> str:
    """A date for tables: ``4 Dec 2026``."""
    return f"{value.day} {value:%b %Y}"


def init_app(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.globals["form_error_list"] = form_error_list
    app.jinja_env.globals["input_attributes"] = input_attributes

    @app.context_processor
    def shared() -> dict[str, Any]:
        return {"live_poll_ms": current_app.config["LIVE_POLL_MS"]}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages hold scores and names: keep them out of shared and back-button caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
