"""torch.autocast on Ember's CPU: inside the context the ops PyTorch's CPU autocast runs in lower precision
(matrix products, linear, convolutions, attention) cast their float32 inputs to bfloat16 (or float16),
the ops it keeps in float32 (losses, fft, prod, cdist, ...) cast lower-precision inputs up to float32, and
`cat`/`stack`/`index_copy` promote to their widest input. Every other op runs on what it is given.

The hot path pays nothing while no context is active: entering the first active context swaps those ops'
functions, wherever Ember binds them (its modules' globals and Tensor's methods), for wrappers that cast;
leaving the last one puts the originals back. An op called from inside another cast op is not cast again,
as in torch (its autocast dispatch key is excluded below the first autocast op)."""
import functools
import warnings

from .. import _dtype as D
from .._swap import Swap, resolve
from .._tensor import Tensor

# PyTorch's CPU autocast op lists (aten names mapped to Ember's entry points), checked against torch 2.13
LOWER_PRECISION = {
    "ember": ("mm", "matmul", "bmm", "addmm", "addbmm", "baddbmm", "einsum", "conv1d", "conv2d", "conv3d",
              "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu"),
    "ember.nn.functional": ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                            "conv_transpose3d", "prelu", "scaled_dot_product_attention"),
}
FP32 = {
    "ember": ("prod", "cdist", "inverse", "trace", "quantile", "nanquantile", "cholesky", "pinverse"),
    "ember.nn.functional": ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                            "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
                            "cosine_embedding_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
                            "multi_margin_loss", "multilabel_margin_loss", "hinge_embedding_loss", "poisson_nll_loss",
                            "multilabel_soft_margin_loss", "ctc_loss"),
    "ember.fft": ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn",
                  "irfftn", "hfft", "ihfft"),
}
PROMOTE = {"ember": ("cat", "stack", "index_copy")}

_LOWER_DTYPES = {"cpu": (D.bfloat16, D.float16), "cuda": (D.float16, D.bfloat16)}
_state = {"cpu": [False, D.bfloat16], "cuda": [False, D.float16], "mps": [False, D.float16],
          "xpu": [False, D.bfloat16], "inside": False, "active": 0}


def is_autocast_available(device_type):
    return device_type in ("cpu", "cuda", "xpu", "mps", "hpu", "xla", "mtia", "maia", "ipu")


def is_autocast_enabled(device_type=None):
    """torch.is_autocast_enabled: with no device type, CUDA's (False here)."""
    return _state["cuda" if device_type is None else device_type][0]


def get_autocast_dtype(device_type):
    return _state[device_type][1]


def set_autocast_enabled(device_type, enabled=None):
    if enabled is None:  # the legacy one-argument form is CUDA's
        device_type, enabled = "cuda", device_type
    _state[device_type][0] = bool(enabled)


def set_autocast_dtype(device_type, dtype):
    _state[device_type][1] = dtype


def is_autocast_cpu_enabled():
    return _state["cpu"][0]


def get_autocast_cpu_dtype():
    return _state["cpu"][1]


def get_autocast_gpu_dtype():
    return _state["cuda"][1]


# ---------------------------------------------------------------------- casting wrappers
def _cast_all(args, kwargs, rule):
    def cast(x):
        if isinstance(x, Tensor):
            return rule(x)
        if isinstance(x, (list, tuple)) and x and any(isinstance(y, Tensor) for y in x):
            return type(x)(cast(y) for y in x)
        return x
    return [cast(a) for a in args], {k: cast(v) for k, v in kwargs.items()}


def _wrapped(fn, kind):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        enabled, low = _state["cpu"]
        if _state["inside"] or not enabled:
            return fn(*args, **kwargs)
        if kind == "lower":
            args, kwargs = _cast_all(args, kwargs, lambda t: t.to(low) if t._dtype is D.float32 else t)
        elif kind == "fp32":
            args, kwargs = _cast_all(args, kwargs, lambda t: t.to(D.float32) if t._dtype in (D.bfloat16, D.float16)
                                     else t)
        else:
            floats = [t._dtype for t in _tensors(args, kwargs) if t._dtype.is_floating_point]
            if floats:
                widest = functools.reduce(D.promote_types, floats)
                args, kwargs = _cast_all(args, kwargs, lambda t: t.to(widest) if t._dtype.is_floating_point else t)
        _state["inside"] = True
        try:
            return fn(*args, **kwargs)
        finally:
            _state["inside"] = False
    return run


