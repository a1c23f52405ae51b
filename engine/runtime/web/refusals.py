"""Why a filter was refused, in the user's language: an expression over a limit
(engine/runtime/expression_limits.py) or a query cut by the statement time
limit (engine/db.py). The API keeps its English message and error code; the
screens say it from the error's structured parts, never from that message."""
from __future__ import annotations

from flask_babel import gettext as _

from engine.runtime.errors import ExpressionLimit, QueryTimeout, ServiceError


def limit_reason(kind: str, bound: int) -> str:
    bound_text = f"{bound:,}"
    reasons = {
        "text": lambda: _("it would build text longer than %(bound)s characters", bound=bound_text),
        "list": lambda: _("it would build a list longer than %(bound)s items", bound=bound_text),
        "number": lambda: _("it would build a number longer than %(bound)s digits", bound=bound_text),
        "source": lambda: _("it is longer than %(bound)s characters", bound=bound_text),
        "parts": lambda: _("it has more than %(bound)s parts", bound=bound_text),
        "depth": lambda: _("it is nested more than %(bound)s levels deep", bound=bound_text),
        "exponent": lambda: _("a power is too large (exponent at most %(bound)s)", bound=bound_text),
        "time": lambda: _("it took longer than %(bound)s ms to compute", bound=bound_text),
    }
    return reasons[kind]() if kind in reasons else _("it is over a size limit (%(bound)s)", bound=bound_text)


def refusal_lines(error: ServiceError) -> list[str] | None:
    """The lines a screen shows for a limit or a timeout; None for other errors."""
    if isinstance(error, QueryTimeout):
        return [_("Reading took longer than %(seconds)s seconds and was stopped. "
                  "Narrow the filter and try again.", seconds=f"{error.seconds:g}")]
    if isinstance(error, ExpressionLimit) and error.limit is not None:
        return [_("Filter: %(reason)s", reason=limit_reason(error.limit.kind, error.limit.bound))]
    return None
