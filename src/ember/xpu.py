"""ember.xpu: no Intel GPU here (torch.xpu on a build without XPU)."""
from .accelerator import is_available, device_count  # noqa: F401  (no accelerator of any kind)


def manual_seed(seed):
    pass


manual_seed_all = manual_seed


def synchronize(device=None):
    raise AssertionError("Torch not compiled with XPU enabled")
