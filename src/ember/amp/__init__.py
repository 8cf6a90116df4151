"""ember.amp: automatic mixed precision (torch.amp): `autocast` and `GradScaler`."""
from .autocast_mode import autocast, custom_fwd, custom_bwd, is_autocast_available  # noqa: F401
from .grad_scaler import GradScaler  # noqa: F401

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available", "GradScaler"]
