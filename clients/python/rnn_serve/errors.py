"""Exceptions: one class per family of the server's error codes (docs/errors.md).

Each carries the server's ``code`` and ``message`` (and the HTTP ``status`` when there is one),
so callers catch a family or branch on ``code``, never on the message text.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "ERROR_FAMILIES",
    "RnnServeError",
    "InvalidRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ConflictError",
    "CapacityError",
    "UnavailableError",
    "ServerError",
    "ConnectionError",
    "error_for",
]


class RnnServeError(Exception):
    """An error the server answered (or the client's own, see ConnectionError)."""

    def __init__(self, code: str, message: str, status: Optional[int] = None, retry_after: Optional[float] = None) -> None:
        super().__init__(f"{code}: {message}")
        #: The server's machine-readable code, e.g. ``"SESSION_NOT_FOUND"``.
        self.code = code
        #: The server's message: what was wrong and where.
        self.message = message
        #: The HTTP status; None for an error frame on a stream.
        self.status = status
        #: Seconds the server asked to wait (``Retry-After``), when it said.
        self.retry_after = retry_after


class InvalidRequestError(RnnServeError):
    """400, 405, 408, 413, 414, 422, 431: the request is wrong (shape, size, unknown token, method); resending it as is will not help."""


class AuthenticationError(RnnServeError):
    """401: no valid API key; 403: a key without the role the route needs (ADMIN_API_KEYS)."""


class NotFoundError(RnnServeError):
    """404: no such route, model or session (deleted, or expired after its TTL)."""


class ConflictError(RnnServeError):
    """409: the session is not at ``expected_t``, holds another package's state, or the model runs whole sequences only (no sessions)."""


class CapacityError(RnnServeError):
    """429: MAX_SESSIONS reached; retry after ``retry_after`` seconds."""


class UnavailableError(RnnServeError):
    """503: the model failed to load, the session store does not answer, or the server drains."""


class ServerError(RnnServeError):
    """500: a fault of the server."""


class ConnectionError(RnnServeError):  # noqa: A001 - the client's own, distinct from the builtin
    """The client's own: no endpoint answered, or a stream could not be resumed."""


#: The family of each server code (a test checks it against the server's src/errors.ts).
ERROR_FAMILIES: dict[str, type[RnnServeError]] = {
    "INVALID_INPUT": InvalidRequestError,
    "PAYLOAD_TOO_LARGE": InvalidRequestError,
    "MALFORMED_REQUEST": InvalidRequestError,
    "METHOD_NOT_ALLOWED": InvalidRequestError,
    "REQUEST_TIMEOUT": InvalidRequestError,
    "URI_TOO_LONG": InvalidRequestError,
    "HEADERS_TOO_LARGE": InvalidRequestError,
    "REQUEST_TOO_LARGE": InvalidRequestError,
    "NON_FINITE_RESULT": InvalidRequestError,
    "MODEL_LOAD_FAILED": InvalidRequestError,
    "UNAUTHORIZED": AuthenticationError,
    "FORBIDDEN": AuthenticationError,
    "NOT_FOUND": NotFoundError,
    "MODEL_NOT_FOUND": NotFoundError,
    "SESSION_NOT_FOUND": NotFoundError,
    "SEQUENCE_CONFLICT": ConflictError,
    "MODEL_MISMATCH": ConflictError,
    "MODEL_VERSION_UNLOADED": ConflictError,
    "MODEL_CONTROL_DISABLED": ConflictError,
    "WHOLE_SEQUENCE_MODEL": ConflictError,
    "SESSION_EXISTS": ConflictError,
    "TOO_MANY_SESSIONS": CapacityError,
    "MODEL_NOT_READY": UnavailableError,
    "STORE_UNAVAILABLE": UnavailableError,
    "SHUTTING_DOWN": UnavailableError,
    "INTERNAL_ERROR": ServerError,
}


def _family_of_status(status: Optional[int]) -> type[RnnServeError]:
    if status is None:
        return RnnServeError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return CapacityError
    if status == 503:
        return UnavailableError
    if status >= 500:
        return ServerError
    if status >= 400:
        return InvalidRequestError
    return RnnServeError


def error_for(code: str, message: str, status: Optional[int] = None, retry_after: Optional[float] = None) -> RnnServeError:
    """The exception for a server answer; unknown codes fall back on their status's family."""
    family = ERROR_FAMILIES.get(code) or _family_of_status(status)
    return family(code, message, status, retry_after)
