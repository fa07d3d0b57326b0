"""Runs a model package with PyTorch, and reads packages back from disk.

A RecurrentPackage is the PyTorch twin of what the server computes for a package:
optional embedding or input normalization, the recurrent stack, optional linear head,
output activation, optional output de-normalization. Everything runs in float32, batch 1.
"""

import json
import os

import numpy as np
import torch

from safetensors_io import read_safetensors

DEFAULT_PREFIX = {"rnn": "rnn", "head": "fc", "embedding": "embedding"}
MODES = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn", "RNN_RELU": "rnn"}


def architecture_of(rnn):
    """'rnn' | 'lstm' | 'gru' for a torch.nn.RNN/LSTM/GRU; refuses what the format cannot express."""
    if not isinstance(rnn, torch.nn.RNNBase) or rnn.mode not in MODES:
        raise TypeError(f"expected torch.nn.RNN, LSTM or GRU, got {type(rnn).__name__}")
    if rnn.bidirectional:
        raise ValueError("bidirectional recurrent layers are not part of the model format")
    if getattr(rnn, "proj_size", 0):
        raise ValueError("LSTM proj_size is not part of the model format")
    return MODES[rnn.mode]


class RecurrentPackage:
    """PyTorch reference for one package. `normalization` is the config extension
    {"input": {"mean", "std"}, "output": {"mean", "std"}}: x is fed as (x - mean) / std,
    and y (after the output activation) is returned as y * std + mean."""

    def __init__(self, rnn, head=None, embedding=None, output_activation="identity", normalization=None):
        self.architecture = architecture_of(rnn)
        self.rnn, self.head, self.embedding = rnn, head, embedding
        self.output_activation = output_activation
        self.normalization = normalization
        for module in (rnn, head, embedding):
            if module is not None:
                module.eval()

    @property
    def num_layers(self):
        return self.rnn.num_layers

    @property
    def hidden_size(self):
        return self.rnn.hidden_size

    def run(self, inputs=None, tokens=None, state=None):
        """Runs one sequence. inputs: T x input_size (raw units), or tokens: T ids for token models.
        state: {"h": L x H, "c"?: L x H} or None for zeros.
        Returns (outputs as a T x out float32 array, final state {"h", "c"?} as float32 arrays)."""
        with torch.no_grad():
            x = self._embed(tokens) if self.embedding is not None else self._normalize_inputs(inputs)
            if self.rnn.batch_first:
                sequence_out, final = self.rnn(x.unsqueeze(0), self._initial_state(state))
                sequence_out = sequence_out[0]
            else:
                sequence_out, final = self.rnn(x.unsqueeze(1), self._initial_state(state))
                sequence_out = sequence_out[:, 0]
            y = self.head(sequence_out) if self.head is not None else sequence_out
            y = self._activate(y).numpy().astype(np.float64)
            if self.normalization is not None:
                out = self.normalization["output"]
                y = y * np.asarray(out["std"], dtype=np.float64) + np.asarray(out["mean"], dtype=np.float64)
            return y.astype(np.float32), self._state_dict(final)

    def _embed(self, tokens):
        if tokens is None:
            raise ValueError("this package has an embedding: give tokens, not inputs")
        ids = torch.as_tensor(np.asarray(tokens, dtype=np.int64))
        if ids.ndim != 1 or ids.numel() == 0:
            raise ValueError("tokens must be a non-empty list of ids")
        return self.embedding(ids)

    def _normalize_inputs(self, inputs):
        if inputs is None:
            raise ValueError("this package takes input vectors: give inputs, not tokens")
        x = np.asarray(inputs, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != self.rnn.input_size:
            raise ValueError(f"inputs must be T x {self.rnn.input_size} with T > 0, got shape {list(x.shape)}")
        if self.normalization is not None:
            stats = self.normalization["input"]
            x = (x - np.asarray(stats["mean"], dtype=np.float64)) / np.asarray(stats["std"], dtype=np.float64)
        return torch.from_numpy(x.astype(np.float32))

    def _initial_state(self, state):
        if state is None:
            return None
        shape = (self.num_layers, 1, self.hidden_size)
        h = torch.tensor(np.asarray(state["h"], dtype=np.float32)).reshape(shape)
        if self.architecture == "lstm":
            return h, torch.tensor(np.asarray(state["c"], dtype=np.float32)).reshape(shape)
        return h

    def _state_dict(self, final):
        if self.architecture == "lstm":
            return {"h": final[0][:, 0].numpy().copy(), "c": final[1][:, 0].numpy().copy()}
        return {"h": final[:, 0].numpy().copy()}

    def _activate(self, y):
        if self.output_activation == "softmax":
            return torch.softmax(y, dim=-1)
        if self.output_activation == "sigmoid":
            return torch.sigmoid(y)
        if self.output_activation == "identity":
            return y
        raise ValueError(f"unknown output_activation {self.output_activation!r}")


def build_rnn(config, batch_first=False):
    """An untrained torch module with the shapes config.json describes."""
    kwargs = dict(input_size=config["input_size"], hidden_size=config["hidden_size"],
                  num_layers=config.get("num_layers", 1), bias=config.get("bias", True), batch_first=batch_first)
    architecture = config["architecture"]
    if architecture == "lstm":
        return torch.nn.LSTM(**kwargs)
    if architecture == "gru":
        return torch.nn.GRU(**kwargs)
    if architecture == "rnn":
        return torch.nn.RNN(nonlinearity=config.get("nonlinearity", "tanh"), **kwargs)
    raise ValueError(f"config.json: unknown architecture {architecture!r}")


def _take(tensors, name, where):
    if name not in tensors:
        raise KeyError(f"{where}: tensor {name!r} is missing")
    return torch.tensor(np.asarray(tensors[name], dtype=np.float32))


def package_from_torch_tensors(config, tensors, where="package"):
    """RecurrentPackage from config.json and state_dict-named tensors (layout "torch")."""
    prefix = {**DEFAULT_PREFIX, **config.get("tensor_prefix", {})}
    rnn = build_rnn(config)
    rnn.load_state_dict({key: _take(tensors, f"{prefix['rnn']}.{key}", where) for key in rnn.state_dict()})
    head = None
    if "output_size" in config:
        head_bias = config.get("head_bias", True)
        head = torch.nn.Linear(config["hidden_size"], config["output_size"], bias=head_bias)
        head.load_state_dict({key: _take(tensors, f"{prefix['head']}.{key}", where) for key in head.state_dict()})
    embedding = None
    if "vocab" in config:
        embedding = torch.nn.Embedding(len(config["vocab"]), config["input_size"])
        embedding.weight.data.copy_(_take(tensors, f"{prefix['embedding']}.weight", where))
    return RecurrentPackage(rnn, head, embedding, config.get("output_activation", "identity"),
                            config.get("normalization"))


def package_from_seed_arrays(config, arrays, where="package"):
    """RecurrentPackage from the seed class's arrays (layout "seed"): weight_ih_l0 = Wxh,
    weight_hh_l0 = Whh, bias_ih_l0 = bh, bias_hh_l0 = 0, head = (Why, by)."""
    hidden, inputs, outputs = config["hidden_size"], config["input_size"], config["output_size"]
    rnn = torch.nn.RNN(inputs, hidden, nonlinearity=config.get("nonlinearity", "tanh"))
    head = torch.nn.Linear(hidden, outputs)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(_take(arrays, "Wxh", where).reshape(hidden, inputs))
        rnn.weight_hh_l0.copy_(_take(arrays, "Whh", where).reshape(hidden, hidden))
        rnn.bias_ih_l0.copy_(_take(arrays, "bh", where).reshape(hidden))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(_take(arrays, "Why", where).reshape(outputs, hidden))
        head.bias.copy_(_take(arrays, "by", where).reshape(outputs))
    return RecurrentPackage(rnn, head, None, config.get("output_activation", "identity"), config.get("normalization"))


def load_package(directory):
    """(config, RecurrentPackage) for the package folder `directory`."""
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    if config.get("layout", "torch") == "seed":
        path = os.path.join(directory, "weights.npz")
        with np.load(path) as npz:
            return config, package_from_seed_arrays(config, dict(npz), path)
    path = os.path.join(directory, "model.safetensors")
    tensors, _ = read_safetensors(path)
    return config, package_from_torch_tensors(config, tensors, path)
