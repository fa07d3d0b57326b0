"""Writes the ONNX and bidirectional test fixtures of the TypeScript suite.

    cd training && /usr/bin/python3 onnx_fixtures.py ../test/fixtures

Three kinds of fixture, each a model package folder with a cases.json (the fixture format of
spec/model-format.md: inputs or tokens, optional state, the outputs and final state expected):

- onnx/<case>-opset14, onnx/<case>-opset17: PyTorch modules exported by torch.onnx.export;
  expected values computed by the PyTorch module itself, in float32.
- onnx/keras-<case>: the graphs tf2onnx writes for Keras recurrent layers (layout 0 around a
  Transpose, one bias in Wb and zeros in Rb, GRU with linear_before_reset 0 or 1), built with
  onnx.helper; expected values computed by onnx_reference.py, a numpy transcription of the ONNX
  operator definitions (checked against torch where the two cells coincide).
- onnx/bundled-<model>: the bundled models (../models) exported to ONNX, with their own
  cases.json: served from ONNX they must give the same outputs.
- bidirectional/<case>: PyTorch bidirectional packages in the safetensors layout.

Deterministic: the same torch and onnx versions write the same bytes.
"""

import io
import json
import os
import shutil
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

import onnx_reference as ref
from package import load_package
from safetensors_io import write_safetensors

TOLERANCE = {"abs": 1e-4, "rel": 1e-4}


def write_json(path, document):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
        f.write("\n")


def rounded(array):
    return np.round(np.asarray(array, dtype=np.float64), 7).tolist()


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def write_package(out_dir, onnx_bytes, config, cases):
    fresh_dir(out_dir)
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    if config is not None:
        write_json(os.path.join(out_dir, "config.json"), config)
    write_json(os.path.join(out_dir, "cases.json"), {"cases": cases, "tolerance": TOLERANCE})


# ---- PyTorch modules and their exports --------------------------------------------------------


class Tagger(torch.nn.Module):
    """Optional embedding, a recurrent stack, an optional Linear head, an optional activation."""

    def __init__(self, rnn, head=None, embedding=None, activation=None):
        super().__init__()
        self.rnn, self.head, self.embedding, self.activation = rnn, head, embedding, activation

    def forward(self, x, *state):
        if self.embedding is not None:
            x = self.embedding(x)
        if len(state) == 0:
            y, _ = self.rnn(x)
        elif len(state) == 1:
            y, _ = self.rnn(x, state[0])
        else:
            y, _ = self.rnn(x, tuple(state))
        if self.head is not None:
            y = self.head(y)
        if self.activation == "softmax":
            y = torch.softmax(y, dim=-1)
        elif self.activation == "sigmoid":
            y = torch.sigmoid(y)
        return y


def state_rows(state):
    """{"h": rows, "c"?: rows} of a (L*D) x 1 x H state tuple."""
    if isinstance(state, tuple):
        return {"h": rounded(state[0][:, 0]), "c": rounded(state[1][:, 0])}
    return {"h": rounded(state[:, 0])}


def torch_cases(model, rnn, cases_in, with_state):
    """Runs each case (batch 1) through the module; final state from the recurrent stack."""
    cases = []
    directions = 2 if rnn.bidirectional else 1
    rows = rnn.num_layers * directions
    generator = torch.Generator().manual_seed(7)
    for name, sequence in cases_in:
        with torch.no_grad():
            if model.embedding is not None:
                x = torch.tensor([sequence], dtype=torch.int64)
                features = model.embedding(x)
            else:
                x = torch.tensor(np.asarray(sequence, dtype=np.float32)).unsqueeze(0)
                features = x
            if not rnn.batch_first:
                x = x.transpose(0, 1)
                features = features.transpose(0, 1)
            state = None
            if with_state:
                h = torch.randn(rows, 1, rnn.hidden_size, generator=generator) * 0.5
                state = (h, torch.randn(rows, 1, rnn.hidden_size, generator=generator) * 0.5) if isinstance(
                    rnn, torch.nn.LSTM) else h
            args = () if state is None else (state if isinstance(state, tuple) else (state,))
            y = model(x, *args)
            _, final = rnn(features, state)
            y = y[0] if rnn.batch_first else y[:, 0]
        case = {"name": name}
        case["tokens" if model.embedding is not None else "inputs"] = (
            list(sequence) if model.embedding is not None else rounded(sequence))
        if state is not None:
            case["state"] = state_rows(state)
        case["outputs"] = rounded(y)
        case["final_state"] = state_rows(final)
        cases.append(case)
    return cases


