"""Anomaly detection: remember where each op was called, name it when its backward fails, and
(check_nan) fail at the first backward that returns NaN (torch.autograd.detect_anomaly)."""
import warnings

from .grad_mode import state


def set_anomaly_enabled(enabled, check_nan=True):
    state.anomaly, state.check_nan = bool(enabled), bool(check_nan)


def is_anomaly_enabled():
    return state.anomaly


def is_anomaly_check_nan_enabled():
    return state.check_nan


class detect_anomaly:
    """Context manager that turns anomaly detection on inside it (warns that it is slow, as torch)."""

    def __init__(self, check_nan=True):
        self.prev, self.prev_check_nan, self.check_nan = state.anomaly, state.check_nan, check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off at once; as a context manager, restore it on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = state.anomaly, state.check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
