"""Numbers in and out: lists or numpy arrays in, numpy float32 arrays out when numpy is installed
(the engine computes in float32, so the conversion is exact), plain lists otherwise."""

from __future__ import annotations

import struct
from typing import Any, Sequence

try:  # optional
    import numpy as np

    HAVE_NUMPY = True
except ImportError:  # pragma: no cover - depends on the machine
    np = None  # type: ignore[assignment]
    HAVE_NUMPY = False


def to_rows(inputs: Any) -> list[list[float]]:
    """T x input_size as nested lists of floats (numpy arrays, lists, tuples)."""
    if HAVE_NUMPY and isinstance(inputs, np.ndarray):
        array = inputs.astype(float)
        if array.ndim == 1:
            raise ValueError("inputs must be 2-D (T x input_size); got a 1-D array")
        return array.tolist()
    return [[float(v) for v in row] for row in inputs]


def to_vector(x: Any) -> list[float]:
    """One element (input_size numbers) as a list of floats."""
    if HAVE_NUMPY and isinstance(x, np.ndarray):
        return x.astype(float).reshape(-1).tolist()
    return [float(v) for v in x]


def to_state(state: Any) -> Any:
    """A state ({"h", "c"?}) with numpy arrays as nested lists, for a request body."""
    if state is None:
        return None
    return {key: (value.astype(float).tolist() if HAVE_NUMPY and isinstance(value, np.ndarray) else value) for key, value in state.items()}


def from_rows(rows: Sequence[Sequence[float]]) -> Any:
    """Rows of numbers from the server: a float32 array when numpy is there."""
    if HAVE_NUMPY:
        return np.asarray(rows, dtype=np.float32)
    return [list(row) for row in rows]


def from_state(state: Any) -> Any:
    if state is None or not HAVE_NUMPY:
        return state
    return {key: np.asarray(value, dtype=np.float32) for key, value in state.items()}


def pack_float32(rows: list[list[float]]) -> bytes:
    """Little-endian float32, row-major: a binary stream frame."""
    flat = [v for row in rows for v in row]
    return struct.pack(f"<{len(flat)}f", *flat)


def unpack_float32(data: bytes, width: int) -> Any:
    """A binary reply (k x width little-endian float32) as rows."""
    if HAVE_NUMPY:
        return np.frombuffer(data, dtype="<f4").reshape(-1, width).astype(np.float32)
    values = struct.unpack(f"<{len(data) // 4}f", data)
    return [list(values[i : i + width]) for i in range(0, len(values), width)]