def export_bytes(model, example, input_names, opset, token_model=False):
    """torch.onnx.export with dynamic batch and time axes, as a user would write it."""
    rnn = model.rnn
    batch_axis, time_axis = (0, 1) if (rnn.batch_first or token_model) else (1, 0)
    if token_model and not rnn.batch_first:
        batch_axis, time_axis = 1, 0
    dynamic = {input_names[0]: {batch_axis: "batch", time_axis: "time"}, "y": {batch_axis: "batch", time_axis: "time"}}
    for name in input_names[1:]:
        dynamic[name] = {1: "batch"}
    f = io.BytesIO()
    torch.onnx.export(model.eval(), example, f, opset_version=opset, input_names=input_names, output_names=["y"],
                      dynamic_axes=dynamic)
    return f.getvalue()


def random_inputs(rng, steps_list, width):
    return [(f"T{steps}_{k}", rng.standard_normal((steps, width)).astype(np.float32))
            for k, steps in enumerate(steps_list)]


def torch_fixture(out_root, name, model, input_size, *, with_state, config=None, vocab_size=None, seed=0,
                  opsets=(14, 17)):
    rnn = model.rnn
    rng = np.random.default_rng(seed)
    if vocab_size is not None:
        cases_in = [(f"T{steps}_{k}", rng.integers(0, vocab_size, steps).tolist())
                    for k, steps in enumerate([1, 6, 11])]
        shape = (1, 4) if rnn.batch_first else (4, 1)
        example = [torch.zeros(shape, dtype=torch.int64)]
    else:
        cases_in = random_inputs(rng, [1, 5, 9], input_size)
        shape = (1, 4, input_size) if rnn.batch_first else (4, 1, input_size)
        example = [torch.zeros(shape)]
    input_names = ["x"]
    if with_state:
        rows = rnn.num_layers * (2 if rnn.bidirectional else 1)
        example.append(torch.zeros(rows, 1, rnn.hidden_size))
        input_names.append("h0")
        if isinstance(rnn, torch.nn.LSTM):
            example.append(torch.zeros(rows, 1, rnn.hidden_size))
            input_names.append("c0")
    cases = []
    cases += torch_cases(model, rnn, cases_in, with_state=False)
    if with_state:
        stated = torch_cases(model, rnn, cases_in[1:], with_state=True)
        for case in stated:
            case["name"] += "_with_state"
        cases += stated
    for opset in opsets:
        blob = export_bytes(model, tuple(example), input_names, opset, token_model=vocab_size is not None)
        onnx.checker.check_model(onnx.load_from_string(blob))
        write_package(os.path.join(out_root, f"{name}-opset{opset}"), blob, config, cases)


def torch_fixtures(out_root):
    torch.manual_seed(1)
    torch_fixture(out_root, "lstm-2layer-batchfirst-head",
                  Tagger(torch.nn.LSTM(3, 5, num_layers=2, batch_first=True), torch.nn.Linear(5, 2)), 3,
                  with_state=True, config={"description": "LSTM 2x5, batch_first, Linear head", "labels": ["a", "b"]})
    # Older opsets too: axes and Slice bounds as attributes (before 13 and 10), Softmax's old axis rule.
    torch_fixture(out_root, "gru-softmax",
                  Tagger(torch.nn.GRU(4, 6), torch.nn.Linear(6, 3), activation="softmax"), 4, with_state=False,
                  opsets=(11, 14, 17))
    torch_fixture(out_root, "rnn-relu-2layer",
                  Tagger(torch.nn.RNN(3, 4, num_layers=2, nonlinearity="relu")), 3, with_state=True, opsets=(9, 14, 17))
    vocab = list("abcdefg")
    torch_fixture(out_root, "embedding-gru",
                  Tagger(torch.nn.GRU(4, 5, batch_first=True), torch.nn.Linear(5, len(vocab)),
                         torch.nn.Embedding(len(vocab), 4), activation="softmax"), 4,
                  with_state=True, config={"vocab": vocab}, vocab_size=len(vocab))
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "."]
    torch_fixture(out_root, "bilstm-tagger",
                  Tagger(torch.nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True),
                         torch.nn.Linear(10, 3), torch.nn.Embedding(len(words), 4), activation="softmax"), 4,
                  with_state=True, vocab_size=len(words),
                  config={"vocab": words, "labels": ["DET", "NOUN", "VERB"],
                          "description": "bidirectional LSTM tagger"})


