"""Error pages (400/401/403/404/405/409/413/422/500) in the user's language.

Never a traceback: unexpected errors are logged and shown as a 500 page that
says nothing was saved (every write is one transaction). The REST API keeps
its JSON error bodies: for /api/ paths the API's own handlers answer.
"""
from __future__ import annotations

import logging

from flask import Flask, redirect, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from engine.runtime.errors import ServiceError, Unauthorized
from engine.runtime.web import context
from engine.runtime.web.refusals import refusal_lines
from engine.runtime.web.screens import screens

log = logging.getLogger(__name__)
API_PREFIX = "/api/"

TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You do not have access to this"),
    404: _l("Not found"),
    405: _l("This action is not available here"),
    409: _l("Someone else changed this record"),
    413: _l("What you sent is too large"),
    422: _l("This could not be saved"),
    500: _l("Something went wrong on our side"),
}
HINTS = {
    404: _l("The page or record does not exist, or you may not see it."),
    500: _l("Nothing was saved. Please try again; if it happens again, tell your administrator."),
}


# Answers that share a status but not a meaning: a duplicate is no edit conflict.
CODE_TITLES = {"duplicate": _l("This value is already used by another record")}


def error_page(status: int, message: str | None = None, details=(), code: str | None = None):
    status = status if status in TITLES else (500 if status >= 500 else 400)
    return context.render_screen("runtime/error.html", status=status, code=status,
                                 heading=CODE_TITLES.get(code or "", TITLES[status]), hint=HINTS.get(status, ""),
                                 message=message, details=list(details))


@screens.errorhandler(ServiceError)
def on_service_error(error: ServiceError):
    if isinstance(error, Unauthorized):
        target = context.login_url()
        if target:
            return redirect(target)
    said = refusal_lines(error)        # a limit or a timeout: in the user's language
    if said:
        return error_page(error.status, said[0])
    return error_page(error.status, error.message, error.details, error.code)


@screens.errorhandler(Exception)
def on_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500)


def register(app: Flask) -> None:
    """Wrap the API's app-wide HTTP error handler: /api/ paths keep it, screens get pages."""
    handlers = app.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    api_handler = handlers.get(HTTPException)

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException):
        if request.path.startswith(API_PREFIX) and api_handler is not None:
            return api_handler(error)
        if error.code is None or error.code < 400:
            return error
        return error_page(error.code)
