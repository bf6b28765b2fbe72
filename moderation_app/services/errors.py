"""Domain exceptions. Each carries the HTTP status the web layer answers with."""


class ServiceError(Exception):
    """A request the rules of the service refuse; ``message`` is shown to the person."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """Well-formed but unacceptable input (unknown domain, score off the scale...)."""

    status = 422
