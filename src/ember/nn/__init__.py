"""ember.nn (torch.nn): modules, parameters, functional, init, utils."""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: F401


def __getattr__(name):
    # torch.nn.parallel is there after `import torch`; loaded on first use (DDP brings ember.distributed)
    if name in ("parallel", "DataParallel"):
        import importlib
        parallel = importlib.import_module(__name__ + ".parallel")
        return parallel if name == "parallel" else parallel.DataParallel
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
