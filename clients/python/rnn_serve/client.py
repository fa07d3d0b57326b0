"""The client: one object holding the server's address (or several replicas') and the API key, with
methods named after the API's nouns and verbs. :class:`Client` blocks; :class:`AsyncClient` has the
same methods as coroutines (its HTTP calls run in a worker thread, its streams natively)."""

from __future__ import annotations

import asyncio
import functools
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, TypeVar, Union

from . import _arrays
from ._http import HttpTransport
from .errors import NotFoundError
from .stream import AsyncStream, Stream

__all__ = ["Client", "AsyncClient", "Session", "AsyncSession", "Prediction", "Generation"]

T = TypeVar("T")


@dataclass
class Prediction:
    """Every y_t of a sequence (T x output_size) and the final state (``{"h", "c"?}``)."""

    outputs: Any
    state: Any


@dataclass
class Generation:
    """Generated text: ``text``, its ``tokens`` (ids), ``finish_reason`` ("length" or "stop"),
    the ``seed`` used; ``t`` for a session."""

    text: str
    tokens: list
    finish_reason: str
    seed: int
    stop_sequence: Optional[str] = None
    t: Optional[int] = None


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _inputs_body(inputs: Any = None, text: Optional[str] = None, tokens: Optional[Sequence[Any]] = None) -> dict:
    given = [value is not None for value in (inputs, text, tokens)]
    if sum(given) != 1:
        raise ValueError("give exactly one of inputs, text, tokens")
    if text is not None:
        return {"text": text}
    if tokens is not None:
        return {"tokens": list(tokens)}
    return {"inputs": _arrays.to_rows(inputs)}


def _generation(answer: dict) -> Generation:
    return Generation(answer["text"], answer["tokens"], answer["finish_reason"], answer["seed"], answer.get("stop_sequence"), answer.get("t"))


class Session:
    """A session over REST (the server keeps its state). Every step carries the t the session is
    expected at, so a step resent after a timeout is refused (ConflictError), never applied twice.
    As a context manager (``with client.session(model) as s:``) it is deleted on exit."""

    def __init__(self, http: HttpTransport, info: dict) -> None:
        self._http = http
        #: What the server answered when the session was created or read.
        self.info = info
        #: The session id.
        self.id: str = info["session_id"]
        self.model: str = info["model"]
        #: The session's t as this client last saw it.
        self.t: int = info["t"]

    def _path(self, suffix: str = "") -> str:
        return f"/v1/sessions/{_quote(self.id)}{suffix}"

    def _advance(self, body: dict) -> Any:
        answer = self._http.request("POST", self._path("/steps"), {**body, "expected_t": self.t})
        self.t = answer["t"]
        return _arrays.from_rows(answer["outputs"])

    def step(self, x: Any) -> Any:
        """One element (a vector, or a token of a token model): its output row."""
        if isinstance(x, (str, int)) and not isinstance(x, bool):
            return self._advance({"tokens": [x]})[0]
        return self._advance({"inputs": [_arrays.to_vector(x)]})[0]

    def steps(self, inputs: Any = None, *, text: Optional[str] = None, tokens: Optional[Sequence[Any]] = None) -> Any:
        """Several elements: T x output_size."""
        return self._advance(_inputs_body(inputs, text, tokens))

    def state(self) -> Any:
        """The session's state (``{"h", "c"?}``); also refreshes ``t``."""
        answer = self._http.request("GET", self._path())
        self.t = answer["t"]
        return _arrays.from_state(answer["state"])

    def reset(self, state: Any = None) -> None:
        """Back to t = 0, from ``state`` or zeros."""
        answer = self._http.request("POST", self._path("/reset"), {"state": _arrays.to_state(state)} if state is not None else {})
        self.t = answer["t"]

    def generate(self, text: Optional[str] = None, *, tokens: Optional[Sequence[Any]] = None, **options: Any) -> Generation:
        """Generates from the session's state (token models) and advances it; ``max_tokens``,
        ``temperature``, ``top_k``, ``top_p``, ``seed``, ``stop`` as the server names them."""
        body = {**_inputs_body(None, text, tokens), **options, "expected_t": self.t, "return_state": False}
        answer = self._http.request("POST", self._path("/generate"), body)
        self.t = answer["t"]
        return _generation(answer)

    def forecast(self, inputs: Any, horizon: int) -> Any:
        """Runs ``inputs``, then ``horizon`` predictions each fed back; advances the session."""
        body = {"inputs": _arrays.to_rows(inputs), "horizon": horizon, "expected_t": self.t, "return_state": False}
        answer = self._http.request("POST", self._path("/forecast"), body)
        self.t = answer["t"]
        return _arrays.from_rows(answer["outputs"])

    def delete(self) -> None:
        """Deletes the session; one already gone (expired) is not an error here."""
        try:
            self._http.request("DELETE", self._path())
        except NotFoundError:
            pass

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.delete()


