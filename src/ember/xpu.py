"""ember.xpu: no Intel GPU here (torch.xpu on a build without XPU)."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    pass


manual_seed_all = manual_seed


def synchronize(device=None):
    raise AssertionError("Torch not compiled with XPU enabled")
