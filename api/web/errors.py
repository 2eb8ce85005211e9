"""One error shape for every 4xx and 5xx: RFC 9457 problem details.

Every error, whether raised by `abort` in a view, by argument validation, by routing (unknown
path, wrong method) or by an unexpected exception, leaves as `application/problem+json`
with `type`, `title`, `status`, `detail` and, for invalid parameters, `errors`. A request the
store cannot answer (the database restarting or out of reach) is a 503 with `Retry-After`.
"""

from http import HTTPStatus

import sqlalchemy as sa
from flask import current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Seconds a client should wait after the store failed to answer: about a database restart.
STORE_RETRY_AFTER = 5


def problem_response(status, detail, errors=None, headers=None):
    """Build the problem-details response for an HTTP status."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = current_app.json.response(body)
    response.status_code = status
    response.content_type = PROBLEM_CONTENT_TYPE
    response.headers.extend(headers or {})
    return response


def _message_text(messages):
    """Flatten marshmallow's messages for one parameter (list items are keyed by index)."""
    if isinstance(messages, dict):
        return " ".join(f"item {key}: {_message_text(value)}" for key, value in messages.items())
    if isinstance(messages, list):
        return " ".join(_message_text(message) for message in messages)
    return str(messages)


def _describe_invalid_arguments(messages):
    """'Invalid query parameter 'page_size': Must be ...' from webargs' nested messages."""
    parts = [
        f"{location} parameter {name!r}: {_message_text(field_messages)}"
        for location, fields in messages.items()
        for name, field_messages in fields.items()
    ]
    return "Invalid " + "; ".join(parts)


def _default_detail(error):
    if error.code == 404:
        return f"Nothing at {request.path}."
    if error.code == 405:
        return f"{request.method} is not allowed on {request.path}."
    return error.description or HTTPStatus(error.code).description


def handle_http_exception(error):
    """Turn any HTTPException into a problem response, keeping the headers HTTP requires."""
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if "message" in data:
        detail = data["message"]
    elif errors:
        detail = _describe_invalid_arguments(errors)
    else:
        detail = _default_detail(error)
    headers = dict(data.get("headers") or {})
    # flask-smorest's own handler drops werkzeug's headers, losing the Allow header a 405
    # must carry (RFC 9110 section 15.5.6) and Retry-After on a 429 or 503.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            headers.setdefault(name, value)
    return problem_response(error.code, detail, errors=errors, headers=headers)


def handle_unexpected_exception(error):
    """Log an unexpected exception and answer 500 without leaking internals."""
    current_app.logger.exception(
        "Unhandled exception on %s %s",
        request.method,
        request.path,
        extra={"request_id": request.headers.get("X-Request-ID")},
    )
    return handle_http_exception(InternalServerError())


def handle_store_unavailable(error):
    """Answer 503 with Retry-After when the database fails a request: it is restarting or out of
    reach, which passes; the engine's pre-ping reconnects once it is back."""
    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    current_app.logger.warning(
        "The store did not answer %s %s: %s",
        request.method,
        request.path,
        reason,
        extra={"request_id": request.headers.get("X-Request-ID")},
    )
    unavailable = ServiceUnavailable(retry_after=STORE_RETRY_AFTER)
    unavailable.description = "The store does not answer right now; try again shortly."
    return handle_http_exception(unavailable)


def register_error_handlers(app):
    """Route every error through the one problem shape."""
    app.register_error_handler(HTTPException, handle_http_exception)
    # A DBAPI error (connection refused or lost, server shutting down) is the database's
    # state, not a bug: 503, never a 500. Other SQLAlchemy errors stay unexpected.
    app.register_error_handler(sa.exc.DBAPIError, handle_store_unavailable)
    app.register_error_handler(Exception, handle_unexpected_exception)
