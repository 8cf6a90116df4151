"""nn.utils (torch.nn.utils): gradient clipping and flattening parameters into one vector."""
import importlib

from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_  # noqa: F401
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401


def __getattr__(name):
    # submodules such as nn.utils.rnn load on first use
    if name in ("rnn", "parametrize", "prune", "weight_norm", "spectral_norm", "stateless"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
