"""ember.mtia: no MTIA device here (torch.mtia on a build without it)."""
from .accelerator import is_available, device_count  # noqa: F401  (no accelerator of any kind)
