"""Streams, blocking and asyncio, against a real server (RNN_SERVE_URL)."""

from __future__ import annotations

import asyncio
import unittest

import numpy as np

from rnn_serve import AsyncClient, Client, InvalidRequestError, NotFoundError, RnnServeError

from ._support import env, weeks


class StreamTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.client = Client(env("RNN_SERVE_URL"))

    def test_json_stream(self) -> None:
        """map() pipelines and equals predict; send/recv and iteration keep order; state, reset; close deletes the session"""
        inputs = weeks(40)
        whole = self.client.predict("co2-lstm", inputs)
        with self.client.stream("co2-lstm") as stream:
            replies = list(stream.map(inputs[:30], window=8))
            self.assertEqual([r.t for r in replies], list(range(1, 31)))
            for x in inputs[30:35]:
                stream.send(x, id=f"m{x[0]}")
            stream.send_many(inputs[35:])
            replies += list(stream)
            np.testing.assert_array_equal(np.concatenate([r.outputs for r in replies]), whole.outputs)
            self.assertEqual(replies[30].id, f"m{inputs[30][0]}")
            t, state = stream.state()
            self.assertEqual(t, 40)
            np.testing.assert_array_equal(state["c"], whole.state["c"])
            self.assertEqual(stream.reset(), 0)
            np.testing.assert_array_equal(stream.step(inputs[0]), whole.outputs[0])
            session_id = stream.session_id
        with self.assertRaises(NotFoundError):
            self.client.get_session(session_id)

    def test_binary_stream(self) -> None:
        """a binary stream gives the float32 values of predict"""
        inputs = weeks(20)
        whole = self.client.predict("co2-lstm", inputs)
        with self.client.stream("co2-lstm", binary=True) as stream:
            outputs = [r.outputs for r in stream.map(inputs[:12], window=4)]
            outputs.append(stream.steps(inputs[12:]))
        np.testing.assert_array_equal(np.concatenate(outputs), whole.outputs)

    def test_generate_over_a_stream(self) -> None:
        """generate delivers every token as it is chosen and equals REST generate with the same seed"""
        tokens = []
        with self.client.stream("kjv-char-gru") as stream:
            generated = stream.generate("And God said, ", max_tokens=25, temperature=0.7, seed=7, on_token=tokens.append)
        rest = self.client.generate("kjv-char-gru", text="And God said, ", max_tokens=25, temperature=0.7, seed=7)
        self.assertEqual("".join(token.token for token in tokens), rest.text)
        self.assertEqual(generated.text, rest.text)
        self.assertEqual(generated.t, 14 + 25)

    def test_refusals(self) -> None:
        """a wrong vector is refused before it is sent; a server error reply fails only its message"""
        with self.client.stream("co2-lstm") as stream:
            with self.assertRaises(InvalidRequestError):
                stream.send([1.0, 2.0])
            with self.assertRaisesRegex(InvalidRequestError, "not a finite number"):
                stream.send([float("nan")])
            with self.assertRaises(RnnServeError) as caught:
                stream.step("x")
            self.assertEqual(caught.exception.code, "INVALID_INPUT")
            self.assertEqual(stream.t, 0)
            self.assertEqual(stream.step([360.0]).shape, (1,))

    def test_attach_to_a_missing_session(self) -> None:
        """attach() to a missing session is a NotFoundError with the server's code"""
        with self.assertRaises(NotFoundError) as caught:
            self.client.attach("no-such-session", max_reconnects=1)
        self.assertEqual(caught.exception.code, "SESSION_NOT_FOUND")

    def test_asyncio_stream(self) -> None:
        """the asyncio API has the same names and gives the same numbers"""
        inputs = weeks(16)
        whole = self.client.predict("co2-lstm", inputs)

        async def run() -> list:
            client = AsyncClient(env("RNN_SERVE_URL"))
            self.assertEqual(len(await client.models()), 3)
            async with client.stream("co2-lstm") as stream:
                outputs = [r.outputs async for r in stream.map(inputs[:10], window=4)]
                for x in inputs[10:]:
                    await stream.send(x)
                outputs += [r.outputs async for r in stream]
                t, _ = await stream.state()
                self.assertEqual(t, 16)
            async with client.session("co2-lstm") as session:
                np.testing.assert_array_equal(await session.steps(inputs), whole.outputs)
            return outputs

        np.testing.assert_array_equal(np.concatenate(asyncio.run(run())), whole.outputs)


if __name__ == "__main__":
    unittest.main()
