"""Export recurrent models as rnn-serve model packages (../docs/model-format.md).

Library (import from training/):
    export_torch(out_dir, rnn, head=None, embedding=None, **options) -> config dict
        a torch.nn.RNN/LSTM/GRU (batch_first or not), optional nn.Linear head and nn.Embedding
        -> config.json, model.safetensors, cases.json
    export_module(out_dir, model, rnn="rnn", head=None, embedding=None, **options) -> config dict
        the same for submodules of `model` named by attribute path; the names become the
        state_dict prefixes (config "tensor_prefix" when they are not rnn / fc / embedding)
    export_seed(out_dir, Wxh, Whh, Why, bh, by, **options) -> config dict
        the seed numpy RNN's column-vector weights -> config.json ("layout": "seed"), weights.npz, cases.json
    options: vocab, labels, output_activation, description, version, normalization, cases, case_seed;
    export_torch also weight_dtype ("float32", or "float16" for weights float16 holds exactly)

CLI:
    python3 export.py state-dict STATE_DICT.pt OUT_DIR --architecture lstm [--rnn-prefix lstm] ...
    python3 export.py check PACKAGE_DIR [PACKAGE_DIR ...]   # replays cases.json with PyTorch
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

from cases import case_errors, compute_cases, random_case_specs, write_cases
from package import DEFAULT_PREFIX, RecurrentPackage, architecture_of, load_package
from safetensors_io import write_safetensors

ACTIVATIONS = ("identity", "softmax", "sigmoid")
WEIGHT_FILES = {"torch": "model.safetensors", "seed": "weights.npz"}


def export_torch(out_dir, rnn, head=None, embedding=None, *, tensor_prefix=None, vocab=None, labels=None,
                 output_activation="identity", description=None, version="1", normalization=None,
                 cases=None, case_seed=0, weight_dtype="float32"):
    """Writes a "torch" layout package for `rnn` (+ `head`, `embedding`) into out_dir; returns the config.
    cases: optional list of {"name", "inputs" | "tokens", "state"?} (raw units); default: 3 random cases.
    normalization: {"input": {"mean", "std"}, "output": {"mean", "std"}} for a network trained on
    normalized values; cases then hold raw values.
    weight_dtype: "float32", or "float16" when every weight is a float16 value already (round the
    module first, e.g. `p.copy_(p.half().float())`), so the cases PyTorch computes are exactly what
    the file holds; a weight float16 would change is refused."""
    if weight_dtype not in ("float32", "float16"):
        raise ValueError(f"weight_dtype must be float32 or float16, got {weight_dtype!r}")
    prefix = {**DEFAULT_PREFIX, **(tensor_prefix or {})}
    config = _torch_config(rnn, head, embedding, vocab)
    if tensor_prefix and any(prefix[part] != DEFAULT_PREFIX[part] for part in _parts(head, embedding)):
        config["tensor_prefix"] = {part: prefix[part] for part in _parts(head, embedding)}
    package = RecurrentPackage(rnn, head, embedding, output_activation, normalization)
    _add_common(config, package, vocab, labels, output_activation, normalization, description, version)

    tensors = {}
    for module, part in ((rnn, "rnn"), (head, "head"), (embedding, "embedding")):
        if module is not None:
            for key, value in module.state_dict().items():
                tensors[f"{prefix[part]}.{key}"] = _stored(value.detach().cpu().float().numpy(), weight_dtype,
                                                           f"{prefix[part]}.{key}")
    _prepare(out_dir, "torch")
    write_safetensors(os.path.join(out_dir, WEIGHT_FILES["torch"]), tensors, {"format": "pt"})
    _write_config_and_cases(out_dir, config, package, vocab, cases, case_seed)
    return config


def _stored(array, weight_dtype, name):
    """The array as the file stores it; refuses a float16 conversion that would change a value."""
    stored = array.astype(np.dtype(weight_dtype))
    if not np.array_equal(stored.astype(np.float32), array):
        raise ValueError(f"tensor {name}: some weights are not float16 values; round the module to float16 first")
    return stored


def export_module(out_dir, model, rnn="rnn", head=None, embedding=None, **options):
    """export_torch for submodules of `model` given by attribute path (e.g. rnn="encoder.lstm")."""
    modules = {part: _resolve(model, name) for part, name in (("rnn", rnn), ("head", head), ("embedding", embedding))
               if name is not None}
    names = {part: name for part, name in (("rnn", rnn), ("head", head), ("embedding", embedding)) if name is not None}
    return export_torch(out_dir, modules["rnn"], modules.get("head"), modules.get("embedding"),
                        tensor_prefix=names, **options)


def export_seed(out_dir, Wxh, Whh, Why, bh, by, *, labels=None, output_activation="identity", description=None,
                version="1", normalization=None, cases=None, case_seed=0):
    """Writes a "seed" layout package: weights.npz (np.savez, float64 like the reference class) with
    Wxh (H, I), Whh (H, H), Why (O, H), bh (H, 1), by (O, 1); h_t = tanh(Wxh x + Whh h + bh), y = Why h + by."""
    arrays = {name: np.asarray(value, dtype=np.float64)
              for name, value in (("Wxh", Wxh), ("Whh", Whh), ("Why", Why), ("bh", bh), ("by", by))}
    hidden, inputs = arrays["Wxh"].shape if arrays["Wxh"].ndim == 2 else (0, 0)
    outputs = arrays["Why"].shape[0] if arrays["Why"].ndim == 2 else 0
    expected = {"Wxh": (hidden, inputs), "Whh": (hidden, hidden), "Why": (outputs, hidden),
                "bh": (hidden, 1), "by": (outputs, 1)}
    for name, shape in expected.items():
        if arrays[name].shape != shape or 0 in shape:
            raise ValueError(f"seed weights: {name} has shape {list(arrays[name].shape)}, expected {list(shape)} "
                             "(column vectors: Wxh (H, I), Whh (H, H), Why (O, H), bh (H, 1), by (O, 1))")
    config = {"architecture": "rnn", "input_size": int(inputs), "hidden_size": int(hidden),
              "output_size": int(outputs), "layout": "seed"}
    rnn = torch.nn.RNN(inputs, hidden)
    head = torch.nn.Linear(hidden, outputs)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(arrays["Wxh"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(arrays["Whh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(arrays["bh"][:, 0]))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(arrays["Why"]))
        head.bias.copy_(torch.from_numpy(arrays["by"][:, 0]))
    package = RecurrentPackage(rnn, head, None, output_activation, normalization)
    _add_common(config, package, None, labels, output_activation, normalization, description, version)
    _prepare(out_dir, "seed")
    np.savez(os.path.join(out_dir, WEIGHT_FILES["seed"]), **arrays)
    _write_config_and_cases(out_dir, config, package, None, cases, case_seed)
    return config


def _parts(head, embedding):
    return ["rnn"] + (["head"] if head is not None else []) + (["embedding"] if embedding is not None else [])


def _resolve(model, path):
    module = model
    for name in path.split("."):
        if not hasattr(module, name):
            raise AttributeError(f"{type(model).__name__} has no submodule {path!r} (stopped at {name!r})")
        module = getattr(module, name)
    return module


def _torch_config(rnn, head, embedding, vocab):
    architecture = architecture_of(rnn)
    config = {"architecture": architecture, "input_size": rnn.input_size, "hidden_size": rnn.hidden_size,
              "num_layers": rnn.num_layers}
    if architecture == "rnn" and rnn.nonlinearity != "tanh":
        config["nonlinearity"] = rnn.nonlinearity
    if not rnn.bias:
        config["bias"] = False
    if head is not None:
        if not isinstance(head, torch.nn.Linear) or head.in_features != rnn.hidden_size:
            raise ValueError(f"head must be an nn.Linear with in_features = hidden_size {rnn.hidden_size}")
        config["output_size"] = head.out_features
        if head.bias is None:
            config["head_bias"] = False
    if (embedding is None) != (vocab is None):
        raise ValueError("a token model needs both an nn.Embedding and a vocab (list of token strings)")
    if embedding is not None:
        if not isinstance(embedding, torch.nn.Embedding) or embedding.max_norm is not None:
            raise ValueError("embedding must be an nn.Embedding without max_norm (lookups must not change weights)")
        if embedding.embedding_dim != rnn.input_size:
            raise ValueError(f"embedding_dim {embedding.embedding_dim} differs from the rnn's "
                             f"input_size {rnn.input_size}")
        if len(vocab) != embedding.num_embeddings:
            raise ValueError(f"vocab has {len(vocab)} tokens but the embedding has {embedding.num_embeddings} rows")
    return config


def _add_common(config, package, vocab, labels, output_activation, normalization, description, version):
    """Checks and adds the keys every layout shares, in the order config.json lists them."""
    width = config.get("output_size", config["hidden_size"])
    if output_activation not in ACTIVATIONS:
        raise ValueError(f"output_activation must be one of {ACTIVATIONS}, got {output_activation!r}")
    if output_activation != "identity":
        config["output_activation"] = output_activation
    if vocab is not None:
        if len(set(vocab)) != len(vocab) or not all(isinstance(t, str) and t for t in vocab):
            raise ValueError("vocab must be distinct non-empty strings")
        config["vocab"] = list(vocab)
    if labels is not None:
        if len(labels) != width:
            raise ValueError(f"labels has {len(labels)} names for {width} outputs")
        config["labels"] = [str(label) for label in labels]
    if normalization is not None:
        config["normalization"] = _checked_normalization(normalization, config["input_size"], width, vocab)
        package.normalization = config["normalization"]
    if description is not None:
        config["description"] = description
    if version is not None:
        config["version"] = str(version)


def _checked_normalization(normalization, input_size, output_size, vocab):
    if vocab is not None:
        raise ValueError("normalization applies to input vectors; token models have none")
    checked = {}
    for side, size in (("input", input_size), ("output", output_size)):
        stats = normalization.get(side)
        if stats is None:
            raise ValueError(f"normalization.{side} is missing")
        mean = [float(v) for v in np.ravel(stats["mean"])]
        std = [float(v) for v in np.ravel(stats["std"])]
        if len(mean) != size or len(std) != size or not all(s > 0 for s in std):
            raise ValueError(f"normalization.{side}: mean and std need {size} values each, std > 0")
        checked[side] = {"mean": mean, "std": std}
    return checked


def _prepare(out_dir, layout):
    """Creates out_dir and removes the other layout's weights, so a folder never holds both."""
    os.makedirs(out_dir, exist_ok=True)
    for other, filename in WEIGHT_FILES.items():
        path = os.path.join(out_dir, filename)
        if other != layout and os.path.exists(path):
            os.remove(path)


