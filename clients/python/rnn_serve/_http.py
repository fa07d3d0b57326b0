"""JSON over HTTP with the standard library: the API key as a Bearer token, answers parsed,
errors raised as the client's exceptions. Endpoints are tried in order, moving on only when one
refuses the connection (nothing was sent, so nothing can have been applied twice)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any, Optional, Sequence, Union

from .errors import ConnectionError, error_for

_IDEMPOTENT = {"GET", "DELETE", "HEAD"}


class HttpTransport:
    def __init__(self, url: Union[str, Sequence[str]], api_key: Optional[str] = None, timeout: float = 30.0) -> None:
        endpoints = [url] if isinstance(url, str) else list(url)
        if not endpoints:
            raise ValueError("at least one endpoint URL is needed")
        self.endpoints = [endpoint.rstrip("/") for endpoint in endpoints]
        self.api_key = api_key
        self.timeout = timeout
        self._current = 0

    @property
    def endpoint(self) -> str:
        """The endpoint in use (requests and streams go there first)."""
        return self.endpoints[self._current]

    def rotate(self) -> None:
        """Moves on to the next endpoint (a stream that lost its server calls it)."""
        self._current = (self._current + 1) % len(self.endpoints)

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"} if self.api_key is not None else {}

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """A JSON request; the parsed answer (None for 204)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"accept": "application/json", **self.headers()}
        if data is not None:
            headers["content-type"] = "application/json"
        last_error: Optional[BaseException] = None
        retried = False
        tried = 0
        while tried < len(self.endpoints):
            request = urllib.request.Request(f"{self.endpoint}{path}", data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return _parse(response.status, response.read())
            except urllib.error.HTTPError as error:
                payload = error.read()
                retry_after = error.headers.get("retry-after")
                raise _error(error.code, payload, retry_after) from None
            except (urllib.error.URLError, OSError) as error:
                last_error = error
                reason = getattr(error, "reason", error)
                if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                    self.rotate()
                    tried += 1
                    continue
                if method in _IDEMPOTENT and not retried:
                    retried = True
                    continue
                break
        raise ConnectionError("CONNECTION_FAILED", f"{method} {path}: no endpoint answered ({last_error})")


def _parse(status: int, payload: bytes) -> Any:
    if status == 204 or not payload:
        return None
    return json.loads(payload)


def _error(status: int, payload: bytes, retry_after: Optional[str]) -> Exception:
    try:
        body = json.loads(payload) if payload else {}
    except ValueError:
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    try:
        wait = float(retry_after) if retry_after is not None else None
    except ValueError:
        wait = None
    return error_for(code or f"HTTP_{status}", message or payload.decode("utf-8", "replace"), status, wait)
