"""WebSocket streams on one session that survive a dropped connection (openapi/stream.md).

Every message sent is kept until its reply arrives. When the connection drops (the server died,
a proxy cut it), the stream reattaches to the session (``GET /v1/sessions/{id}/stream``, on the
next endpoint when the first does not answer), reads ``ready.t`` and reconciles: messages the
session had already applied before the drop (their replies were lost with the connection) are
answered with ``outputs=None`` and never resent; the rest are resent from ``ready.t`` with
``expected_t``, so no element is lost and none is applied twice. A ``generate`` cut short
stored nothing on the server: it is resent with the same seed (the client always sends one),
which draws the same tokens, and tokens already delivered are not delivered again.

:class:`AsyncStream` is the asyncio stream; :class:`Stream` is the same API, blocking, running an
AsyncStream on an event loop of its own in a background thread.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Iterable, Iterator, NamedTuple, Optional, TypeVar

from . import _arrays
from ._http import HttpTransport
from .errors import ConflictError, ConnectionError, InvalidRequestError, RnnServeError, error_for

try:  # websockets >= 13 has the new asyncio client; Debian 12 ships 10.4 (the legacy one)
    from websockets.asyncio.client import connect as _ws_connect

    _HEADERS_ARG = "additional_headers"
except ImportError:  # pragma: no cover - depends on the installed version
    from websockets.client import connect as _ws_connect  # type: ignore[no-redef]

    _HEADERS_ARG = "extra_headers"
from websockets.exceptions import ConnectionClosed, InvalidHandshake

__all__ = ["AsyncStream", "Stream", "StepReply", "GenerateReply", "TokenEvent"]

T = TypeVar("T")
_CONNECT_TIMEOUT = 10.0
_FATAL_CODES = {"SESSION_NOT_FOUND", "UNAUTHORIZED", "MODEL_MISMATCH", "MODEL_NOT_FOUND"}


class StepReply(NamedTuple):
    """The answer to one step message."""

    #: The session's t after the message.
    t: int
    #: k x output_size (a float32 array with numpy); None when the session applied the message
    #: but its reply was lost with a dropped connection.
    outputs: Any
    id: Any = None


class TokenEvent(NamedTuple):
    index: int
    token: str
    token_id: int


class GenerateReply(NamedTuple):
    t: int
    text: str
    tokens: list
    finish_reason: str
    seed: int
    stop_sequence: Optional[str] = None


@dataclass(eq=False)
class _Pending:
    kind: str  # "step" | "state" | "reset" | "generate"
    future: "asyncio.Future[Any]"
    body: Any = None  # dict (JSON) or bytes (binary)
    count: int = 0
    id: Any = None
    on_token: Optional[Callable[[TokenEvent], None]] = None
    delivered: int = 0
    sent_on: int = -1  # connection number it was last sent on


@dataclass
class _Ready:
    session_id: str
    model: str
    t: int
    input_size: int
    output_size: int


class AsyncStream:
    """An asyncio stream on session ``session_id``. Open it with ``await AsyncClient.stream(...)``
    or ``AsyncClient.attach(...)``; ``async with`` closes it."""

    def __init__(
        self,
        http: HttpTransport,
        session_id: str,
        *,
        binary: bool = False,
        resume: bool = True,
        max_reconnects: int = 10,
        reconnect_delay: float = 0.1,
        heartbeat: float = 20.0,
        on_close: Optional[Callable[[], Awaitable[None]]] = None,
    ) -> None:
        self._http = http
        self.session_id = session_id
        self.binary = binary
        self.resume = resume
        self.max_reconnects = max_reconnects
        self.reconnect_delay = reconnect_delay
        #: Seconds between pings; a connection whose server answers no ping for as long is
        #: dropped and resumed (a frozen server sends no reset). 0 turns pings off.
        self.heartbeat = heartbeat
        self._on_close = on_close
        #: Times the stream reattached after losing its connection.
        self.reconnects = 0
        self.model = ""
        self.input_size = 0
        self.output_size = 0
        self._ack_t = 0
        self._pending: Deque[_Pending] = collections.deque()
        self._unread: Deque["asyncio.Future[StepReply]"] = collections.deque()
        self._ws: Any = None
        self._connection = 0
        self._reader: Optional["asyncio.Task[None]"] = None
        self._heartbeats: set = set()
        self._write_lock = asyncio.Lock()
        self._closing = False
        self._failed: Optional[BaseException] = None

    # ---- opening and closing ------------------------------------------------------------------

    async def open(self) -> "AsyncStream":
        """Connects and waits for ``ready`` (raises the server's error when the upgrade is refused)."""
        ws, ready = await self._connect()
        self.model, self.input_size, self.output_size = ready.model, ready.input_size, ready.output_size
        self._ack_t = ready.t
        self._adopt(ws)
        return self

    async def close(self) -> None:
        """Waits for every reply, closes the connection (1000) and, for a stream opened on a model,
        deletes its session."""
        if self._closing:
            return
        if self._pending:
            await asyncio.gather(*(p.future for p in list(self._pending)), return_exceptions=True)
        self._closing = True
        if self._ws is not None:
            await self._ws.close(1000)
        tasks = [task for task in [self._reader, *self._heartbeats] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for future in self._unread:
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: never "exception was never retrieved"
        if self._on_close is not None:
            await self._on_close()

    async def __aenter__(self) -> "AsyncStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    @property
    def t(self) -> int:
        """The session's t after the last answered message."""
        return self._ack_t

    @property
    def waiting(self) -> int:
        """Replies of send()/send_many() messages not yet received."""
        return len(self._unread)

    # ---- sending ------------------------------------------------------------------------------

    async def send(self, x: Any, id: Any = None) -> None:
        """Sends one element (a vector, or a token of a token model); read its reply with recv()
        or by iterating."""
        future = await self._enqueue(self._element(x), 1, id)
        self._unread.append(future)

    async def send_many(self, inputs: Any = None, *, text: Optional[str] = None, tokens: Optional[list] = None, id: Any = None) -> None:
        """Sends several elements as one message (vectors, or ``text=``/``tokens=``)."""
        body, count = self._sequence(inputs, text, tokens)
        future = await self._enqueue(body, count, id)
        self._unread.append(future)

    async def recv(self) -> StepReply:
        """The next reply of a send()/send_many() message, in the order they were sent."""
        if not self._unread:
            raise InvalidRequestError("NOTHING_SENT", "recv() with no send() waiting for its reply")
        return await self._unread.popleft()

    def __aiter__(self) -> AsyncIterator[StepReply]:
        return self._replies()

    async def _replies(self) -> AsyncIterator[StepReply]:
        while self._unread:
            yield await self.recv()

    async def step(self, x: Any) -> Any:
        """One element, answered: its output row."""
        reply = await (await self._enqueue(self._element(x), 1, None))
        return _require(reply)[0]

    async def steps(self, inputs: Any = None, *, text: Optional[str] = None, tokens: Optional[list] = None) -> Any:
        """Several elements in one message, answered: T x output_size."""
        body, count = self._sequence(inputs, text, tokens)
        return _require(await (await self._enqueue(body, count, None)))

    async def map(self, inputs: Iterable[Any], window: int = 32) -> AsyncIterator[StepReply]:
        """Streams ``inputs`` one element per message with up to ``window`` in flight, yielding
        each reply in order."""
        in_flight: Deque["asyncio.Future[StepReply]"] = collections.deque()
        for x in inputs:
            in_flight.append(await self._enqueue(self._element(x), 1, None))
            if len(in_flight) >= window:
                yield await in_flight.popleft()
        while in_flight:
            yield await in_flight.popleft()

    async def state(self) -> tuple[int, Any]:
        """``(t, state)``: the session's state now."""
        answer = await (await self._push(_Pending("state", self._future())))
        return answer["t"], _arrays.from_state(answer["state"])

    async def reset(self, state: Any = None) -> int:
        """Back to t = 0, from ``state`` or zeros."""
        body = {"type": "reset", **({"state": _arrays.to_state(state)} if state is not None else {})}
        answer = await (await self._push(_Pending("reset", self._future(), body=body)))
        return answer["t"]

    async def generate(
        self,
        text: Optional[str] = None,
        *,
        tokens: Optional[list] = None,
        on_token: Optional[Callable[[TokenEvent], None]] = None,
        **options: Any,
    ) -> GenerateReply:
        """Generates on the session (token models): ``max_tokens``, ``temperature``, ``top_k``,
        ``top_p``, ``seed``, ``stop`` as the server names them; ``on_token`` sees each token as it
        is chosen."""
        # A seed of our own: a generate resent after a dropped connection must draw the same tokens.
        seed = options.pop("seed", None)
        body = {"type": "generate", **_prompt(text, tokens), **options, "seed": random.getrandbits(32) if seed is None else seed}
        answer = await (await self._push(_Pending("generate", self._future(), body=body, on_token=on_token)))
        return GenerateReply(answer["t"], answer["text"], answer["tokens"], answer["finish_reason"], answer["seed"], answer.get("stop_sequence"))

    # ---- bodies -------------------------------------------------------------------------------

    def _element(self, x: Any) -> Any:
        if isinstance(x, (str, int)) and not isinstance(x, bool):
            return {"x": x}
        vector = _arrays.to_vector(x)
        self._check(vector, "x")
        return _arrays.pack_float32([vector]) if self.binary else {"x": vector}

    def _sequence(self, inputs: Any, text: Optional[str], tokens: Optional[list]) -> tuple[Any, int]:
        if text is not None:
            return {"text": text}, len(text)
        if tokens is not None:
            return {"tokens": list(tokens)}, len(tokens)
        rows = _arrays.to_rows(inputs)
        if not rows:
            raise InvalidRequestError("INVALID_INPUT", "inputs is empty")
        for i, row in enumerate(rows):
            self._check(row, f"inputs[{i}]")
        return (_arrays.pack_float32(rows) if self.binary else {"inputs": rows}), len(rows)

    def _check(self, vector: list, where: str) -> None:
        # Refused here rather than by the server: a refused message would also refuse every
        # message pipelined after it (their expected_t).
        if len(vector) != self.input_size:
            raise InvalidRequestError("INVALID_INPUT", f"{where} has {len(vector)} values, model '{self.model}' expects {self.input_size}")
        for i, v in enumerate(vector):
            if v != v or v in (float("inf"), float("-inf")):
                raise InvalidRequestError("INVALID_INPUT", f"{where}[{i}] is not a finite number")

    # ---- the queue ----------------------------------------------------------------------------

    def _future(self) -> "asyncio.Future[Any]":
        return asyncio.get_running_loop().create_future()

    async def _enqueue(self, body: Any, count: int, id: Any) -> "asyncio.Future[StepReply]":
        return await self._push(_Pending("step", self._future(), body=body, count=count, id=id))

    async def _push(self, pending: _Pending) -> "asyncio.Future[Any]":
        if self._failed is not None:
            raise self._failed
        if self._closing:
            raise ConnectionError("STREAM_CLOSED", "the stream is closed")
        self._pending.append(pending)
        await self._flush()
        return pending.future

    async def _flush(self) -> None:
        """Sends, in order, every pending message not yet sent on the current connection, each
        with the t the session will be at when it arrives."""
        async with self._write_lock:
            while self._ws is not None:
                connection, ws = self._connection, self._ws
                t = self._ack_t
                unsent: list[tuple[_Pending, int]] = []
                for pending in list(self._pending):
                    if pending.sent_on != connection:
                        unsent.append((pending, t))
                    t = 0 if pending.kind == "reset" else t + pending.count
                if not unsent:
                    return
                for pending, expected_t in unsent:
                    pending.sent_on = connection
                    try:
                        await ws.send(self._frame(pending, expected_t))
                    except ConnectionClosed:
                        return  # the reader reconnects and resends
                    if self._connection != connection:
                        break

    def _frame(self, pending: _Pending, expected_t: int) -> Any:
        if isinstance(pending.body, bytes):
            return pending.body
        if pending.kind == "state":
            return '{"type":"state"}'
        if pending.kind == "reset":
            return json.dumps(pending.body)
        message = {**pending.body, "expected_t": expected_t}
        if pending.id is not None:
            message["id"] = pending.id
        return json.dumps(message)

    # ---- receiving ----------------------------------------------------------------------------

    def _adopt(self, ws: Any) -> None:
        self._ws = ws
        self._connection += 1
        loop = asyncio.get_running_loop()
        self._reader = loop.create_task(self._read(ws))
        if self.heartbeat > 0:
            self._heartbeats.add(loop.create_task(self._heartbeat(ws)))

    async def _heartbeat(self, ws: Any) -> None:
        """Pings every ``heartbeat`` seconds; a ping unanswered for as long aborts the connection,
        so the reader sees it lost at once and the stream resumes elsewhere."""
        try:
            while True:
                await asyncio.sleep(self.heartbeat)
                pong = await ws.ping()
                try:
                    await asyncio.wait_for(pong, self.heartbeat)
                except asyncio.TimeoutError:
                    ws.rnn_serve_unresponsive = True
                    ws.transport.abort()
                    return
        except (ConnectionClosed, asyncio.CancelledError):
            return
        finally:
            self._heartbeats.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def _read(self, ws: Any) -> None:
        try:
            async for message in ws:
                self._receive(message)
        except ConnectionClosed:
            pass
        except Exception as error:  # a protocol fault: nothing can be trusted any more
            self._fail(ConnectionError("PROTOCOL_ERROR", f"the stream failed: {error}"))
            await ws.close(1002)
            return
        if self._ws is ws:
            self._ws = None
        if self._closing or self._failed is not None:
            return
        if getattr(ws, "rnn_serve_unresponsive", False):
            # That server does not answer: reattaching there first would wait for the connect timeout.
            self._http.rotate()
        if not self.resume:
            self._fail(ConnectionError("CONNECTION_LOST", f"the stream of session '{self.session_id}' lost its connection"))
            return
        await self._reconnect()

    def _receive(self, data: Any) -> None:
        head = self._pending[0] if self._pending else None
        if isinstance(data, bytes):
            if head is None or head.kind != "step" or not isinstance(head.body, bytes):
                raise ValueError("a binary reply to a JSON message")
            self._pending.popleft()
            self._ack_t += head.count
            _settle(head.future, StepReply(self._ack_t, _arrays.unpack_float32(data, self.output_size)))
            return
        message = json.loads(data)
        kind = message.get("type")
        if kind == "token":
            if head is None or head.kind != "generate":
                raise ValueError("a token outside a generate")
            if message["index"] >= head.delivered:
                head.delivered = message["index"] + 1
                if head.on_token is not None:
                    head.on_token(TokenEvent(message["index"], message["token"], message["token_id"]))
            return
        if head is None:
            raise ValueError(f"an unexpected {kind} message")
        self._pending.popleft()
        if kind == "error":
            _settle(head.future, error=error_for(str(message.get("code")), str(message.get("message"))))
            return
        self._ack_t = int(message["t"])
        if head.kind == "step":
            rows = [message["y"]] if kind == "output" else message["outputs"]
            _settle(head.future, StepReply(self._ack_t, _arrays.from_rows(rows), head.id))
        else:
            _settle(head.future, message)

    def _fail(self, error: BaseException) -> None:
        """Fails everything pending; the stream is unusable afterwards."""
        self._failed = error
        while self._pending:
            _settle(self._pending.popleft().future, error=error)

    # ---- reconnecting -------------------------------------------------------------------------

    async def _reconnect(self) -> None:
        delay = self.reconnect_delay
        last_error: Optional[BaseException] = None
        for attempt in range(self.max_reconnects):
            if attempt > 0:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            try:
                ws, ready = await self._connect()
            except RnnServeError as error:
                last_error = error
                if error.code in _FATAL_CODES:
                    break
                self._http.rotate()
                continue
            self.reconnects += 1
            if self._closing:
                await ws.close(1000)
                return
            try:
                self._reconcile(ready.t)
            except RnnServeError as error:
                await ws.close(1000)
                self._fail(error)
                return
            self._adopt(ws)
            await self._flush()
            return
        if isinstance(last_error, RnnServeError) and last_error.status is not None:
            self._fail(last_error)
        else:
            self._fail(ConnectionError("CONNECTION_LOST", f"could not reattach to session '{self.session_id}' after {self.max_reconnects} attempts: {last_error}"))

    def _reconcile(self, server_t: int) -> None:
        """The session is at ``server_t`` after the drop. The messages it applied are a prefix of
        the pending ones (one connection's messages are applied in order): answer them as lost and
        keep the rest. Anything that does not line up means another client wrote the session."""
        applied = server_t - self._ack_t

        def conflict(why: str) -> ConflictError:
            return ConflictError("SEQUENCE_CONFLICT", f"cannot resume session '{self.session_id}': it is at t = {server_t}, {why}")

        if applied < 0:
            raise conflict(f"behind the t = {self._ack_t} already answered")
        while applied > 0:
            if not self._pending:
                raise conflict("beyond every element sent")
            head = self._pending[0]
            if head.kind == "state":
                self._pending.popleft()
                _settle(head.future, error=ConnectionError("REPLY_LOST", "the state was read before the connection dropped, and its answer was lost"))
                continue
            if head.kind != "step":
                raise conflict(f"and a {head.kind} message sent before the drop has an unknown outcome")
            if head.count > applied:
                raise conflict("in the middle of a message")
            self._pending.popleft()
            applied -= head.count
            self._ack_t += head.count
            _settle(head.future, StepReply(self._ack_t, None, head.id))
        if self._pending and self._pending[0].kind == "reset" and server_t == 0 and self._ack_t != 0:
            raise conflict("and a reset sent before the drop has an unknown outcome")

    async def _connect(self) -> tuple[Any, _Ready]:
        """Opens the session's stream at the transport's endpoint and waits for ``ready``."""
        base = self._http.endpoint
        url = f"{'ws' + base[4:] if base.startswith('http') else base}/v1/sessions/{urllib.parse.quote(self.session_id, safe='')}/stream"
        try:
            # Pings are the stream's own (_heartbeat): websockets' keepalive would wait for a
            # closing handshake a frozen server never answers before reporting the loss.
            ws = await _ws_connect(url, max_size=None, open_timeout=_CONNECT_TIMEOUT, ping_interval=None, **{_HEADERS_ARG: self._http.headers()})
        except InvalidHandshake as error:
            raise await self._refused(error) from None
        except (OSError, asyncio.TimeoutError) as error:
            raise ConnectionError("CONNECTION_FAILED", f"{url}: {error}") from None
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), _CONNECT_TIMEOUT))
        except (ConnectionClosed, asyncio.TimeoutError, ValueError) as error:
            await ws.close()
            raise ConnectionError("CONNECTION_FAILED", f"{url} closed before ready ({error})") from None
        if first.get("type") != "ready":
            await ws.close()
            raise ConnectionError("PROTOCOL_ERROR", f"the first message from {url} is not ready")
        return ws, _Ready(first["session_id"], first["model"], first["t"], first["input_size"], first["output_size"])

    async def _refused(self, error: InvalidHandshake) -> RnnServeError:
        """The server's error for a refused upgrade. websockets >= 13 keeps the answer's body;
        older ones only the status, so the session is then read over REST, which fails the same
        way with the code and message."""
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None) or getattr(error, "status_code", None)
        body = getattr(response, "body", None)
        if body:
            try:
                parsed = json.loads(body)
                return error_for(parsed["code"], parsed["message"], status)
            except (ValueError, KeyError, TypeError):
                pass
        if status in (401, 404, 409):
            try:
                await asyncio.to_thread(self._http.request, "GET", f"/v1/sessions/{urllib.parse.quote(self.session_id, safe='')}")
            except RnnServeError as rest_error:
                return rest_error
        return error_for(f"HTTP_{status}", f"the stream upgrade was refused with {status}", status)