def _write_config_and_cases(out_dir, config, package, vocab, cases, case_seed):
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")
    specs = cases if cases is not None else random_case_specs(package, vocab, seed=case_seed)
    write_cases(os.path.join(out_dir, "cases.json"), compute_cases(package, specs, vocab))


# ---------------------------------------------------------------- CLI


def _export_state_dict(args):
    """Rebuilds the modules a saved state_dict (or whole pickled module) describes, then exports them."""
    loaded = torch.load(args.state_dict, map_location="cpu")
    state = loaded.state_dict() if isinstance(loaded, torch.nn.Module) else loaded
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[args.architecture]
    rnn_keys = {k[len(args.rnn_prefix) + 1:]: v for k, v in state.items() if k.startswith(args.rnn_prefix + ".")}
    if "weight_ih_l0" not in rnn_keys:
        raise SystemExit(f"{args.state_dict}: no tensor {args.rnn_prefix}.weight_ih_l0 (set --rnn-prefix)")
    hidden = rnn_keys["weight_hh_l0"].shape[1]
    if rnn_keys["weight_ih_l0"].shape[0] != gates * hidden:
        raise SystemExit(f"{args.state_dict}: weight_ih_l0 has {rnn_keys['weight_ih_l0'].shape[0]} rows, "
                         f"expected {gates} x {hidden} for {args.architecture}")
    layers = sum(1 for k in rnn_keys if k.startswith("weight_ih_l") and k[len("weight_ih_l"):].isdigit())
    kwargs = dict(input_size=rnn_keys["weight_ih_l0"].shape[1], hidden_size=hidden, num_layers=layers,
                  bias="bias_ih_l0" in rnn_keys)
    if args.architecture == "rnn":
        rnn = torch.nn.RNN(nonlinearity=args.nonlinearity, **kwargs)
    else:
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[args.architecture](**kwargs)
    rnn.load_state_dict(rnn_keys)  # strict: refuses reverse-direction or projection tensors
    head = embedding = None
    if f"{args.head_prefix}.weight" in state:
        weight = state[f"{args.head_prefix}.weight"]
        head = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=f"{args.head_prefix}.bias" in state)
        head.load_state_dict({k[len(args.head_prefix) + 1:]: v for k, v in state.items()
                              if k.startswith(args.head_prefix + ".")})
    vocab = _read_json_list(args.vocab) if args.vocab else None
    if f"{args.embedding_prefix}.weight" in state:
        embedding = torch.nn.Embedding.from_pretrained(state[f"{args.embedding_prefix}.weight"].float())
    labels = _read_json_list(args.labels) if args.labels else None
    config = export_torch(args.out_dir, rnn, head, embedding, vocab=vocab, labels=labels,
                          tensor_prefix={"rnn": args.rnn_prefix, "head": args.head_prefix,
                                         "embedding": args.embedding_prefix},
                          output_activation=args.output_activation, description=args.description)
    print(json.dumps(config, ensure_ascii=False))


