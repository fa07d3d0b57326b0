"""Tests for the package writer: run with `cd training && /usr/bin/python3 -m unittest`."""

import contextlib
import io
import json
import os
import struct
import tempfile
import unittest

import numpy as np
import torch

import export
from cases import case_errors
from package import load_package
from safetensors_io import decode_safetensors, encode_safetensors, read_safetensors

torch.set_num_threads(1)


class SafetensorsFormat(unittest.TestCase):
    def test_exact_bytes_of_a_small_file(self):
        blob = encode_safetensors({"a": np.array([1.0, -2.0], dtype=np.float32)}, {"format": "pt"})
        header = b'{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
        padded = header + b" " * (-len(header) % 8)
        self.assertEqual(blob, struct.pack("<Q", len(padded)) + padded + struct.pack("<2f", 1.0, -2.0))

    def test_round_trip_keeps_names_order_dtypes_and_values(self):
        rng = np.random.default_rng(1)
        tensors = {
            "rnn.weight_ih_l0": rng.standard_normal((12, 3)).astype(np.float32),
            "half": rng.standard_normal((2, 5)).astype(np.float16),
            "double": rng.standard_normal(7),
            "scalar_like": np.array([3.5], dtype=np.float32),
        }
        blob = encode_safetensors(tensors, {"format": "pt"})
        (header_length,) = struct.unpack("<Q", blob[:8])
        self.assertEqual(header_length % 8, 0)
        back, metadata = decode_safetensors(blob)
        self.assertEqual(metadata, {"format": "pt"})
        self.assertEqual(list(back), list(tensors))
        for name, value in tensors.items():
            self.assertEqual(back[name].dtype, value.dtype)
            np.testing.assert_array_equal(back[name], value)

    def test_offsets_are_contiguous_in_header_order(self):
        blob = encode_safetensors({"x": np.zeros((2, 3), np.float32), "y": np.zeros(4, np.float64)})
        (header_length,) = struct.unpack("<Q", blob[:8])
        header = json.loads(blob[8:8 + header_length])
        self.assertEqual(header["x"]["data_offsets"], [0, 24])
        self.assertEqual(header["y"]["data_offsets"], [24, 56])
        self.assertEqual(len(blob), 8 + header_length + 56)

    def test_rejects_unsupported_dtypes_and_truncated_files(self):
        with self.assertRaisesRegex(ValueError, "tensor 'ids'.*int64"):
            encode_safetensors({"ids": np.arange(3)})
        blob = encode_safetensors({"x": np.ones(4, np.float32)})
        with self.assertRaisesRegex(ValueError, "tensor 'x' offsets"):
            decode_safetensors(blob[:-1])
        with self.assertRaisesRegex(ValueError, "runs past the end"):
            decode_safetensors(blob[:20])


class ExportCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        torch.manual_seed(0)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def read_json(self, directory, name):
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            return json.load(f)

    def assert_cases_replay(self, directory, expected_count=3, with_state=True):
        """cases.json has the fixture shape, one case starts from a state, and PyTorch agrees with it."""
        config, package = load_package(directory)
        document = self.read_json(directory, "cases.json")
        self.assertEqual(document["tolerance"], {"abs": 1e-4, "rel": 1e-4})
        self.assertEqual(len(document["cases"]), expected_count)
        self.assertEqual(any("state" in case for case in document["cases"]), with_state)
        width = config.get("output_size", config["hidden_size"])
        layers = config.get("num_layers", 1)
        for case in document["cases"]:
            steps = len(case["tokens"]) if "tokens" in case else len(case["inputs"])
            self.assertEqual(np.shape(case["outputs"]), (steps, width))
            self.assertEqual(np.shape(case["final_state"]["h"]), (layers, config["hidden_size"]))
            self.assertEqual("c" in case["final_state"], config["architecture"] == "lstm")
            # the stored text carries 8 significant digits: far inside the tolerance
            self.assertLess(case_errors(package, case, document["tolerance"]), 0.01)
        return config, document

    def assert_tensors_equal_state_dict(self, directory, modules_by_prefix):
        tensors, metadata = read_safetensors(os.path.join(directory, "model.safetensors"))
        self.assertEqual(metadata, {"format": "pt"})
        expected = {f"{prefix}.{key}": value for prefix, module in modules_by_prefix.items()
                    for key, value in module.state_dict().items()}
        self.assertEqual(sorted(tensors), sorted(expected))
        for name, value in expected.items():
            self.assertEqual(tensors[name].dtype, np.float32)
            np.testing.assert_array_equal(tensors[name], value.numpy())


