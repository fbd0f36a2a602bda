"""The one error hierarchy of the platform; the HTTP layer maps it to problem+json once."""

from __future__ import annotations

from typing import Any, ClassVar


class PlatformError(Exception):
    """A failure a caller can act on: carries its HTTP status and a stable problem type.

    A subclass states them in its header:
    `class Forbidden(PlatformError, status=403, problem="forbidden", title="Not allowed")`;
    what it leaves out it inherits.
    """

    status_code: ClassVar[int] = 400
    problem_type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init_subclass__(
        cls, *, status: int | None = None, problem: str | None = None, title: str | None = None
    ) -> None:
        super().__init_subclass__()
        cls.status_code = status or cls.status_code
        cls.problem_type = problem or cls.problem_type
        cls.title = title or cls.title

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthorized(
    PlatformError, status=401, problem="unauthorized", title="Authentication required"
):
    pass


class Forbidden(PlatformError, status=403, problem="forbidden", title="Not allowed"):
    pass


class NotFound(PlatformError, status=404, problem="not-found", title="Not found"):
    pass


class Conflict(
    PlatformError, status=409, problem="conflict", title="Conflict with the current state"
):
    pass


class StaleVersion(Conflict, problem="stale-version", title="The record changed since you read it"):
    """An update based on a version that is no longer the current one."""


class InvalidInput(PlatformError, status=422, problem="validation-error", title="Invalid input"):
    """Input that passed the schema but breaks a rule; name the field when there is one."""

    def __init__(self, message: str, *, field: str | None = None, **extensions: Any) -> None:
        if field is not None:
            extensions.setdefault("errors", [{"field": field, "message": message}])
        super().__init__(message, **extensions)


class Unavailable(
    PlatformError, status=503, problem="unavailable", title="A dependency is unavailable"
):
    pass


class PreconditionRequired(
    PlatformError,
    status=428,
    problem="precondition-required",
    title="Say which version you are changing",
):
    """An update came without the version it was based on."""
