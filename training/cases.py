"""Golden cases for a package: inputs, optional initial state, the outputs and final state
PyTorch computes in float32. Same format as ../test/fixtures/pytorch/*/cases.json."""

import json
import math

import numpy as np

TOLERANCE = {"abs": 1e-4, "rel": 1e-4}


def random_case_specs(package, vocab=None, seed=0, lengths=(7, 8, 6)):
    """Three cases (the second starts from a non-zero state) with inputs drawn from a seeded RNG:
    token ids for token models, N(mean, std) in raw units when the package is normalized, else N(0, 1)."""
    rng = np.random.default_rng(seed)
    specs = []
    for index, steps in enumerate(lengths):
        with_state = index == 1
        spec = {"name": f"case{index}_T{steps}" + ("_state" if with_state else "")}
        if vocab is not None:
            spec["tokens"] = [int(t) for t in rng.integers(0, len(vocab), steps)]
        else:
            x = rng.standard_normal((steps, package.rnn.input_size))
            if package.normalization is not None:
                stats = package.normalization["input"]
                x = np.asarray(stats["mean"]) + np.asarray(stats["std"]) * x
            spec["inputs"] = np.round(x, 5).tolist()
        if with_state:
            spec["state"] = random_state(package, rng)
        specs.append(spec)
    return specs


def random_state(package, rng):
    """h in (-0.9, 0.9) (a reachable range for tanh layers), c ~ N(0, 1), rounded to 5 decimals."""
    shape = (package.num_layers, package.hidden_size)
    state = {"h": np.round(rng.uniform(-0.9, 0.9, shape), 5).tolist()}
    if package.architecture == "lstm":
        state["c"] = np.round(rng.standard_normal(shape), 5).tolist()
    return state


def compute_cases(package, specs, vocab=None):
    """Fills in "outputs" and "final_state" for each spec; adds "text" to token cases when the
    vocabulary is single characters (so clients can send the same sequence as a string)."""
    cases = []
    for spec in specs:
        case = {"name": spec["name"]}
        if "tokens" in spec:
            case["tokens"] = [int(t) for t in spec["tokens"]]
            if vocab is not None and all(len(token) == 1 for token in vocab):
                case["text"] = "".join(vocab[t] for t in case["tokens"])
            outputs, final_state = package.run(tokens=case["tokens"], state=spec.get("state"))
        else:
            case["inputs"] = [[float(v) for v in row] for row in spec["inputs"]]
            outputs, final_state = package.run(inputs=case["inputs"], state=spec.get("state"))
        if "state" in spec:
            case["state"] = {key: np.asarray(value, dtype=np.float64).tolist() for key, value in spec["state"].items()}
        case["outputs"] = outputs
        case["final_state"] = final_state
        cases.append(case)
    return {"cases": cases, "tolerance": dict(TOLERANCE)}


def _number(value):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("booleans are not numbers in cases.json")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.floating) and value.dtype == np.float32:
        text = format(float(value), ".8g")  # float32 carries ~7.2 significant digits
    else:
        text = repr(float(value))
    if not math.isfinite(float(value)):
        raise ValueError(f"non-finite value {value} in cases.json")
    return text


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def dumps_cases(document, indent=0):
    """JSON with one row of numbers per line, like the fixtures."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(document, np.ndarray):
        document = list(document)
    if isinstance(document, dict):
        items = [f"{inner}{json.dumps(key)}: {dumps_cases(value, indent + 2)}" for key, value in document.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(document, (list, tuple)):
        if all(_is_number(v) for v in document):
            return "[" + ",".join(_number(v) for v in document) + "]"
        return "[\n" + ",\n".join(inner + dumps_cases(v, indent + 2) for v in document) + "\n" + pad + "]"
    if _is_number(document):
        return _number(document)
    return json.dumps(document, ensure_ascii=False)


def write_cases(path, document):
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps_cases(document) + "\n")


def case_errors(package, case, tolerance=TOLERANCE):
    """Largest |got - expected| / (abs + rel * |expected|) over a case's outputs and final state
    (<= 1 means it matches)."""
    got_outputs, got_state = package.run(inputs=case.get("inputs"), tokens=case.get("tokens"), state=case.get("state"))
    worst = 0.0
    pairs = [(got_outputs, case["outputs"])] + [(got_state[k], v) for k, v in case["final_state"].items()]
    for got, expected in pairs:
        expected = np.asarray(expected, dtype=np.float64)
        allowed = tolerance["abs"] + tolerance["rel"] * np.abs(expected)
        worst = max(worst, float(np.max(np.abs(np.asarray(got, dtype=np.float64) - expected) / allowed)))
    return worst