def _require(reply: StepReply) -> Any:
    if reply.outputs is None:
        raise ConnectionError("REPLY_LOST", f"the session applied the message (t = {reply.t}) but its reply was lost with the connection")
    return reply.outputs


def _settle(future: "asyncio.Future[Any]", value: Any = None, error: Optional[BaseException] = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
        # A failed reply nobody awaits (a send() never received) must not be reported as unretrieved.
        future.add_done_callback(lambda f: f.exception())
    else:
        future.set_result(value)


def _prompt(text: Optional[str], tokens: Optional[list]) -> dict:
    if (text is None) == (tokens is None):
        raise InvalidRequestError("INVALID_INPUT", "give text or tokens")
    return {"text": text} if text is not None else {"tokens": list(tokens or [])}


class _LoopThread:
    """An event loop running in a daemon thread, for the blocking API."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="rnn-serve-stream", daemon=True)
        self._thread.start()

    def run(self, coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()  # type: ignore[arg-type]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


class Stream:
    """The blocking stream: the same methods as :class:`AsyncStream`, each waiting for its result.
    Open it with ``Client.stream(model)`` or ``Client.attach(session_id)``; ``with`` closes it.
    ``on_token`` callbacks of generate() run on the stream's own thread."""

    def __init__(self, make: Callable[[], AsyncStream]) -> None:
        self._loop = _LoopThread()
        try:
            self._stream: AsyncStream = self._loop.run(self._open(make))
        except BaseException:
            self._loop.stop()
            raise

    @staticmethod
    async def _open(make: Callable[[], AsyncStream]) -> AsyncStream:
        return await make().open()

    session_id = property(lambda self: self._stream.session_id)
    model = property(lambda self: self._stream.model)
    input_size = property(lambda self: self._stream.input_size)
    output_size = property(lambda self: self._stream.output_size)
    t = property(lambda self: self._stream.t, doc="The session's t after the last answered message.")
    waiting = property(lambda self: self._stream.waiting, doc="Replies of send() messages not yet received.")
    reconnects = property(lambda self: self._stream.reconnects, doc="Times the stream reattached.")

    def send(self, x: Any, id: Any = None) -> None:
        """Sends one element; read its reply with recv() or by iterating."""
        self._loop.run(self._stream.send(x, id))

    def send_many(self, inputs: Any = None, *, text: Optional[str] = None, tokens: Optional[list] = None, id: Any = None) -> None:
        """Sends several elements as one message."""
        self._loop.run(self._stream.send_many(inputs, text=text, tokens=tokens, id=id))

    def recv(self) -> StepReply:
        """The next reply of a send()/send_many() message, in order."""
        return self._loop.run(self._stream.recv())

    def __iter__(self) -> Iterator[StepReply]:
        while self._stream.waiting:
            yield self.recv()

    def step(self, x: Any) -> Any:
        """One element, answered: its output row."""
        return self._loop.run(self._stream.step(x))

    def steps(self, inputs: Any = None, *, text: Optional[str] = None, tokens: Optional[list] = None) -> Any:
        """Several elements in one message, answered: T x output_size."""
        return self._loop.run(self._stream.steps(inputs, text=text, tokens=tokens))

    def map(self, inputs: Iterable[Any], window: int = 32) -> Iterator[StepReply]:
        """Streams ``inputs`` one element per message with up to ``window`` in flight, yielding
        each reply in order. (``inputs`` is read on the stream's thread, a window at a time.)"""
        source = iter(inputs)
        in_flight: Deque["asyncio.Future[StepReply]"] = collections.deque()
        stream = self._stream

        async def advance() -> list[StepReply]:
            # One trip to the loop tops the window up and takes every reply already there, so
            # pipelined replies cost one thread hop per batch rather than one each.
            while len(in_flight) < window:
                x = next(source, _END)
                if x is _END:
                    break
                in_flight.append(await stream._enqueue(stream._element(x), 1, None))
            if not in_flight:
                return []
            done = [await in_flight.popleft()]
            while in_flight and in_flight[0].done():
                done.append(in_flight.popleft().result())
            return done

        while True:
            batch = self._loop.run(advance())
            if not batch:
                return
            yield from batch

    def state(self) -> tuple[int, Any]:
        """``(t, state)``: the session's state now."""
        return self._loop.run(self._stream.state())

    def reset(self, state: Any = None) -> int:
        """Back to t = 0, from ``state`` or zeros."""
        return self._loop.run(self._stream.reset(state))

    def generate(self, text: Optional[str] = None, *, tokens: Optional[list] = None, on_token: Optional[Callable[[TokenEvent], None]] = None, **options: Any) -> GenerateReply:
        """Generates on the session (token models); see AsyncStream.generate."""
        return self._loop.run(self._stream.generate(text, tokens=tokens, on_token=on_token, **options))

    def close(self) -> None:
        """Waits for every reply, closes the connection and (for a stream on a model) deletes its session."""
        try:
            self._loop.run(self._stream.close())
        finally:
            self._loop.stop()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_END = object()
