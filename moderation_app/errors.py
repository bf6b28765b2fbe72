"""Central error handling: one JSON shape for the API, one friendly page per status."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services.errors import ServiceError

FRIENDLY_TITLES = {
    400: "Something was wrong with that request",
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That cannot be done right now",
    413: "That was too large",
    422: "Check what you entered",
    429: "Too many attempts",
    500: "Sorry, something went wrong on our side",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, message: str):
    if _wants_json():
        return jsonify(error=message), status
    title = FRIENDLY_TITLES.get(status, "Something went wrong")
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        db.session.rollback()
        return _respond(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _respond(400, "The form had expired. Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = exc.description or FRIENDLY_TITLES.get(status, "")
        if status == 429:
            message = "Too many attempts in a short time. Wait a minute and try again."
        response = _respond(status, message)
        if status == 405 and exc.get_response().headers.get("Allow"):
            body, code = response
            return body, code, {"Allow": exc.get_response().headers["Allow"]}
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        if app.testing:
            raise exc
        app.logger.exception("unhandled error")
        return _respond(500, "The error has been logged. Try again in a moment.")
