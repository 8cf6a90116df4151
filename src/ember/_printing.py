"""Tensor repr text, reproducing PyTorch 2.13's ``torch/_tensor_str.py`` output exactly.

Pure NumPy: callers pass the values as an ndarray plus the ember dtype name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Iterator

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions", "PrintOptions"]


@dataclasses.dataclass
class PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
) -> None:
    """Set printing options; same arguments and semantics as ``torch.set_printoptions``."""
    # Unknown profile names are silently ignored, as in torch.
    for name, value in _PROFILES.get(profile, {}).items():
        setattr(PRINT_OPTS, name, value)
    overrides = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    for name, value in overrides.items():
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    # torch resets sci_mode on every call, even when it is not passed.
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current options as a dict that can be passed back to ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs) -> Iterator[None]:
    """Temporarily change print options inside a ``with`` block."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


_NUMPY_DTYPES = {
    "bool": np.bool_,
    "uint8": np.uint8,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "bfloat16": np.float32,  # printed from float32 values rounded to bfloat16
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
    "complex128": np.complex128,
}


def _round_to_bfloat16(values: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest bfloat16 (ties to even), kept as float32."""
    bits = values.view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
    return np.where(np.isnan(values), values, rounded.view(np.float32))


def _as_numpy(arr, dtype_name: str) -> np.ndarray:
    if dtype_name not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype name: {dtype_name!r}")
    values = np.asarray(arr)
    if dtype_name != "bfloat16":
        return values.astype(_NUMPY_DTYPES[dtype_name], copy=False)
    if values.dtype.name == "bfloat16":
        return values.astype(np.float32)
    return _round_to_bfloat16(np.array(values, dtype=np.float32))


def _sign_extremes(values: np.ndarray) -> list[float]:
    """Smallest and largest magnitude of each sign: formatted widths peak at these values."""
    extremes = []
    for part in (values[values > 0], values[values < 0]):
        if part.size:
            extremes += [part.min().item(), part.max().item()]
    return extremes


class _Formatter:
    """Fixed-width formatter for the real-valued (or integer/bool) entries of one tensor."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)

        if not self.floating:
            if flat.size:
                self.max_width = max(len(str(flat.min().item())), len(str(flat.max().item())), 1)
            return

        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return

        magnitudes = np.abs(nonzero_finite).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):
                self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        precision = PRINT_OPTS.precision
        for value in _sign_extremes(nonzero_finite):
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # room for the trailing "."
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value) -> str:
        precision = PRINT_OPTS.precision
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            # The trailing "." marks finite values as floating point.
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return text.rjust(self.max_width)


class _ElementFormatter:
    """Formats one element; complex values combine a real and an imaginary formatter."""

    def __init__(self, real: _Formatter, imag: _Formatter | None = None):
        self.real = real
        self.imag = imag

    @property
    def width(self) -> int:
        # ", " separator, plus the imaginary part and its "j" for complex.
        width = self.real.max_width + 2
        if self.imag is not None:
            width += self.imag.max_width + 1
        return width

    def __call__(self, value) -> str:
        if self.imag is None:
            return self.real.format(value)
        real_text = self.real.format(value.real)
        imag_text = (self.imag.format(value.imag) + "j").lstrip()
        if imag_text[0] in "+-":
            return real_text + imag_text
        return real_text + "+" + imag_text


def _summarized_data(values: np.ndarray) -> np.ndarray:
    """The entries that remain visible after summarization (they decide the formatting)."""
    edge = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.ndim == 1:
        if values.shape[0] > 2 * edge:
            # With edge == 0, values[-0:] is the whole array; torch has the same quirk.
            return np.concatenate((values[:edge], values[-edge:]))
        return values
    if not edge:
        return values[(slice(0, 0),) * values.ndim]
    rows = range(values.shape[0])
    if values.shape[0] > 2 * edge:
        rows = [*rows[:edge], *rows[-edge:]]
    return np.stack([_summarized_data(values[i]) for i in rows])


def _vector_str(values: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    edge = PRINT_OPTS.edgeitems
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / fmt.width))
    if summarize and not edge:
        items = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        items = [fmt(v) for v in values[:edge].tolist()] + [" ..."] + [fmt(v) for v in values[-edge:].tolist()]
    else:
        items = [fmt(v) for v in values.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    if values.ndim == 0:
        return fmt(values.item())
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    count = values.shape[0]
    if summarize and count > 2 * edge:
        head = [_nested_str(values[i], indent + 1, summarize, fmt) for i in range(edge)]
        tail = [_nested_str(values[i], indent + 1, summarize, fmt) for i in range(count - edge, count)]
        slices = head + ["..."] + tail
    else:
        slices = [_nested_str(values[i], indent + 1, summarize, fmt) for i in range(count)]
    # Deeper tensors get one blank line per extra dimension between their slices.
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _tensor_str(values: np.ndarray, indent: int) -> str:
    summarize = values.size > PRINT_OPTS.threshold
    shown = _summarized_data(values) if summarize else values
    if values.dtype.kind == "c":
        fmt = _ElementFormatter(_Formatter(shown.real), _Formatter(shown.imag))
    else:
        fmt = _ElementFormatter(_Formatter(shown))
    return _nested_str(values, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # Mirrors torch's measure, which counts two characters more than the last line holds.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _is_default_dtype(dtype_name: str, default_dtype_name: str) -> bool:
    default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
    return dtype_name in (default_dtype_name, default_complex, "int64", "bool")


def format_tensor(
    arr,
    dtype_name: str,
    default_dtype_name: str = "float32",
    suffixes=(),
    prefix: str = "tensor(",
    indent: int | None = None,
) -> str:
    """Render ``arr`` exactly as torch's ``repr`` renders a tensor of dtype ``dtype_name``.

    ``suffixes`` are the extra ``key=value`` strings torch appends; a ``device=...`` entry is
    placed before the size/dtype suffixes and everything else after them, as torch does.
    """
    values = _as_numpy(arr, dtype_name)
    if indent is None:
        indent = len(prefix)

    device = [s for s in suffixes if s.startswith("device=")]
    trailing = [s for s in suffixes if not s.startswith("device=")]
    shape_and_dtype = []
    size_suffix = "size=" + str(tuple(values.shape))
    dtype_suffix = "dtype=torch." + dtype_name

    if values.size == 0:
        if values.ndim != 1:
            shape_and_dtype.append(size_suffix)
        # Nothing hints at the dtype of an empty tensor, so anything but the default float is shown.
        if dtype_name != default_dtype_name:
            shape_and_dtype.append(dtype_suffix)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            shape_and_dtype.append(size_suffix)
        if not _is_default_dtype(dtype_name, default_dtype_name):
            shape_and_dtype.append(dtype_suffix)
        body = _tensor_str(values, indent)

    return _add_suffixes(prefix + body, device + shape_and_dtype + trailing, indent)