# ---- tf2onnx-shaped graphs (Keras layers) ------------------------------------------------------


def const(name, array, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(array, dtype=dtype), name)


def keras_graph(kind, rng, *, input_size, hidden, output_size, direction="forward", linear_before_reset=None,
                recurrent_bias=False, activation=None, layout=0, head="matmul", opset=13):
    """One recurrent node as tf2onnx writes it for Keras (batch-major input, so a Transpose to
    layout 0 unless layout=1), a Dense head, an optional final activation. Returns (model bytes,
    weights for onnx_reference)."""
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    D = 2 if direction == "bidirectional" else 1
    bound = 1 / np.sqrt(hidden)
    W = rng.uniform(-bound, bound, (D, gates * hidden, input_size)).astype(np.float32)
    R = rng.uniform(-bound, bound, (D, gates * hidden, hidden)).astype(np.float32)
    Wb = rng.uniform(-bound, bound, (D, gates * hidden)).astype(np.float32)
    Rb = (rng.uniform(-bound, bound, (D, gates * hidden)) if recurrent_bias else np.zeros((D, gates * hidden))).astype(
        np.float32)
    B = np.concatenate([Wb, Rb], axis=1)
    width = D * hidden
    dense_w = rng.uniform(-0.5, 0.5, (width, output_size)).astype(np.float32)
    dense_b = rng.uniform(-0.5, 0.5, (output_size,)).astype(np.float32)
    nodes, inits = [], [const("W", W), const("R", R), const("B", B)]
    attrs = {"hidden_size": hidden, "direction": direction}
    if linear_before_reset is not None:
        attrs["linear_before_reset"] = linear_before_reset
    if layout == 1:
        attrs["layout"] = 1
        x_name = "x"
    else:
        nodes.append(helper.make_node("Transpose", ["x"], ["x_tbf"], name="transpose_in", perm=[1, 0, 2]))
        x_name = "x_tbf"
    nodes.append(helper.make_node(kind, [x_name, "W", "R", "B"], ["Y", "Y_h"], name=f"{kind.lower()}_1", **attrs))
    if layout == 1:
        # Y: [B, T, D, H]
        if D == 1:
            inits.append(const("axes_d", [2], np.int64))
            nodes.append(helper.make_node("Squeeze", ["Y", "axes_d"], ["seq"], name="squeeze_d"))
        else:
            inits.append(const("shape_bt", [0, 0, -1], np.int64))
            nodes.append(helper.make_node("Reshape", ["Y", "shape_bt"], ["seq"], name="merge_directions"))
    else:
        # Y: [T, D, B, H] -> [B, T, D*H]
        nodes.append(helper.make_node("Transpose", ["Y"], ["Y_btdh"], name="transpose_out", perm=[2, 0, 1, 3]))
        inits.append(const("shape_bt", [0, 0, width], np.int64))
        nodes.append(helper.make_node("Reshape", ["Y_btdh", "shape_bt"], ["seq"], name="merge_directions"))
    if head == "matmul":
        inits += [const("dense_w", dense_w), const("dense_b", dense_b)]
        nodes.append(helper.make_node("MatMul", ["seq", "dense_w"], ["dense_mm"], name="dense_matmul"))
        nodes.append(helper.make_node("Add", ["dense_mm", "dense_b"], ["logits"], name="dense_add"))
    else:
        # Gemm on the flattened rows, as a 2-D Dense: [B*T, width] -> [B*T, O] -> [B, T, O].
        inits += [const("dense_wt", dense_w.T), const("dense_b", dense_b), const("flat", [-1, width], np.int64),
                  const("gather_bt", [0, 1], np.int64), const("out_width", [output_size], np.int64)]
        nodes += [
            helper.make_node("Reshape", ["seq", "flat"], ["rows"], name="flatten_rows"),
            helper.make_node("Gemm", ["rows", "dense_wt", "dense_b"], ["rows_out"], name="dense_gemm", transB=1),
            helper.make_node("Shape", ["seq"], ["seq_shape"], name="seq_shape"),
            helper.make_node("Gather", ["seq_shape", "gather_bt"], ["bt"], name="batch_time", axis=0),
            helper.make_node("Concat", ["bt", "out_width"], ["out_shape"], name="out_shape", axis=0),
            helper.make_node("Reshape", ["rows_out", "out_shape"], ["logits"], name="unflatten_rows"),
        ]
    if activation is None:
        nodes.append(helper.make_node("Identity", ["logits"], ["y"], name="output"))
    else:
        act = {"softmax": "Softmax", "sigmoid": "Sigmoid"}[activation]
        axis = {"axis": -1} if act == "Softmax" else {}
        nodes.append(helper.make_node(act, ["logits"], ["y"], name=activation, **axis))
    graph = helper.make_graph(
        nodes, f"keras_{kind.lower()}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "time", input_size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "time", output_size])],
        inits)
    model = helper.make_model(graph, producer_name="tf2onnx-shaped (rnn-serve fixtures)",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    weights = {"W": W, "R": R, "B": B, "dense_w": dense_w, "dense_b": dense_b}
    return model.SerializeToString(), weights


def keras_cases(kind, weights, attrs, activation, rng, input_size):
    cases = []
    for k, steps in enumerate([1, 4, 8]):
        x = rng.standard_normal((steps, input_size)).astype(np.float32)
        y, state = ref.run_node(kind, x[:, None, :], weights["W"], weights["R"], weights["B"], **attrs)
        # y: [T, D, B, H] -> [T, D*H] for batch 0
        seq = y[:, :, 0, :].reshape(steps, -1)
        out = seq @ weights["dense_w"].astype(np.float64) + weights["dense_b"]
        if activation == "softmax":
            out = ref.softmax(out)
        elif activation == "sigmoid":
            out = ref.sigmoid(out)
        final = {"h": rounded(state["h"][:, 0])}
        if "c" in state:
            final["c"] = rounded(state["c"][:, 0])
        cases.append({"name": f"T{steps}_{k}", "inputs": rounded(x), "outputs": rounded(out), "final_state": final})
    return cases


def keras_fixtures(out_root):
    rng = np.random.default_rng(3)
    specs = [
        ("keras-lstm", "LSTM", dict(input_size=3, hidden=5, output_size=2), {}),
        ("keras-lstm-layout1-sigmoid", "LSTM", dict(input_size=3, hidden=4, output_size=2, layout=1, opset=14,
                                                   activation="sigmoid"), {}),
        ("keras-gru-reset-after", "GRU", dict(input_size=4, hidden=5, output_size=3, linear_before_reset=1,
                                              recurrent_bias=True, activation="softmax"), {"linear_before_reset": 1}),
        ("keras-gru-reset-before", "GRU", dict(input_size=4, hidden=6, output_size=3, linear_before_reset=0,
                                               activation="softmax"), {"linear_before_reset": 0}),
        ("keras-gru-reset-before-bidirectional-gemm", "GRU",
         dict(input_size=3, hidden=4, output_size=2, linear_before_reset=0, direction="bidirectional", head="gemm"),
         {"linear_before_reset": 0, "direction": "bidirectional"}),
        ("keras-rnn-reverse", "RNN", dict(input_size=3, hidden=4, output_size=2, direction="reverse"),
         {"direction": "reverse"}),
    ]
    for name, kind, options, attrs in specs:
        blob, weights = keras_graph(kind, rng, **options)
        cases = keras_cases(kind, weights, attrs, options.get("activation"), rng, options["input_size"])
        write_package(os.path.join(out_root, name), blob, None, cases)


def check_reference_against_torch():
    """onnx_reference's LSTM and GRU (linear_before_reset=1) agree with torch after the gate
    reordering the server does, so the hand-built graphs' cases are right."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((6, 1, 3)).astype(np.float32)
    modules = (("LSTM", torch.nn.LSTM(3, 4, bidirectional=True)), ("GRU", torch.nn.GRU(3, 4, bidirectional=True)),
               ("RNN", torch.nn.RNN(3, 4, bidirectional=True)))
    for kind, module in modules:
        order = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}[kind]
        W, R, B = [], [], []
        for suffix in ("", "_reverse"):
            def blocks(t):
                return np.concatenate([np.split(t.detach().numpy(), len(order))[k] for k in order])
            W.append(blocks(getattr(module, f"weight_ih_l0{suffix}")))
            R.append(blocks(getattr(module, f"weight_hh_l0{suffix}")))
            B.append(np.concatenate([blocks(getattr(module, f"bias_ih_l0{suffix}")),
                                     blocks(getattr(module, f"bias_hh_l0{suffix}"))]))
        attrs = {"direction": "bidirectional", **({"linear_before_reset": 1} if kind == "GRU" else {})}
        y, _ = ref.run_node(kind, x, np.stack(W), np.stack(R), np.stack(B), **attrs)
        with torch.no_grad():
            expected = module(torch.from_numpy(x))[0].numpy()
        got = np.concatenate([y[:, 0], y[:, 1]], axis=-1)
        assert np.allclose(got, expected, atol=1e-5), f"onnx_reference {kind} disagrees with torch"


# ---- the bundled models as ONNX ---------------------------------------------------------------


def bundled_fixtures(models_dir, out_root):
    for name in sorted(os.listdir(models_dir)):
        directory = os.path.join(models_dir, name)
        if not os.path.isfile(os.path.join(directory, "config.json")):
            continue
        config, package = load_package(directory)
        model = Tagger(package.rnn, package.head, package.embedding,
                       None if package.output_activation == "identity" else package.output_activation)
        token_model = package.embedding is not None
        example = torch.zeros((3, 1), dtype=torch.int64) if token_model else torch.zeros((3, 1, config["input_size"]))
        blob = export_bytes(model, (example,), ["x"], 17, token_model=token_model)
        onnx.checker.check_model(onnx.load_from_string(blob))
        sidecar = {key: config[key] for key in ("description", "version", "labels", "vocab", "normalization")
                   if key in config}
        out_dir = os.path.join(out_root, f"bundled-{name}")
        fresh_dir(out_dir)
        with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
            f.write(blob)
        write_json(os.path.join(out_dir, "config.json"), sidecar)
        shutil.copyfile(os.path.join(directory, "cases.json"), os.path.join(out_dir, "cases.json"))


# ---- PyTorch bidirectional packages (safetensors) ----------------------------------------------


def bidirectional_torch_fixture(out_root):
    torch.manual_seed(5)
    rnn = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    head = torch.nn.Linear(8, 2)
    model = Tagger(rnn, head)
    rng = np.random.default_rng(9)
    cases = torch_cases(model, rnn, random_inputs(rng, [1, 5, 8], 3), with_state=False)
    stated = torch_cases(model, rnn, random_inputs(rng, [6], 3), with_state=True)
    for case in stated:
        case["name"] += "_with_state"
    out_dir = os.path.join(out_root, "bigru-2layer-head")
    fresh_dir(out_dir)
    tensors = {f"rnn.{k}": v.detach().numpy() for k, v in rnn.state_dict().items()}
    tensors.update({f"fc.{k}": v.detach().numpy() for k, v in head.state_dict().items()})
    write_safetensors(os.path.join(out_dir, "model.safetensors"), tensors)
    write_json(os.path.join(out_dir, "config.json"), {
        "architecture": "gru", "input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True,
        "output_size": 2, "description": "bidirectional GRU 2x4 with a Linear head over both directions"})
    write_json(os.path.join(out_dir, "cases.json"), {"cases": cases + stated, "tolerance": TOLERANCE})


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "test", "fixtures")
    models_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
    torch.set_num_threads(1)
    check_reference_against_torch()
    onnx_root = os.path.join(out, "onnx")
    os.makedirs(onnx_root, exist_ok=True)
    torch_fixtures(onnx_root)
    keras_fixtures(onnx_root)
    bundled_fixtures(models_dir, onnx_root)
    os.makedirs(os.path.join(out, "bidirectional"), exist_ok=True)
    bidirectional_torch_fixture(os.path.join(out, "bidirectional"))


if __name__ == "__main__":
    main(sys.argv)
