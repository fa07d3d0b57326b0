"""The project's golden fixtures: small random networks exported as packages, with the cases.json
PyTorch computes for them, in ../test/fixtures/pytorch/<case>/. Every test that needs a model of
a given kind uses these; test/unit/fixtures.test.ts runs every case through the real loader.

    /usr/bin/python3 training/make_fixtures.py            # rewrite test/fixtures/pytorch
    /usr/bin/python3 training/make_fixtures.py --check    # regenerate into a temp dir, compare bytes
    /usr/bin/python3 training/make_fixtures.py --out DIR  # write somewhere else

Each fixture is seeded (torch.manual_seed for the weights, numpy's default_rng for the inputs),
PyTorch runs one thread, and the files carry no timestamps (np.savez stamps zip entries with a
fixed date), so a rerun with the same torch/numpy builds on the same kind of CPU writes the same
bytes. Expected values come from PyTorch 1.13.1 in float32 on CPU; seed_numpy's from the same
network as torch.nn.RNN in float32 (its weights are float64 in the file, as the seed class keeps
them); lstm_f16's from the weights exactly as stored (rounded to float16, computed in float32).
"""

import argparse
import filecmp
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

from common import TRAINING_DIR, make_deterministic
from export import export_seed, export_torch

DEFAULT_OUT = os.path.join(os.path.dirname(TRAINING_DIR), "test", "fixtures", "pytorch")
# Wider than PyTorch's default init (1/sqrt(hidden)), so gates saturate and ReLU units switch off
# in some steps: a wrong gate order or bias placement then shows in the outputs.
WEIGHT_RANGE = 0.8
TOKEN_VOCAB = ["h", "e", "l", "o", " ", "w", "r", "d", ".", ",", "!", "?"]


def _randomize(*modules):
    with torch.no_grad():
        for module in modules:
            for parameter in module.parameters():
                parameter.uniform_(-WEIGHT_RANGE, WEIGHT_RANGE)


def _round_to_float16(*modules):
    with torch.no_grad():
        for module in modules:
            for parameter in module.parameters():
                parameter.copy_(parameter.half().float())


def rnn_tanh(out):
    rnn, fc = torch.nn.RNN(3, 8), torch.nn.Linear(8, 2)
    _randomize(rnn, fc)
    export_torch(out, rnn, fc, description="Elman RNN, tanh, 1 layer, linear head", case_seed=1)


def rnn_relu_2layer(out):
    rnn, fc = torch.nn.RNN(4, 6, num_layers=2, nonlinearity="relu"), torch.nn.Linear(6, 3)
    _randomize(rnn, fc)
    export_torch(out, rnn, fc, description="Elman RNN, relu, 2 layers, linear head", case_seed=2)


def rnn_nobias(out):
    rnn = torch.nn.RNN(4, 8, bias=False)
    _randomize(rnn)
    export_torch(out, rnn, description="Elman RNN without bias tensors, outputs are the hidden state",
                 case_seed=3)


def lstm(out):
    rnn, fc = torch.nn.LSTM(3, 8), torch.nn.Linear(8, 2)
    _randomize(rnn, fc)
    export_torch(out, rnn, fc, description="LSTM, 1 layer, linear head", case_seed=4)


def lstm_2layer(out):
    # batch_first, as many training scripts use it: the exporter must not care.
    rnn, fc = torch.nn.LSTM(5, 7, num_layers=2, batch_first=True), torch.nn.Linear(7, 4)
    _randomize(rnn, fc)
    export_torch(out, rnn, fc, labels=["north", "east", "south", "west"], output_activation="softmax",
                 description="LSTM, 2 layers, softmax head", case_seed=5)


def lstm_f16(out):
    rnn, fc = torch.nn.LSTM(3, 8), torch.nn.Linear(8, 2)
    _randomize(rnn, fc)
    _round_to_float16(rnn, fc)
    export_torch(out, rnn, fc, weight_dtype="float16", description="LSTM with float16 weights", case_seed=6)


def gru(out):
    rnn, fc = torch.nn.GRU(3, 8), torch.nn.Linear(8, 2)
    _randomize(rnn, fc)
    export_torch(out, rnn, fc, description="GRU, 1 layer, linear head", case_seed=7)


def gru_2layer_nohead(out):
    rnn = torch.nn.GRU(4, 6, num_layers=2)
    _randomize(rnn)
    export_torch(out, rnn, description="GRU, 2 layers, outputs are the last layer's hidden state", case_seed=8)


def token_gru(out):
    embedding, rnn, fc = torch.nn.Embedding(len(TOKEN_VOCAB), 5), torch.nn.GRU(5, 8), torch.nn.Linear(8, 12)
    _randomize(rnn, fc)  # the embedding keeps its N(0, 1) init: inputs of the usual size
    export_torch(out, rnn, fc, embedding, vocab=TOKEN_VOCAB, output_activation="softmax",
                 description="character-level GRU with an embedding, softmax over the vocabulary", case_seed=9)


def seed_numpy(out):
    rng = np.random.default_rng(10)
    hidden, inputs, outputs = 6, 3, 2
    uniform = lambda *shape: rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, shape)  # noqa: E731
    export_seed(out, Wxh=uniform(hidden, inputs), Whh=uniform(hidden, hidden), Why=uniform(outputs, hidden),
                bh=uniform(hidden, 1), by=uniform(outputs, 1), description="reference numpy RNN (weights.npz)",
                case_seed=10)


FIXTURES = [rnn_tanh, rnn_relu_2layer, rnn_nobias, lstm, lstm_2layer, lstm_f16, gru, gru_2layer_nohead, token_gru,
            seed_numpy]


def write_all(root):
    for index, make in enumerate(FIXTURES):
        make_deterministic(1000 + index)
        out = os.path.join(root, make.__name__)
        if os.path.isdir(out):
            shutil.rmtree(out)
        make(out)


def _files(root):
    return sorted(os.path.relpath(os.path.join(directory, name), root)
                  for directory, _, names in os.walk(root) for name in names)


def check(committed):
    """Regenerates into a temporary folder; 0 when every file matches the committed one byte for byte."""
    with tempfile.TemporaryDirectory() as scratch:
        write_all(scratch)
        made = _files(scratch)
        status = 0
        for name in made:
            same = filecmp.cmp(os.path.join(scratch, name), os.path.join(committed, name), shallow=False) \
                if os.path.exists(os.path.join(committed, name)) else False
            print(f"{'identical' if same else 'DIFFERENT'}  {name}")
            status |= not same
        extra = [name for name in _files(committed) if name not in made and os.path.dirname(name)]
        for name in extra:
            print(f"EXTRA      {name} (no fixture writes it)")
        return 1 if status or extra else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder of the fixture folders (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="compare a fresh generation with --out, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.out)
    write_all(args.out)
    print(f"wrote {len(FIXTURES)} fixtures to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