def _read_json_list(path):
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
    if not isinstance(value, list):
        raise SystemExit(f"{path}: expected a JSON list of strings")
    return value


def _check(args):
    failed = False
    for directory in args.packages:
        config, package = load_package(directory)
        with open(os.path.join(directory, "cases.json"), encoding="utf-8") as f:
            document = json.load(f)
        for case in document["cases"]:
            worst = case_errors(package, case, document["tolerance"])
            status = "ok" if worst <= 1 else "MISMATCH"
            failed |= worst > 1
            print(f"{status:8} {directory} {case['name']}: worst error {worst:.3g} of the tolerance")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    from_state = commands.add_parser("state-dict", help="export a torch.save()d state_dict or module")
    from_state.add_argument("state_dict")
    from_state.add_argument("out_dir")
    from_state.add_argument("--architecture", required=True, choices=("rnn", "lstm", "gru"))
    from_state.add_argument("--nonlinearity", default="tanh", choices=("tanh", "relu"))
    from_state.add_argument("--rnn-prefix", default="rnn")
    from_state.add_argument("--head-prefix", default="fc")
    from_state.add_argument("--embedding-prefix", default="embedding")
    from_state.add_argument("--vocab", help="JSON file: list of token strings (token models)")
    from_state.add_argument("--labels", help="JSON file: list of output names")
    from_state.add_argument("--output-activation", default="identity", choices=ACTIVATIONS)
    from_state.add_argument("--description")
    check = commands.add_parser("check", help="replay each package's cases.json with PyTorch")
    check.add_argument("packages", nargs="+")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        if args.command == "check":
            return _check(args)
        _export_state_dict(args)
        return 0
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as error:
        print(f"export.py {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
