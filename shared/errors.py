"""The one error hierarchy of the platform; the HTTP layer maps it to problem+json once."""

from __future__ import annotations

from typing import Any, ClassVar


class PlatformError(Exception):
    """A failure a caller can act on: carries its HTTP status and a stable problem type."""

    status_code: ClassVar[int] = 400
    problem_type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthorized(PlatformError):
    status_code = 401
    problem_type = "unauthorized"
    title = "Authentication required"


class Forbidden(PlatformError):
    status_code = 403
    problem_type = "forbidden"
    title = "Not allowed"


class NotFound(PlatformError):
    status_code = 404
    problem_type = "not-found"
    title = "Not found"


class Conflict(PlatformError):
    status_code = 409
    problem_type = "conflict"
    title = "Conflict with the current state"


class StaleVersion(Conflict):
    """An update based on a version that is no longer the current one."""

    problem_type = "stale-version"
    title = "The record changed since you read it"


class InvalidInput(PlatformError):
    """Input that passed the schema but breaks a rule; name the field when there is one."""

    status_code = 422
    problem_type = "validation-error"
    title = "Invalid input"

    def __init__(self, message: str, *, field: str | None = None, **extensions: Any) -> None:
        if field is not None:
            extensions.setdefault("errors", [{"field": field, "message": message}])
        super().__init__(message, **extensions)


class Unavailable(PlatformError):
    status_code = 503
    problem_type = "unavailable"
    title = "A dependency is unavailable"


class PreconditionRequired(PlatformError):
    """An update came without the version it was based on."""

    status_code = 428
    problem_type = "precondition-required"
    title = "Say which version you are changing"
