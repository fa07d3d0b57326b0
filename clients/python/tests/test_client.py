"""Client and Session against a real server (RNN_SERVE_URL) on the repository's bundled models."""

from __future__ import annotations

import re
import unittest

import numpy as np

from rnn_serve import (
    ERROR_FAMILIES,
    AuthenticationError,
    Client,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    _arrays,
)

from ._support import REPO, assert_close, cases, env, weeks


class ClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.client = Client(env("RNN_SERVE_URL"))

    def test_models_and_model(self) -> None:
        """models() lists the bundled models; model(name) describes one; an unknown one is a NotFoundError"""
        self.assertEqual(sorted(m["name"] for m in self.client.models()), ["co2-lstm", "kjv-char-gru", "min-char-rnn"])
        co2 = self.client.model("co2-lstm")
        self.assertEqual((co2["architecture"], co2["input_size"], co2["output_size"]), ("lstm", 1, 1))
        with self.assertRaises(NotFoundError) as caught:
            self.client.model("nope")
        self.assertEqual((caught.exception.code, caught.exception.status), ("MODEL_NOT_FOUND", 404))
        self.assertIn("nope", caught.exception.message)

    def test_predict_matches_pytorch(self) -> None:
        """predict (numpy in and out, float32) equals the PyTorch cases, with and without a start state"""
        co2 = cases("co2-lstm")
        for case in co2["cases"]:
            prediction = self.client.predict("co2-lstm", np.array(case["inputs"]), state=case.get("state"))
            self.assertIsInstance(prediction.outputs, np.ndarray)
            self.assertEqual(prediction.outputs.dtype, np.float32)
            assert_close(self, prediction.outputs, case["outputs"], co2["tolerance"], case["name"])
            assert_close(self, prediction.state["h"], case["final_state"]["h"], co2["tolerance"], case["name"] + " h")
        gru = cases("kjv-char-gru")
        case = gru["cases"][0]
        assert_close(self, self.client.predict("kjv-char-gru", text=case["text"]).outputs, case["outputs"], gru["tolerance"], "text")

    def test_predict_without_numpy_gives_lists(self) -> None:
        """without numpy, lists in and lists out, the same numbers"""
        inputs = weeks(5)
        with_numpy = self.client.predict("co2-lstm", inputs).outputs
        _arrays.HAVE_NUMPY = False
        try:
            plain = self.client.predict("co2-lstm", inputs).outputs
        finally:
            _arrays.HAVE_NUMPY = True
        self.assertIsInstance(plain, list)
        # The server writes each float32 as the shortest decimal that reads back as it: the plain
        # numbers, read as float32, are numpy's values bit for bit.
        self.assertEqual(np.asarray(plain, dtype=np.float32).tobytes(), with_numpy.tobytes())

    def test_predict_batch(self) -> None:
        """predict_batch equals predict per sequence, state included"""
        a, b = weeks(4), weeks(7)
        first = self.client.predict("co2-lstm", a)
        results = self.client.predict_batch("co2-lstm", [a, {"inputs": b, "state": first.state}])
        np.testing.assert_array_equal(results[0].outputs, first.outputs)
        np.testing.assert_array_equal(results[1].outputs, self.client.predict("co2-lstm", b, state=first.state).outputs)

    def test_invalid_input(self) -> None:
        """bad input is an InvalidRequestError that says where"""
        with self.assertRaises(InvalidRequestError) as caught:
            self.client.predict("co2-lstm", [[1.0, 2.0]])
        self.assertEqual(caught.exception.code, "INVALID_INPUT")
        self.assertRegex(caught.exception.message, r"inputs\[0\] has 2 values")

    def test_generate_and_forecast(self) -> None:
        """generate is seeded; forecast feeds each prediction back as the next input"""
        one = self.client.generate("kjv-char-gru", text="And God said, ", max_tokens=30, temperature=0.7, seed=7)
        two = self.client.generate("kjv-char-gru", text="And God said, ", max_tokens=30, temperature=0.7, seed=7)
        self.assertEqual(len(one.text), 30)
        self.assertEqual(one, two)
        history = weeks(12)
        forecast = self.client.forecast("co2-lstm", history, 3)
        self.assertEqual(forecast.shape, (3, 1))
        replay = self.client.predict("co2-lstm", history + forecast[:2].tolist()).outputs
        np.testing.assert_array_equal(replay[-3:], forecast)

    def test_session(self) -> None:
        """a session: steps in chunks equal one predict; state; a stale t is a ConflictError and changes nothing; reset; deleted on exit"""
        inputs = weeks(9)
        whole = self.client.predict("co2-lstm", inputs)
        with self.client.session("co2-lstm") as session:
            outputs = np.concatenate([[session.step(inputs[0])], session.steps(inputs[1:5]), session.steps(np.array(inputs[5:]))])
            np.testing.assert_array_equal(outputs, whole.outputs)
            state = session.state()
            self.assertEqual(session.t, 9)
            np.testing.assert_array_equal(state["h"], whole.state["h"])
            np.testing.assert_array_equal(state["c"], whole.state["c"])
            session.t = 3  # as if an answer had been missed
            with self.assertRaises(ConflictError) as caught:
                session.step(inputs[0])
            self.assertEqual(caught.exception.code, "SEQUENCE_CONFLICT")
            session.state()
            self.assertEqual(session.t, 9, "nothing was applied")
            session.reset()
            self.assertEqual(session.t, 0)
            np.testing.assert_array_equal(session.steps(inputs), whole.outputs)
            session_id = session.id
        with self.assertRaises(NotFoundError) as gone:
            self.client.get_session(session_id)
        self.assertEqual(gone.exception.code, "SESSION_NOT_FOUND")

    def test_session_generate_and_forecast(self) -> None:
        """a session generates from its state and forecasts, advancing t"""
        with self.client.session("kjv-char-gru") as session:
            generated = session.generate("In the beginning ", max_tokens=12, temperature=0, seed=1)
            self.assertEqual(generated.text, self.client.generate("kjv-char-gru", text="In the beginning ", max_tokens=12, temperature=0, seed=1).text)
            self.assertEqual(session.t, 17 + 12)
        with self.client.session("co2-lstm") as session:
            history = weeks(10)
            np.testing.assert_array_equal(session.forecast(history, 2), self.client.forecast("co2-lstm", history, 2))
            self.assertEqual(session.t, 12)

    def test_error_families_cover_the_server_codes(self) -> None:
        """every code in the server's src/errors.ts has an exception family, and nothing else"""
        codes = set(re.findall(r"createError<'([A-Z_]+)'", (REPO / "src" / "errors.ts").read_text()))
        self.assertEqual(set(ERROR_FAMILIES), codes)


class ApiKeyTests(unittest.TestCase):
    def test_api_keys(self) -> None:
        """without a key: AuthenticationError over REST and on stream upgrades; with one, both work"""
        url = env("RNN_SERVE_KEYED_URL")
        anonymous = Client(url)
        with self.assertRaises(AuthenticationError) as caught:
            anonymous.models()
        self.assertEqual((caught.exception.code, caught.exception.status), ("UNAUTHORIZED", 401))
        keyed = Client(url, api_key=env("RNN_SERVE_API_KEY"))
        with keyed.session("co2-lstm") as session:
            with self.assertRaises(AuthenticationError):
                anonymous.attach(session.id, max_reconnects=1)
            with keyed.attach(session.id) as stream:
                self.assertEqual(stream.step([360.0]).shape, (1,))


if __name__ == "__main__":
    unittest.main()
