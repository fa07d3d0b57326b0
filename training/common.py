"""Shared by the training scripts: determinism, paths, and the per-model report file."""

import hashlib
import json
import os
import random

import numpy as np
import torch

TRAINING_DIR = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(os.path.dirname(TRAINING_DIR), "models")
REPORTS_DIR = os.path.join(TRAINING_DIR, "reports")


def make_deterministic(seed):
    """Fixed seeds and one thread: with a single thread, CPU kernels reduce in a fixed order,
    so a rerun on the same machine and library versions gives the same weights bit for bit."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def file_digests(directory):
    """{file name: sha256} for every file of a package folder."""
    digests = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            digests[name] = hashlib.sha256(f.read()).hexdigest()
    return digests


def package_bytes(directory):
    return {name: os.path.getsize(os.path.join(directory, name)) for name in sorted(os.listdir(directory))}


def hyperparameters(args):
    """The command-line settings that shape the weights (not where files go)."""
    return {key: value for key, value in vars(args).items() if key not in ("out", "report")}


def default_report_path(name):
    """training/reports/<name>.json: what README.md quotes (metrics, timings, samples, digests)."""
    return os.path.join(REPORTS_DIR, f"{name}.json")


def write_report(path, report):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
        f.write("\n")
