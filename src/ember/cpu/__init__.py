"""ember.cpu: torch.cpu, the CPU as a device module (always there, one device, nothing to synchronise)."""
from . import amp  # noqa: F401


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    pass


def set_device(device):
    pass