class ExportTorch(ExportCase):
    def test_rnn_tanh_with_head_matches_a_numpy_recurrence(self):
        rnn, head = torch.nn.RNN(3, 5), torch.nn.Linear(5, 2)
        out = self.path("rnn")
        config = export.export_torch(out, rnn, head, description="tiny")
        self.assertEqual(config, {"architecture": "rnn", "input_size": 3, "hidden_size": 5, "num_layers": 1,
                                  "output_size": 2, "description": "tiny", "version": "1"})
        self.assert_tensors_equal_state_dict(out, {"rnn": rnn, "fc": head})
        _, document = self.assert_cases_replay(out)
        # independent of PyTorch: h_t = tanh(W_ih x + b_ih + W_hh h + b_hh), y = W h + b
        p = {k: v.double().numpy() for k, v in rnn.state_dict().items()}
        W, b = head.weight.detach().double().numpy(), head.bias.detach().double().numpy()
        for case in document["cases"]:
            h = np.asarray(case["state"]["h"][0]) if "state" in case else np.zeros(5)
            for x, expected in zip(case["inputs"], case["outputs"]):
                h = np.tanh(p["weight_ih_l0"] @ x + p["bias_ih_l0"] + p["weight_hh_l0"] @ h + p["bias_hh_l0"])
                y = W @ h + b
                np.testing.assert_allclose(expected, y, atol=1e-5)
            np.testing.assert_allclose(case["final_state"]["h"][0], h, atol=1e-5)

    def test_stacked_relu_rnn_without_bias_and_without_head(self):
        rnn = torch.nn.RNN(4, 6, num_layers=2, nonlinearity="relu", bias=False)
        out = self.path("relu")
        config = export.export_torch(out, rnn)
        self.assertEqual((config["nonlinearity"], config["bias"], config["num_layers"]), ("relu", False, 2))
        self.assertNotIn("output_size", config)
        self.assert_tensors_equal_state_dict(out, {"rnn": rnn})
        self.assert_cases_replay(out)

    def test_batch_first_lstm_with_softmax_head_and_labels(self):
        rnn, head = torch.nn.LSTM(5, 7, num_layers=2, batch_first=True), torch.nn.Linear(7, 3)
        out = self.path("lstm")
        config = export.export_torch(out, rnn, head, labels=["a", "b", "c"], output_activation="softmax")
        self.assertEqual((config["output_activation"], config["labels"]), ("softmax", ["a", "b", "c"]))
        self.assert_tensors_equal_state_dict(out, {"rnn": rnn, "fc": head})
        _, document = self.assert_cases_replay(out)
        for case in document["cases"]:
            np.testing.assert_allclose(np.sum(case["outputs"], axis=1), 1.0, atol=1e-6)
        # batch_first only changes how PyTorch is called: the same weights, time-major, agree
        time_major = torch.nn.LSTM(5, 7, num_layers=2)
        time_major.load_state_dict(rnn.state_dict())
        case = document["cases"][0]
        with torch.no_grad():
            h, _ = time_major(torch.tensor(case["inputs"], dtype=torch.float32).unsqueeze(1))
            np.testing.assert_allclose(case["outputs"], torch.softmax(head(h[:, 0]), -1).numpy(), atol=1e-6)

    def test_token_gru_writes_vocab_embedding_and_text(self):
        vocab = list("abc .")
        rnn, head, embedding = torch.nn.GRU(4, 6), torch.nn.Linear(6, 5), torch.nn.Embedding(5, 4)
        out = self.path("tokens")
        config = export.export_torch(out, rnn, head, embedding, vocab=vocab, output_activation="softmax")
        self.assertEqual(config["vocab"], vocab)
        self.assert_tensors_equal_state_dict(out, {"rnn": rnn, "fc": head, "embedding": embedding})
        _, document = self.assert_cases_replay(out)
        for case in document["cases"]:
            self.assertEqual(case["text"], "".join(vocab[t] for t in case["tokens"]))

    def test_custom_submodule_names_become_tensor_prefix(self):
        class Forecaster(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(2, 4, batch_first=True)
                self.linear = torch.nn.Linear(4, 2)

        model = Forecaster()
        out = self.path("named")
        config = export.export_module(out, model, rnn="lstm", head="linear")
        self.assertEqual(config["tensor_prefix"], {"rnn": "lstm", "head": "linear"})
        self.assert_tensors_equal_state_dict(out, {"lstm": model.lstm, "linear": model.linear})
        self.assert_cases_replay(out)

    def test_normalized_package_stores_raw_values_in_cases(self):
        rnn, head = torch.nn.GRU(1, 4), torch.nn.Linear(4, 1)
        normalization = {"input": {"mean": [300.0], "std": [10.0]}, "output": {"mean": [300.0], "std": [10.0]}}
        out = self.path("normalized")
        inputs = [[310.0], [295.5], [301.25]]
        config = export.export_torch(out, rnn, head, normalization=normalization,
                                     cases=[{"name": "raw", "inputs": inputs}])
        self.assertEqual(config["normalization"], normalization)
        _, document = self.assert_cases_replay(out, expected_count=1, with_state=False)
        with torch.no_grad():
            h, _ = rnn((torch.tensor(inputs) - 300.0) / 10.0)
            expected = head(h) * 10.0 + 300.0
        np.testing.assert_allclose(document["cases"][0]["outputs"], expected.numpy(), rtol=1e-6)

    def test_float16_weights_are_stored_as_f16_and_cases_use_them_as_stored(self):
        rnn, head = torch.nn.LSTM(3, 4), torch.nn.Linear(4, 2)
        with torch.no_grad():
            for parameter in list(rnn.parameters()) + list(head.parameters()):
                parameter.copy_(parameter.half().float())
        out = self.path("f16")
        export.export_torch(out, rnn, head, weight_dtype="float16")
        tensors, _ = read_safetensors(os.path.join(out, "model.safetensors"))
        self.assertEqual({value.dtype for value in tensors.values()}, {np.dtype(np.float16)})
        np.testing.assert_array_equal(tensors["rnn.weight_hh_l0"].astype(np.float32), rnn.weight_hh_l0.detach().numpy())
        self.assert_cases_replay(out)

    def test_float16_export_refuses_weights_float16_would_round(self):
        with self.assertRaisesRegex(ValueError, "rnn.weight_ih_l0: some weights are not float16 values"):
            export.export_torch(self.path("f16"), torch.nn.GRU(2, 3), weight_dtype="float16")
        with self.assertRaisesRegex(ValueError, "weight_dtype must be float32 or float16"):
            export.export_torch(self.path("f64"), torch.nn.GRU(2, 3), weight_dtype="float64")

    def test_refuses_what_the_format_cannot_express(self):
        with self.assertRaisesRegex(ValueError, "bidirectional"):
            export.export_torch(self.path("bi"), torch.nn.GRU(2, 3, bidirectional=True))
        with self.assertRaisesRegex(ValueError, "proj_size"):
            export.export_torch(self.path("proj"), torch.nn.LSTM(2, 4, proj_size=2))
        with self.assertRaisesRegex(ValueError, "needs both an nn.Embedding and a vocab"):
            export.export_torch(self.path("novocab"), torch.nn.GRU(2, 3), embedding=torch.nn.Embedding(4, 2))
        with self.assertRaisesRegex(ValueError, "labels has 1 names for 2 outputs"):
            export.export_torch(self.path("labels"), torch.nn.RNN(2, 3), torch.nn.Linear(3, 2), labels=["x"])
        with self.assertRaisesRegex(ValueError, "in_features"):
            export.export_torch(self.path("head"), torch.nn.RNN(2, 3), torch.nn.Linear(4, 2))


class ExportSeed(ExportCase):
    def seed_weights(self, hidden=6, inputs=3, outputs=2):
        rng = np.random.default_rng(3)
        return dict(Wxh=rng.standard_normal((hidden, inputs)) * 0.3, Whh=rng.standard_normal((hidden, hidden)) * 0.3,
                    Why=rng.standard_normal((outputs, hidden)) * 0.3, bh=rng.standard_normal((hidden, 1)) * 0.1,
                    by=rng.standard_normal((outputs, 1)) * 0.1)

    def test_writes_npz_in_the_seed_layout_and_cases_match_the_numpy_class(self):
        weights = self.seed_weights()
        out = self.path("seed")
        config = export.export_seed(out, **weights, labels=["u", "v"])
        self.assertEqual(config["layout"], "seed")
        self.assertEqual((config["architecture"], config["input_size"], config["hidden_size"], config["output_size"]),
                         ("rnn", 3, 6, 2))
        self.assertFalse(os.path.exists(os.path.join(out, "model.safetensors")))
        with np.load(os.path.join(out, "weights.npz")) as npz:
            self.assertEqual(sorted(npz.files), ["Whh", "Why", "Wxh", "bh", "by"])
            for name, value in weights.items():
                self.assertEqual(npz[name].dtype, np.float64)
                np.testing.assert_array_equal(npz[name], value)
        _, document = self.assert_cases_replay(out, expected_count=3)
        for case in document["cases"]:  # the reference class, float64, column vectors
            h = np.asarray(case["state"]["h"]).reshape(6, 1) if "state" in case else np.zeros((6, 1))
            for x, expected in zip(case["inputs"], case["outputs"]):
                h = np.tanh(weights["Wxh"] @ np.reshape(x, (3, 1)) + weights["Whh"] @ h + weights["bh"])
                np.testing.assert_allclose(expected, (weights["Why"] @ h + weights["by"])[:, 0], atol=1e-5)

    def test_rejects_row_vector_biases(self):
        weights = self.seed_weights()
        weights["bh"] = weights["bh"].reshape(1, 6)
        with self.assertRaisesRegex(ValueError, r"bh has shape \[1, 6\], expected \[6, 1\]"):
            export.export_seed(self.path("bad"), **weights)


class CommandLine(ExportCase):
    def test_state_dict_export_then_check(self):
        class Tagger(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = torch.nn.Embedding(4, 3)
                self.gru = torch.nn.GRU(3, 5, num_layers=2)
                self.out = torch.nn.Linear(5, 4)

        model = Tagger()
        torch.save(model.state_dict(), self.path("tagger.pt"))
        with open(self.path("vocab.json"), "w") as f:
            json.dump(["w", "x", "y", "z"], f)
        out = self.path("tagger")
        with contextlib.redirect_stdout(io.StringIO()):
            export.main(["state-dict", self.path("tagger.pt"), out, "--architecture", "gru", "--rnn-prefix", "gru",
                         "--head-prefix", "out", "--embedding-prefix", "embed", "--vocab", self.path("vocab.json")])
        config = self.read_json(out, "config.json")
        self.assertEqual(config["tensor_prefix"], {"rnn": "gru", "head": "out", "embedding": "embed"})
        self.assertEqual(config["num_layers"], 2)
        self.assert_tensors_equal_state_dict(out, {"gru": model.gru, "out": model.out, "embed": model.embed})
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            self.assertEqual(export.main(["check", out]), 0)
        self.assertEqual(printed.getvalue().count("ok"), 3)

    def test_bad_input_gives_a_message_and_status_2(self):
        with contextlib.redirect_stderr(io.StringIO()) as printed:
            self.assertEqual(export.main(["check", self.path("missing")]), 2)
        self.assertIn("missing/config.json", printed.getvalue())

    def test_check_reports_a_mismatch(self):
        out = self.path("rnn")
        export.export_torch(out, torch.nn.RNN(2, 3))
        document = self.read_json(out, "cases.json")
        document["cases"][0]["outputs"][0][0] += 0.01
        with open(os.path.join(out, "cases.json"), "w") as f:
            json.dump(document, f)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            self.assertEqual(export.main(["check", out]), 1)
        self.assertIn("MISMATCH", printed.getvalue())


if __name__ == "__main__":
    unittest.main()