def _tensors(args, kwargs):
    for x in list(args) + list(kwargs.values()):
        if isinstance(x, Tensor):
            yield x
        elif isinstance(x, (list, tuple)):
            yield from (y for y in x if isinstance(y, Tensor))


def _wrappers():
    """id(original function) -> (it, its autocast list), for every op of the three lists Ember has."""
    import importlib
    table = {}
    for lists, kind in ((LOWER_PRECISION, "lower"), (FP32, "fp32"), (PROMOTE, "promote")):
        for modname, names in lists.items():
            try:
                mod = importlib.import_module(modname)
            except ModuleNotFoundError:  # a namespace this Ember lacks has no ops to cast
                continue
            for name in names:
                fn = resolve(getattr(mod, name, None))
                # ember.<op> may be the out= wrapper of the function Tensor's method is: both are cast
                for f in (fn, getattr(fn, "__wrapped__", None)):
                    if callable(f) and id(f) not in table:
                        table[id(f)] = (f, kind)
    return table


_swap = Swap(_wrappers, _wrapped, classes=(Tensor,))


# ---------------------------------------------------------------------- the context manager
class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None): a context manager and
    decorator. On this CPU-only machine 'cuda' (and the other accelerators) disable themselves with torch's
    warning; 'cpu' accepts bfloat16 and float16."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        from .._backend import device
        device(device_type)  # torch's RuntimeError for an unknown device type
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else _state.get(device_type, [False, D.float16])[1]
        self._enabled = bool(enabled)
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
            self._enabled = False
        elif enabled and device_type == "cpu" and self.fast_dtype not in _LOWER_DTYPES["cpu"]:
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        elif device_type not in ("cpu", "cuda"):
            self._enabled = False  # no such accelerator here: nothing runs on it to cast

    def __enter__(self):
        slot = _state.setdefault(self.device, [False, self.fast_dtype])
        self._prev = list(slot)
        if self.device == "cpu" or self._enabled:
            slot[:] = [self._enabled, self.fast_dtype if self._enabled else slot[1]]
        self._installs = self.device == "cpu" and self._enabled
        if self._installs:
            if _state["active"] == 0:
                _swap.install()
            _state["active"] += 1
        return self

    def __exit__(self, *exc):
        _state[self.device][:] = self._prev
        if self._installs:
            _state["active"] -= 1
            if _state["active"] == 0:
                _swap.uninstall()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)
        return run


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """torch.amp.custom_fwd: with cast_inputs, the forward runs outside autocast on inputs of that dtype."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def run(*args, **kwargs):
        if cast_inputs is None or not _state[device_type][0]:
            return fwd(*args, **kwargs)
        args, kwargs = _cast_all(args, kwargs, lambda t: t.to(cast_inputs) if t.is_floating_point() else t)
        with autocast(device_type, enabled=False):
            return fwd(*args, **kwargs)
    return run


def custom_bwd(bwd=None, *, device_type):
    """torch.amp.custom_bwd: the backward runs under the autocast state of the forward (here: as it is)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


def legacy_autocast(device, default_dtype=None):
    """torch.<device>.amp.autocast: the deprecated spelling of autocast(device, ...)."""
    class LegacyAutocast(autocast):
        def __init__(self, enabled=True, dtype=None, cache_enabled=True):
            warnings.warn(f"`torch.{device}.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast("
                          f"'{device}', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__(device, dtype=default_dtype if dtype is None else dtype, enabled=enabled,
                             cache_enabled=cache_enabled)
    LegacyAutocast.__name__ = LegacyAutocast.__qualname__ = "autocast"
    return LegacyAutocast
