"""What the tests share: the servers they run against (started by test/redis/client-python.test.ts,
which passes their URLs in the environment), the repository's bundled models' PyTorch cases, and
a TCP proxy the tests cut to drop a stream's connection."""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import unittest
from pathlib import Path


REPO = Path(__file__).resolve().parents[3]


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(  # a missing server is a failure, never a skip
            f"{name} is not set: run these tests through `npx tsx --test test/redis/client-python.test.ts`, "
            "which starts the servers, or set RNN_SERVE_URL (and the other RNN_SERVE_* variables) yourself"
        )
    return value


def cases(model: str) -> dict:
    return json.loads((REPO / "models" / model / "cases.json").read_text())


def assert_close(test: unittest.TestCase, got, expected, tolerance: dict, what: str) -> None:
    got = [float(v) for v in _flat(got)]
    expected = [float(v) for v in _flat(expected)]
    test.assertEqual(len(got), len(expected), what)
    for i, (g, e) in enumerate(zip(got, expected)):
        bound = tolerance["abs"] + tolerance["rel"] * abs(e)
        test.assertLessEqual(abs(g - e), bound, f"{what}[{i}]: got {g}, expected {e}")


def _flat(values):
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        for value in values:
            yield from _flat(value)
    else:
        yield values


def weeks(count: int) -> list:
    """Weekly CO2-like values, all different, exact in float32."""
    import struct

    return [[struct.unpack("<f", struct.pack("<f", 360 + i * 0.04 + math.sin(i / 4)))[0]] for i in range(count)]


class CuttableProxy:
    """A TCP proxy in front of a server: ``hold("up")`` keeps what the client sends from reaching
    the server, ``hold("down")`` keeps replies from reaching the client, ``cut()`` drops every
    connection (and what was held). New connections are forwarded as usual afterwards."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._pairs: list[dict] = []
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold(self, direction: str) -> None:
        with self._lock:
            for pair in self._pairs:
                pair["held"].add(direction)

    def cut(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in (pair["client"], pair["upstream"]):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            pair = {"client": client, "upstream": upstream, "held": set()}
            with self._lock:
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, client, upstream, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, upstream, client, "down"), daemon=True).start()

    @staticmethod
    def _pump(pair: dict, source: socket.socket, sink: socket.socket, direction: str) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if direction not in pair["held"]:
                    sink.sendall(data)
        except OSError:
            pass
        # shutdown, not just close: the other direction's thread is blocked in recv() on one of
        # these sockets, and a close alone would not send the FIN until that recv returned.
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def wait_until(condition, what: str, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


