"""Trains models/min-char-rnn: Karpathy's min-char-rnn model (the seed's reference numpy RNN) on the KJV text.

The model is min-char-rnn's: one-hot input of vocabulary size, h_t = tanh(Wxh x_t + Whh h_{t-1} + bh),
y_t = Why h_t + by, softmax over the characters, 100 hidden units. It is trained as a torch.nn.RNN on
one-hot vectors with Adam (min-char-rnn's own numpy Adagrad loop reached only 2.66 held-out bits/char
in the same time, see README.md), then mapped onto the seed layout: Wxh = weight_ih_l0,
Whh = weight_hh_l0, bh = bias_ih_l0 + bias_hh_l0, Why = fc.weight, by = fc.bias.

The package has no embedding (the seed layout has none): its inputs are one-hot vectors of length 63
in the order of config.json "labels", and its outputs are next-character probabilities in that order.
Split and data as train_char_gru.py: first 95% of the characters train, the last 5% are held out.

    /usr/bin/python3 training/train_min_char_rnn.py        # about 5 minutes on one core
"""

import argparse
import math
import os

import numpy as np
import torch

from common import (MODELS_DIR, default_report_path, file_digests, hyperparameters, make_deterministic,
                    package_bytes, write_report)
from char_training import PROMPT, kjv_characters, train_streams
from export import export_seed
from package import load_package
from sampling import sample_text


class OneHotRNN(torch.nn.Module):
    """min-char-rnn as PyTorch modules: the one-hot product Wxh x_t is nn.RNN's W_ih x_t."""

    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.rnn = torch.nn.RNN(vocab_size, hidden_size, batch_first=True)
        self.fc = torch.nn.Linear(hidden_size, vocab_size)
        self.register_buffer("one_hot", torch.eye(vocab_size), persistent=False)

    def forward(self, ids, h=None):
        out, h = self.rnn(self.one_hot[ids], h)
        return self.fc(out), h

    def seed_weights(self):
        """Wxh, Whh, Why, bh, by as the reference class keeps them (float64 column vectors)."""
        p = {name: value.detach().double().numpy() for name, value in self.state_dict().items()}
        bh = (p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]).reshape(-1, 1)
        return p["rnn.weight_ih_l0"], p["rnn.weight_hh_l0"], p["fc.weight"], bh, p["fc.bias"].reshape(-1, 1)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(MODELS_DIR, "min-char-rnn"))
    parser.add_argument("--report", default=default_report_path("min-char-rnn"))
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32, help="parallel streams")
    parser.add_argument("--window", type=int, default=64, help="steps per backpropagation window")
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def seed_bits_per_char(weights, ids):
    """Held-out cross-entropy in bits computed with the reference class's own float64 recurrence
    on the exported arrays (so the metric is the seed model's, not PyTorch's)."""
    Wxh, Whh, Why, bh, by = weights
    h, total = np.zeros_like(bh), 0.0
    for ix, target in zip(ids[:-1], ids[1:]):
        h = np.tanh(Wxh[:, ix:ix + 1] + Whh @ h + bh)  # Wxh @ one_hot(ix)
        y = Why @ h + by
        top = y.max()
        total += top + np.log(np.sum(np.exp(y - top))) - y[target, 0]
    return total / (len(ids) - 1) / math.log(2)


def case_specs(vocab, model):
    index = {ch: i for i, ch in enumerate(vocab)}
    one_hot = lambda text: np.eye(len(vocab))[[index[ch] for ch in text]].astype(int).tolist()  # noqa: E731
    with torch.no_grad():
        _, h = model(torch.tensor([[index[ch] for ch in "And the earth was without form"]]))
    return [
        {"name": "one_hot_In_the_beginning", "inputs": one_hot("In the beginning")},
        {"name": "one_hot_and_void_after_without_form_state", "inputs": one_hot(", and void;"),
         "state": {"h": np.round(h[:, 0].double().numpy(), 6).tolist()}},
        {"name": "one_hot_Jesus_wept", "inputs": one_hot("Jesus wept.\n")},
    ]


def main():
    args = parse_args()
    make_deterministic(args.seed)
    vocab, train_ids, held_ids, digest = kjv_characters()
    model = OneHotRNN(len(vocab), args.hidden)
    seconds, train_bits, curve = train_streams(model, train_ids, args.batch, args.window, args.steps, args.lr,
                                               log_every=250)
    model.eval()
    weights = model.seed_weights()
    held_bits = seed_bits_per_char(weights, held_ids.tolist())
    chars_seen = args.steps * args.batch * args.window
    print(f"held-out {held_bits:.3f} bits/char, {seconds:.0f}s, {chars_seen / len(train_ids):.2f} epochs")

    description = (
        f"Karpathy's min-char-rnn model (vanilla tanh RNN, {args.hidden} hidden, the seed's numpy layout) on the King "
        f"James Bible (public domain; Debian bible-kjv), first 95% of the text; trained as torch.nn.RNN with Adam "
        f"({args.steps} steps of {args.batch}x{args.window} characters, {chars_seen / len(train_ids):.1f} epochs). "
        f"Inputs are one-hot vectors of length {len(vocab)} in the order of 'labels' (no embedding); outputs are "
        f"next-character probabilities in that order. Training loss {train_bits:.3f} bits/char; held-out (last 5%) "
        f"{held_bits:.3f} bits/char. Reproduce: training/train_min_char_rnn.py")
    export_seed(args.out, *weights, labels=vocab, output_activation="softmax", description=description,
                cases=case_specs(vocab, model))

    _, package = load_package(args.out)  # samples come from the exported weights.npz, run by PyTorch
    samples = {f"{PROMPT!r} T=0.8": sample_text(package, vocab, PROMPT, 200, 0.8, seed=0),
               f"{PROMPT!r} greedy": sample_text(package, vocab, PROMPT, 200, 0.0)}
    for name, sample in samples.items():
        print(f"--- {name}\n{PROMPT}{sample}")
    write_report(args.report, {
        "model": os.path.basename(args.out), "hyperparameters": hyperparameters(args),
        "data": {"source": "bible-kjv (bible -f gen1:1-rev22:21)", "sha256": digest,
                 "train_characters": len(train_ids), "held_out_characters": len(held_ids)},
        "parameters": sum(w.size for w in weights), "train_seconds": round(seconds, 1),
        "epochs": round(chars_seen / len(train_ids), 2), "final_train_bits_per_char": round(train_bits, 4),
        "held_out_bits_per_char": round(held_bits, 4), "loss_curve": curve,
        "samples": {k: PROMPT + v for k, v in samples.items()},
        "package_bytes": package_bytes(args.out), "sha256": file_digests(args.out),
    })


if __name__ == "__main__":
    main()
