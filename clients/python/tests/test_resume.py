"""Resuming a stream: a connection cut through a proxy (RNN_SERVE_URL), and a replica killed
mid-stream with two replicas sharing Redis (RNN_SERVE_REPLICAS, RNN_SERVE_VICTIM_PID)."""

from __future__ import annotations

import os
import signal
import time
import unittest

import numpy as np

from rnn_serve import Client

from ._support import CuttableProxy, env, port_of, wait_until, weeks


class ResumeThroughAProxyTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.client = Client(env("RNN_SERVE_URL"))
        cls.proxy = CuttableProxy(port_of(env("RNN_SERVE_URL")))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.proxy.stop()

    def test_unreceived_elements_are_resent(self) -> None:
        """elements the server never received are resent from ready.t: the outputs of an uninterrupted run"""
        inputs = weeks(30)
        whole = self.client.predict("co2-lstm", inputs)
        with Client(self.proxy.base_url).stream("co2-lstm", reconnect_delay=0.02) as stream:
            outputs = [stream.step(x) for x in inputs[:10]]
            self.proxy.hold("up")
            for x in inputs[10:20]:
                stream.send(x)
            self.proxy.cut()
            for x in inputs[20:]:
                stream.send(x)
            outputs += [row for reply in stream for row in reply.outputs]
            self.assertEqual(stream.reconnects, 1)
            np.testing.assert_array_equal(np.array(outputs), whole.outputs)
            np.testing.assert_array_equal(stream.state()[1]["h"], whole.state["h"])

    def test_applied_elements_are_not_resent(self) -> None:
        """elements applied whose replies were lost are reported as lost, never resent; the session equals an uninterrupted run"""
        inputs = weeks(24)
        whole = self.client.predict("co2-lstm", inputs)
        with Client(self.proxy.base_url).stream("co2-lstm", reconnect_delay=0.02) as stream:
            direct = self.client.get_session(stream.session_id)
            for x in inputs[:8]:
                stream.step(x)
            self.proxy.hold("down")
            for x in inputs[8:16]:
                stream.send(x)
            wait_until(lambda: (direct.state(), direct.t)[1] == 16, "the server to apply the held elements")
            self.proxy.cut()
            for x in inputs[16:]:
                stream.send(x)
            replies = list(stream)
            self.assertEqual([r.t for r in replies], list(range(9, 25)), "each element applied once")
            self.assertEqual([r.outputs for r in replies[:8]], [None] * 8, "lost replies are reported, not invented")
            np.testing.assert_array_equal(np.concatenate([r.outputs for r in replies[8:]]), whole.outputs[16:])
            np.testing.assert_array_equal(stream.state()[1]["c"], whole.state["c"])


class ResumeOnAnotherReplicaTests(unittest.TestCase):
    def test_killed_replica(self) -> None:
        """a replica killed mid-stream: the stream resumes on the other and its outputs equal an uninterrupted run"""
        victim_url, survivor_url = env("RNN_SERVE_REPLICAS").split(",")
        victim_pid = int(env("RNN_SERVE_VICTIM_PID"))
        inputs = weeks(40)
        whole = Client(survivor_url).predict("co2-lstm", inputs)
        client = Client([victim_url, survivor_url])
        with client.stream("co2-lstm", reconnect_delay=0.02) as stream:
            outputs = [row for reply in stream.map(inputs[:15], window=4) for row in reply.outputs]
            # Frozen, then killed: what is sent meanwhile reaches a process that never reads it.
            os.kill(victim_pid, signal.SIGSTOP)
            for x in inputs[15:25]:
                stream.send(x)
            os.kill(victim_pid, signal.SIGKILL)
            time.sleep(0.05)
            for x in inputs[25:]:
                stream.send(x)
            outputs += [row for reply in stream for row in reply.outputs]
            self.assertEqual(stream.reconnects, 1)
            self.assertEqual(client.http.endpoint, survivor_url, "the stream moved to the other replica")
            np.testing.assert_array_equal(np.array(outputs), whole.outputs)
            np.testing.assert_array_equal(stream.state()[1]["h"], whole.state["h"])

    def test_frozen_replica(self) -> None:
        """a replica frozen mid-stream (never killed): the unanswered pings drop it and the stream resumes on the other"""
        frozen_url, survivor_url = env("RNN_SERVE_FROZEN_REPLICAS").split(",")
        frozen_pid = int(env("RNN_SERVE_FROZEN_PID"))
        inputs = weeks(30)
        whole = Client(survivor_url).predict("co2-lstm", inputs)
        client = Client([frozen_url, survivor_url])
        with client.stream("co2-lstm", reconnect_delay=0.02, heartbeat=0.3) as stream:
            outputs = [row for reply in stream.map(inputs[:10], window=4) for row in reply.outputs]
            os.kill(frozen_pid, signal.SIGSTOP)  # its sockets stay open: only the missing pongs tell
            for x in inputs[10:]:
                stream.send(x)
            outputs += [row for reply in stream for row in reply.outputs]
            self.assertEqual(stream.reconnects, 1)
            self.assertEqual(client.http.endpoint, survivor_url)
            np.testing.assert_array_equal(np.array(outputs), whole.outputs)


if __name__ == "__main__":
    unittest.main()
