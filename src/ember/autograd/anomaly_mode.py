"""detect_anomaly: remember where each op was called, and fail at the first backward that makes NaN."""
from .grad_mode import state


class detect_anomaly:
    """Context manager and decorator (torch.autograd.detect_anomaly)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = state.anomaly
        state.anomaly = self.check_nan

    def __exit__(self, *exc):
        state.anomaly = self._prev

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off at once (also usable as a context manager)."""

    def __init__(self, mode, check_nan=True):
        self._prev = state.anomaly
        state.anomaly = bool(mode) and check_nan

    def __enter__(self):
        pass


def is_anomaly_enabled():
    return state.anomaly
