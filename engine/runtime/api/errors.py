"""JSON error answers for the API: the DESIGN §5 error body, never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from engine.runtime.errors import ServiceError

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests"}


def error_response(status: int, code: str, message: str, details=()):
    body = {"error": {"code": code, "message": message, "details": list(details)}}
    return jsonify(body), status


def service_error_response(error: ServiceError):
    response = jsonify(error.as_dict())
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="liandong"'
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def on_service_error(error: ServiceError):
        if request.path.startswith(API_PREFIX):
            return service_error_response(error)
        raise error

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException):
        if not request.path.startswith(API_PREFIX):
            return error
        message = {413: "The request body is too large"}.get(error.code, error.description)
        return error_response(error.code or 500, HTTP_CODES.get(error.code, "error"), message)

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return on_http_error(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith(API_PREFIX):
            return error_response(500, "internal_error",
                                  "Something went wrong on our side; the change was not saved")
        raise error
