"""Trains models/kjv-char-gru: a character-level GRU on the King James Bible.

Embedding (32) -> GRU (1 layer, 256) -> linear head -> softmax over the 63 characters of the text.
Split: the first 95% of the characters train, the last 5% (Colossians 1:13 to the end of Revelation)
are held out.
Training: truncated backpropagation through time over 32 parallel streams of the training text,
the state carried from one 128-character window to the next, Adam with a cosine learning-rate
decay, a fixed number of steps (char_training.train_streams).

    /usr/bin/python3 training/train_char_gru.py            # about 5 minutes of CPU time
"""

import argparse
import os

import numpy as np
import torch

from char_training import PROMPT, bits_per_char, kjv_characters, train_streams
from common import (MODELS_DIR, default_report_path, file_digests, hyperparameters, make_deterministic,
                    package_bytes, write_report)
from export import export_module
from package import load_package
from sampling import sample_text


class CharGRU(torch.nn.Module):
    def __init__(self, vocab_size, embedding_size, hidden_size, num_layers):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, embedding_size)
        self.rnn = torch.nn.GRU(embedding_size, hidden_size, num_layers, batch_first=True)
        self.fc = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, h=None):
        out, h = self.rnn(self.embedding(ids), h)
        return self.fc(out), h


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(MODELS_DIR, "kjv-char-gru"))
    parser.add_argument("--report", default=default_report_path("kjv-char-gru"))
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--embedding", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32, help="parallel streams")
    parser.add_argument("--window", type=int, default=128, help="steps per backpropagation window")
    parser.add_argument("--steps", type=int, default=1600)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=1234)
    return parser.parse_args()


def case_specs(model, vocab):
    index = {ch: i for i, ch in enumerate(vocab)}
    encode = lambda text: [index[ch] for ch in text]  # noqa: E731
    with torch.no_grad():
        _, h = model(torch.tensor([encode("And the earth was without form")]))
    state = {"h": np.round(h[:, 0].numpy().astype(np.float64), 6).tolist()}
    return [
        {"name": "in_the_beginning", "tokens": encode("In the beginning God")},
        {"name": "continue_after_without_form_state", "tokens": encode(", and void;"), "state": state},
        {"name": "jesus_wept", "tokens": encode("Jesus wept.\n")},
    ]


def main():
    args = parse_args()
    make_deterministic(args.seed)
    vocab, train_ids, held_ids, digest = kjv_characters()
    model = CharGRU(len(vocab), args.embedding, args.hidden, args.layers)
    seconds, train_bpc, curve = train_streams(model, train_ids, args.batch, args.window, args.steps, args.lr,
                                              log_every=100)
    model.eval()
    held_bpc = bits_per_char(model, held_ids)
    chars_seen = args.steps * args.batch * args.window
    print(f"held-out {held_bpc:.3f} bits/char, {seconds:.0f}s, {chars_seen / len(train_ids):.2f} epochs")

    description = (
        f"Character-level GRU ({args.layers} layer, {args.hidden} hidden, {args.embedding}-d embedding, softmax over "
        f"{len(vocab)} characters) trained on the King James Bible (public domain; Debian bible-kjv, one verse per "
        f"line): first 95% of the text, {args.steps} Adam steps of {args.batch}x{args.window} characters "
        f"({chars_seen / len(train_ids):.1f} epochs). Training loss {train_bpc:.3f} bits/char; held-out (last 5%, "
        f"{len(held_ids)} characters) {held_bpc:.3f} bits/char. Reproduce: training/train_char_gru.py")
    export_module(args.out, model, rnn="rnn", head="fc", embedding="embedding", vocab=vocab,
                  output_activation="softmax", description=description, cases=case_specs(model, vocab))

    _, package = load_package(args.out)  # samples come from the exported files
    samples = {f"{PROMPT!r} T=0.8": sample_text(package, vocab, PROMPT, 200, 0.8, seed=0),
               f"{PROMPT!r} greedy": sample_text(package, vocab, PROMPT, 200, 0.0)}
    for name, sample in samples.items():
        print(f"--- {name}\n{PROMPT}{sample}")
    write_report(args.report, {
        "model": os.path.basename(args.out), "hyperparameters": hyperparameters(args),
        "data": {"source": "bible-kjv (bible -f gen1:1-rev22:21)", "sha256": digest,
                 "train_characters": len(train_ids), "held_out_characters": len(held_ids)},
        "parameters": sum(p.numel() for p in model.parameters()), "train_seconds": round(seconds, 1),
        "epochs": round(chars_seen / len(train_ids), 2),
        "final_train_bits_per_char": round(train_bpc, 4), "held_out_bits_per_char": round(held_bpc, 4),
        "loss_curve": curve, "samples": {k: PROMPT + v for k, v in samples.items()},
        "package_bytes": package_bytes(args.out), "sha256": file_digests(args.out),
    })


if __name__ == "__main__":
    main()
