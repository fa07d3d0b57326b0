"""Minimal safetensors writer and reader (no dependency on the safetensors package).

File layout: an 8-byte little-endian u64 N, then N bytes of JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"?: {str: str}}
padded with spaces to a multiple of 8, then the raw little-endian tensor bytes, contiguous,
in header order. Offsets are relative to the start of the data section.
"""

import json
import struct

import numpy as np

# safetensors dtype names for the numpy dtypes we write; all little-endian.
DTYPE_NAMES = {
    np.dtype("<f4"): "F32",
    np.dtype("<f2"): "F16",
    np.dtype("<f8"): "F64",
}
NUMPY_DTYPES = {name: dtype for dtype, name in DTYPE_NAMES.items()}


def encode_safetensors(tensors, metadata=None):
    """Returns the bytes of a safetensors file holding `tensors` (name -> array), in dict order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, value in tensors.items():
        array = np.asarray(value)
        little = array.dtype.newbyteorder("<")
        if little not in DTYPE_NAMES:
            raise ValueError(f"tensor {name!r}: dtype {array.dtype} is not one of F32, F16, F64")
        data = np.ascontiguousarray(array, dtype=little).tobytes()
        header[name] = {
            "dtype": DTYPE_NAMES[little],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    return struct.pack("<Q", len(header_bytes)) + header_bytes + b"".join(chunks)


def write_safetensors(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(encode_safetensors(tensors, metadata))


def decode_safetensors(blob):
    """Returns (tensors, metadata) from safetensors bytes; checks every offset against the file."""
    if len(blob) < 8:
        raise ValueError(f"safetensors: file is {len(blob)} bytes, shorter than the 8-byte header length")
    (header_length,) = struct.unpack("<Q", blob[:8])
    if 8 + header_length > len(blob):
        raise ValueError(f"safetensors: header length {header_length} runs past the end of the file "
                         f"({len(blob)} bytes)")
    header = json.loads(blob[8:8 + header_length].decode("utf-8"))
    data = blob[8 + header_length:]
    metadata = header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] not in NUMPY_DTYPES:
            raise ValueError(f"safetensors: tensor {name!r} has unsupported dtype {entry['dtype']}")
        dtype = NUMPY_DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not 0 <= begin <= end <= len(data) or end - begin != expected:
            raise ValueError(f"safetensors: tensor {name!r} offsets [{begin}, {end}] do not fit shape {list(shape)} "
                             f"or the {len(data)}-byte data section")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
    return tensors, metadata


def read_safetensors(path):
    with open(path, "rb") as f:
        return decode_safetensors(f.read())