class Client:
    """``Client("http://127.0.0.1:8080", api_key=None)``.

    ``url`` may also be a list of replicas' URLs (no load balancer): requests and streams move to
    the next one when one cannot be reached.
    """

    def __init__(self, url: Union[str, Sequence[str]], api_key: Optional[str] = None, timeout: float = 30.0) -> None:
        self.http = HttpTransport(url, api_key, timeout)

    def models(self) -> list[dict]:
        """Every model package, loaded or failed (name, status, sizes, vocab or labels...)."""
        return self.http.request("GET", "/v1/models")["models"]

    def model(self, name: str) -> dict:
        """One model's description."""
        return self.http.request("GET", f"/v1/models/{_quote(name)}")

    def predict(self, model: str, inputs: Any = None, state: Any = None, *, text: Optional[str] = None, tokens: Optional[Sequence[Any]] = None) -> Prediction:
        """Every y_t of one sequence (T x input_size: lists or a numpy array; or ``text=``/``tokens=``
        for token models) and the final state, from ``state`` or zeros."""
        body = _inputs_body(inputs, text, tokens)
        if state is not None:
            body["state"] = _arrays.to_state(state)
        answer = self.http.request("POST", f"/v1/models/{_quote(model)}/predict", body)
        return Prediction(_arrays.from_rows(answer["outputs"]), _arrays.from_state(answer["state"]))

    def predict_batch(self, model: str, sequences: Sequence[Any]) -> list[Prediction]:
        """Several sequences of any lengths at once. Each is its inputs, or a dict with ``inputs``
        (or ``text``/``tokens``) and an optional ``state``; results in their order."""
        bodies = []
        for sequence in sequences:
            if isinstance(sequence, dict):
                body = _inputs_body(sequence.get("inputs"), sequence.get("text"), sequence.get("tokens"))
                if sequence.get("state") is not None:
                    body["state"] = _arrays.to_state(sequence["state"])
            else:
                body = _inputs_body(sequence)
            bodies.append(body)
        answer = self.http.request("POST", f"/v1/models/{_quote(model)}/predict", {"sequences": bodies})
        return [Prediction(_arrays.from_rows(r["outputs"]), _arrays.from_state(r["state"])) for r in answer["results"]]

    def generate(
        self,
        model: str,
        text: Optional[str] = None,
        *,
        tokens: Optional[Sequence[Any]] = None,
        max_tokens: Optional[int] = None,
        temperature: Optional[float] = None,
        seed: Optional[int] = None,
        **options: Any,
    ) -> Generation:
        """Text from a token model: the prompt, then sampled tokens (the same seed gives the same
        text). Also ``top_k``, ``top_p``, ``stop``, ``state``."""
        named = {"max_tokens": max_tokens, "temperature": temperature, "seed": seed}
        body = {**_inputs_body(None, text, tokens), **{k: v for k, v in named.items() if v is not None}, **options, "return_state": False}
        if "state" in body:
            body["state"] = _arrays.to_state(body["state"])
        return _generation(self.http.request("POST", f"/v1/models/{_quote(model)}/generate", body))

    def forecast(self, model: str, inputs: Any, horizon: int, state: Any = None) -> Any:
        """The history, then ``horizon`` predictions each fed back as the next input (raw units)."""
        body: dict = {"inputs": _arrays.to_rows(inputs), "horizon": horizon, "return_state": False}
        if state is not None:
            body["state"] = _arrays.to_state(state)
        return _arrays.from_rows(self.http.request("POST", f"/v1/models/{_quote(model)}/forecast", body)["outputs"])

    def session(self, model: str, state: Any = None, ttl_seconds: Optional[int] = None) -> Session:
        """A new session on ``model``; as a context manager it is deleted on exit."""
        body: dict = {"model": model}
        if state is not None:
            body["state"] = _arrays.to_state(state)
        if ttl_seconds is not None:
            body["ttl_seconds"] = ttl_seconds
        return Session(self.http, self.http.request("POST", "/v1/sessions", body))

    def get_session(self, session_id: str) -> Session:
        """An existing session, by id."""
        return Session(self.http, self.http.request("GET", f"/v1/sessions/{_quote(session_id)}"))

    def stream(
        self,
        model: str,
        *,
        binary: bool = False,
        resume: bool = True,
        max_reconnects: int = 10,
        reconnect_delay: float = 0.1,
        heartbeat: float = 20.0,
        ttl_seconds: Optional[int] = None,
    ) -> Stream:
        """A resumable stream on a new session of ``model``. The session is created over REST (one
        owned by its connection would be deleted when the connection drops, leaving nothing to
        resume) and deleted when the stream closes."""
        session = self.session(model, ttl_seconds=ttl_seconds)

        async def delete() -> None:
            await asyncio.to_thread(session.delete)

        options = dict(binary=binary, resume=resume, max_reconnects=max_reconnects, reconnect_delay=reconnect_delay, heartbeat=heartbeat)
        try:
            return Stream(lambda: AsyncStream(self.http, session.id, on_close=delete, **options))  # type: ignore[arg-type]
        except BaseException:
            session.delete()
            raise

    def attach(
        self, session_id: str, *, binary: bool = False, resume: bool = True, max_reconnects: int = 10, reconnect_delay: float = 0.1, heartbeat: float = 20.0
    ) -> Stream:
        """A resumable stream on an existing session (left in place when the stream closes)."""
        options = dict(binary=binary, resume=resume, max_reconnects=max_reconnects, reconnect_delay=reconnect_delay, heartbeat=heartbeat)
        return Stream(lambda: AsyncStream(self.http, session_id, **options))  # type: ignore[arg-type]


