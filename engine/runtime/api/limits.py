"""How large a body each API view accepts: `MAX_CONTENT_LENGTH` (1 MB) unless
the view says otherwise with `@accepts_body(limit)` (the batch endpoint, the
import). Read before the view runs too, by the Idempotency-Key hook, which
fingerprints the body."""
from __future__ import annotations

from typing import Callable

from flask import current_app, request

LIMIT_ATTRIBUTE = "liandong_body_limit"


def accepts_body(limit: Callable[[], int]):
    """Mark a view as accepting bodies up to `limit()` bytes."""
    def mark(view):
        setattr(view, LIMIT_ATTRIBUTE, limit)
        return view
    return mark


def body_limit() -> int:
    """The body limit of the current request's view, in bytes."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, LIMIT_ATTRIBUTE, None)
    return limit() if limit is not None else current_app.config["MAX_CONTENT_LENGTH"]


def allow_body_limit() -> int:
    """Let the request stream up to the view's limit; returns the limit."""
    limit = body_limit()
    request.max_content_length = limit
    return limit
