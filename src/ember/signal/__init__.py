"""ember.signal (torch.signal): signal-processing helpers; today the windows."""
from . import windows  # noqa: F401