class AsyncSession:
    """:class:`Session` with coroutines; ``async with`` deletes it on exit."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.id = session.id
        self.model = session.model

    @property
    def t(self) -> int:
        return self._session.t

    async def step(self, x: Any) -> Any:
        return await asyncio.to_thread(self._session.step, x)

    async def steps(self, inputs: Any = None, *, text: Optional[str] = None, tokens: Optional[Sequence[Any]] = None) -> Any:
        return await asyncio.to_thread(functools.partial(self._session.steps, inputs, text=text, tokens=tokens))

    async def state(self) -> Any:
        return await asyncio.to_thread(self._session.state)

    async def reset(self, state: Any = None) -> None:
        await asyncio.to_thread(self._session.reset, state)

    async def generate(self, text: Optional[str] = None, **options: Any) -> Generation:
        return await asyncio.to_thread(functools.partial(self._session.generate, text, **options))

    async def forecast(self, inputs: Any, horizon: int) -> Any:
        return await asyncio.to_thread(self._session.forecast, inputs, horizon)

    async def delete(self) -> None:
        await asyncio.to_thread(self._session.delete)

    async def __aenter__(self) -> "AsyncSession":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.delete()


class _Opening:
    """What AsyncClient.session/stream return: awaitable, and an async context manager."""

    def __init__(self, open: Callable[[], Any]) -> None:
        self._open = open
        self._value: Any = None

    def __await__(self) -> Any:
        return self._open().__await__()

    async def __aenter__(self) -> Any:
        self._value = await self._open()
        return self._value

    async def __aexit__(self, *exc: Any) -> None:
        await (self._value.close() if hasattr(self._value, "close") else self._value.delete())


class AsyncClient:
    """:class:`Client` with coroutines of the same names. ``async with client.session(m) as s``
    and ``async with client.stream(m) as s`` release what they opened."""

    def __init__(self, url: Union[str, Sequence[str]], api_key: Optional[str] = None, timeout: float = 30.0) -> None:
        self._sync = Client(url, api_key, timeout)
        self.http = self._sync.http

    async def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(functools.partial(method, *args, **kwargs))

    async def models(self) -> list[dict]:
        return await self._call(self._sync.models)

    async def model(self, name: str) -> dict:
        return await self._call(self._sync.model, name)

    async def predict(self, model: str, inputs: Any = None, state: Any = None, **kwargs: Any) -> Prediction:
        return await self._call(self._sync.predict, model, inputs, state, **kwargs)

    async def predict_batch(self, model: str, sequences: Sequence[Any]) -> list[Prediction]:
        return await self._call(self._sync.predict_batch, model, sequences)

    async def generate(self, model: str, text: Optional[str] = None, **kwargs: Any) -> Generation:
        return await self._call(self._sync.generate, model, text, **kwargs)

    async def forecast(self, model: str, inputs: Any, horizon: int, state: Any = None) -> Any:
        return await self._call(self._sync.forecast, model, inputs, horizon, state)

    def session(self, model: str, state: Any = None, ttl_seconds: Optional[int] = None) -> Any:
        """``await client.session(m)`` or ``async with client.session(m) as s``: an AsyncSession."""

        async def open() -> AsyncSession:
            return AsyncSession(await self._call(self._sync.session, model, state, ttl_seconds))

        return _Opening(open)

    def stream(self, model: str, *, ttl_seconds: Optional[int] = None, **options: Any) -> Any:
        """``await client.stream(m)`` or ``async with client.stream(m) as s``: an AsyncStream on a
        new session, deleted when the stream closes."""

        async def open() -> AsyncStream:
            session = await self._call(self._sync.session, model, None, ttl_seconds)

            async def delete() -> None:
                await asyncio.to_thread(session.delete)

            try:
                return await AsyncStream(self.http, session.id, on_close=delete, **options).open()
            except BaseException:
                await asyncio.to_thread(session.delete)
                raise

        return _Opening(open)

    def attach(self, session_id: str, **options: Any) -> Any:
        """``await client.attach(id)`` or ``async with client.attach(id) as s``: an AsyncStream."""

        async def open() -> AsyncStream:
            return await AsyncStream(self.http, session_id, **options).open()

        return _Opening(open)
