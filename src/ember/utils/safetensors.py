"""ember.utils.safetensors: the safetensors file format for Ember tensors (the `safetensors` package's
`save_file`, `load_file`, `save`, `load` and `safe_open`), written here without the package.

A file is a little-endian u64 header length N, N bytes of JSON
(`{"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}`,
space-padded to a multiple of 8), then the tensors' raw bytes back to back.
"""
import json
import struct
import sys

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _root, _address

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "SafetensorError"]

_CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16", "int64": "I64", "int32": "I32",
          "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL", "complex64": "C64"}
_DTYPES = {code: D._BY_NAME[name] for name, code in _CODES.items()}
# the package orders tensors in a file by its dtype ranking (highest first), then by name
_RANK = {code: i for i, code in enumerate(("BOOL", "U8", "I8", "I16", "F16", "BF16", "I32", "F32", "C64", "F64",
                                           "I64"))}
_MAX_HEADER = 100_000_000  # the safetensors package refuses larger headers too


class SafetensorError(Exception):
    """A malformed safetensors header or buffer (safetensors.SafetensorError)."""


def _check_tensors(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    spans = []
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
        if v._dtype.name not in _CODES:
            raise ValueError(f"Key `{k}`: dtype {v._dtype} has no safetensors code")
        if v.numel():
            start = _address(v._data)
            end = start + sum((n - 1) * s for n, s in zip(v._data.shape, v._data.strides)) + v._dtype.itemsize
            spans.append((id(_root(v._data)), start, end, k))
    spans.sort()
    groups, prev = [], None  # tensors whose bytes overlap within one memory block would load apart
    for root, start, stop, k in spans:
        if prev is not None and prev[0] == root and start < prev[1]:
            prev[2].add(k)
            prev = (root, max(prev[1], stop), prev[2])
        else:
            prev = (root, stop, {k})
            groups.append(prev[2])
    shared = [g for g in groups if len(g) > 1]
    if shared:
        raise RuntimeError(f"Some tensors share memory, this will lead to duplicate memory on disk and potential "
                           f"differences when loading them again: {shared}.")
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either "
                             "means you are trying to save tensors which are reference of each other in which case "
                             "it's recommended to save only the full tensors, and reslice at load time, or simply "
                             "call `.contiguous()` on your tensor to pack it before saving.")


def _layout(tensors, metadata):
    """The file's header bytes (length prefix included) and its tensors' arrays in file order
    (the safetensors package's order, so the bytes are identical to its own)."""
    _check_tensors(tensors)
    header = {}
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise TypeError("argument 'metadata': expected a dict of str to str")
        header["__metadata__"] = metadata
    order = sorted(tensors, key=lambda k: (-_RANK[_CODES[tensors[k]._dtype.name]], k))
    arrays, offset = [], 0
    for k in order:
        t = tensors[k]
        arr = t._data if t._data.flags.c_contiguous else t._data.copy()  # (ascontiguousarray makes 0-d 1-d)
        if sys.byteorder == "big":
            arr = arr.byteswap()
        header[k] = {"dtype": _CODES[t._dtype.name], "shape": list(arr.shape),
                     "data_offsets": [offset, offset + arr.nbytes]}
        arrays.append(arr)
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, arrays


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of tensors (safetensors.torch.save)."""
    head, arrays = _layout(tensors, metadata)
    return head + b"".join(a.tobytes() for a in arrays)


def save_file(tensors, filename, metadata=None):
    """Write a dict of tensors to `filename` in the safetensors format, atomically
    (safetensors.torch.save_file)."""
    from ..serialization import _atomic_write
    head, arrays = _layout(tensors, metadata)

    def write(fh):
        fh.write(head)
        for a in arrays:
            fh.write(a.reshape(-1).view(np.uint8))
    _atomic_write(filename, write)


def _parse_header(prefix, total):
    """Validate a header against a file of `total` bytes; returns (metadata, [(name, dtype, shape, begin, end)], start)."""
    if total < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    (n,) = struct.unpack("<Q", prefix[:8])
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: header too large")
    if 8 + n > total or len(prefix) < 8 + n:
        raise SafetensorError("Error while deserializing header: invalid header length")
    try:
        header = json.loads(bytes(prefix[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"Error while deserializing header: invalid JSON in header: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise SafetensorError("Error while deserializing header: __metadata__ must map strings to strings")
    entries = []
    for name, info in header.items():
        try:
            dtype = _DTYPES[info["dtype"]]
            shape = tuple(info["shape"])
            begin, end = info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"Error while deserializing header: invalid entry for tensor {name!r}") from None
        if not all(type(s) is int and s >= 0 for s in shape + (begin, end)):
            raise SafetensorError(f"Error while deserializing header: invalid shape or offsets for {name!r}")
        if end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise SafetensorError(f"Error while deserializing header: tensor {name!r} info is invalid: "
                                  f"shape {list(shape)} of {dtype} does not fill bytes [{begin}, {end})")
        entries.append((name, dtype, shape, begin, end))
    entries.sort(key=lambda e: (e[3], e[4]))
    at = 0
    for name, _, _, begin, end in entries:  # the buffer must be tiled exactly, in order
        if begin != at:
            raise SafetensorError(f"Error while deserializing header: invalid offset for tensor {name!r}")
        at = end
    if 8 + n + at != total:
        raise SafetensorError("Error while deserializing: incomplete metadata, file not fully covered")
    return metadata, entries, 8 + n


def _tensor(arr, dtype, shape):
    arr = arr.view(dtype.np).reshape(shape)
    if sys.byteorder == "big":
        arr = arr.byteswap()
    return Tensor._make(arr, dtype)


def load(data):
    """A dict of tensors from safetensors bytes (safetensors.torch.load); each tensor owns its memory."""
    view = memoryview(data).cast("B")
    _, entries, start = _parse_header(view, len(view))
    return {name: _tensor(np.frombuffer(view, np.uint8, end - begin, start + begin).copy(), dtype, shape)
            for name, dtype, shape, begin, end in entries}


class safe_open:
    """Lazy access to a safetensors file's tensors by name (safetensors.safe_open)."""

    def __init__(self, filename, framework="pt", device="cpu"):
        import os
        self._name = os.fsdecode(os.fspath(filename))
        self._fh = open(filename, "rb")
        try:
            total = os.fstat(self._fh.fileno()).st_size
            prefix = self._fh.read(8)
            if len(prefix) == 8:
                (n,) = struct.unpack("<Q", prefix)
                prefix += self._fh.read(min(n, _MAX_HEADER))
            self._metadata, entries, self._start = _parse_header(prefix, total)
        except BaseException:
            self._fh.close()
            raise
        self._entries = {e[0]: e[1:] for e in entries}

    def keys(self):
        return list(self._entries)

    def metadata(self):
        return self._metadata

    def get_tensor(self, name):
        try:
            dtype, shape, begin, end = self._entries[name]
        except KeyError:
            raise SafetensorError(f"File does not contain tensor {name}") from None
        arr = np.empty(end - begin, np.uint8)
        self._fh.seek(self._start + begin)
        if self._fh.readinto(memoryview(arr)) != arr.size:
            raise SafetensorError(f"Error while reading {self._name}: the file is truncated")
        return _tensor(arr, dtype, shape)

    def close(self):
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def load_file(filename, device="cpu"):
    """A dict of tensors from a safetensors file (safetensors.torch.load_file)."""
    with safe_open(filename, "pt", device) as f:
        return {k: f.get_tensor(k) for k in f.keys()}
