"""Exports the bench's networks to ONNX with torch.onnx.export, from the very weights rnn-serve runs.

Run by bench/peers/onnx-models.ts with /usr/bin/python3 (Debian's python3-torch and python3-onnx):
    python3 export_onnx.py MANIFEST.json
The manifest lists models {name, architecture, input_size, hidden_size, weights: {tensor: file}}
whose weight files are raw little-endian float32 in PyTorch's layout (weight_ih_l0, weight_hh_l0,
bias_ih_l0, bias_hh_l0; optionally head: {weight, bias} of a Linear on every output); each becomes <name>.onnx beside the manifest, with dynamic sequence and
batch axes: inputs x (T, B, I), h0 (1, B, H) and for lstm c0. It also writes matmul_1024.onnx
(one 1024 x 1024 x 1024 MatMul), the bench's measure of the core's FP32 peak.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper


class Step(torch.nn.Module):
    def __init__(self, rnn, lstm, head):
        super().__init__()
        self.rnn = rnn
        self.lstm = lstm
        self.head = head

    def forward(self, x, h0, c0=None):
        if self.lstm:
            y, (h, c) = self.rnn(x, (h0, c0))
            return (self.head(y) if self.head is not None else y), h, c
        y, h = self.rnn(x, h0)
        return (self.head(y) if self.head is not None else y), h


def export(model, out_dir):
    arch, I, H = model["architecture"], model["input_size"], model["hidden_size"]
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[arch]
    rnn = cls(I, H, num_layers=1)
    with torch.no_grad():
        for name, file in model["weights"].items():
            values = np.fromfile(os.path.join(out_dir, file), dtype="<f4")
            param = getattr(rnn, name)
            param.copy_(torch.from_numpy(values.reshape(param.shape)))
    head = None
    if "head" in model:
        head = torch.nn.Linear(H, model["output_size"])
        with torch.no_grad():
            for name, file in model["head"].items():
                values = np.fromfile(os.path.join(out_dir, file), dtype="<f4")
                getattr(head, name).copy_(torch.from_numpy(values.reshape(getattr(head, name).shape)))
    lstm = arch == "lstm"
    module = Step(rnn, lstm, head).eval()
    x = torch.zeros(3, 2, I)
    h0 = torch.zeros(1, 2, H)
    args = (x, h0, torch.zeros(1, 2, H)) if lstm else (x, h0)
    inputs = ["x", "h0", "c0"] if lstm else ["x", "h0"]
    outputs = ["y", "h", "c"] if lstm else ["y", "h"]
    axes = {"x": {0: "T", 1: "B"}, "h0": {1: "B"}, "c0": {1: "B"}, "y": {0: "T", 1: "B"}, "h": {1: "B"}, "c": {1: "B"}}
    torch.onnx.export(module, args, os.path.join(out_dir, model["name"] + ".onnx"), input_names=inputs,
                      output_names=outputs, dynamic_axes={k: v for k, v in axes.items() if k in inputs + outputs},
                      opset_version=14)


def export_matmul(out_dir, n=1024):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["y"])], "matmul", [a, b], [y])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), os.path.join(out_dir, "matmul_1024.onnx"))


def main():
    manifest_path = sys.argv[1]
    out_dir = os.path.dirname(os.path.abspath(manifest_path))
    with open(manifest_path) as f:
        manifest = json.load(f)
    for model in manifest["models"]:
        export(model, out_dir)
    export_matmul(out_dir)


if __name__ == "__main__":
    main()
