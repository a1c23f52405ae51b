"""Errors a caller can cause, each with an HTTP status, a code and its places.

The REST API turns them into DESIGN §5's error body; screens into a page or
field messages; the CLI into a line. Nothing else reaches a user.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "NO_VALUE"})()


@dataclass
class ErrorDetail:
    field: str | None
    message: str
    # Keyword-only: the offending value, where naming it helps (a duplicate), and
    # more keys of the answer (a failed check's record and rules).
    value: Any = field(default=NO_VALUE, kw_only=True)
    extra: Mapping[str, Any] | None = field(default=None, kw_only=True)

    def as_dict(self) -> dict[str, Any]:
        shown = {"field": self.field, "message": self.message, **(self.extra or {})}
        if self.value is not NO_VALUE:
            shown["value"] = self.value
        return shown


@dataclass
class ServiceError(Exception):
    message: str
    details: list[ErrorDetail] = field(default_factory=list)
    status = 400
    code = "bad_request"

    def __post_init__(self):
        Exception.__init__(self, self.message)

    def __str__(self) -> str:
        if not self.details:
            return self.message
        places = "; ".join(f"{d.field}: {d.message}" if d.field else d.message
                           for d in self.details)
        return f"{self.message}: {places}"

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message,
                          "details": [d.as_dict() for d in self.details]}}


class BadRequest(ServiceError):
    status, code = 400, "bad_request"


@dataclass
class ExpressionLimit(BadRequest):
    """A filter or expression over a limit: too long, nested or complex, or building
    text, a list or a number over the size limit, or computing too long. `limit`:
    an expression_limits.Limit (kind, bound), for messages in the user's language."""
    limit: Any = None
    code = "limit_exceeded"


@dataclass
class QueryTimeout(BadRequest):
    """A list, report or export query cut by the statement time limit."""
    seconds: float = 0
    code = "query_timeout"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    """The record changed since the caller read it (a stale version), or it is
    still referred to by others."""
    status, code = 409, "conflict"


class Duplicate(ServiceError):
    """A unique field (or field set) already holds this value in another record:
    each detail names a field and its value. Not a `Conflict`: reloading the
    record does not help, changing the value does."""
    status, code = 409, "duplicate"


class PayloadTooLarge(ServiceError):
    status, code = 413, "payload_too_large"


class ValidationFailed(ServiceError):
    status, code = 422, "validation_failed"


class ConfirmationRequired(ValidationFailed):
    """Only warning checks tripped: nothing was written; the same request with
    `"confirm": true` goes ahead. `sentences` name each warning's record and rule
    (for screens); the details carry the warnings' own messages."""
    code = "confirmation_required"

    def __init__(self, message: str, details, *, sentences=()):
        super().__init__(message, details)
        self.sentences = list(sentences)


class ErrorCollector:
    """Collects field errors so a caller sees all of them at once, not first-only."""

    def __init__(self):
        self.details: list[ErrorDetail] = []

    def add(self, path: str | None, message: str) -> None:
        self.details.append(ErrorDetail(path, message))

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self, error_class: type[ServiceError] = ValidationFailed,
                     message: str = "The record is not valid") -> None:
        if self.details:
            raise error_class(message, list(self.details))
