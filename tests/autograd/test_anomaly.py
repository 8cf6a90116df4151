"""detect_anomaly / set_detect_anomaly: the NaN check names the forward op whose backward made NaN,
the warning carries the forward call's traceback, and the switches nest and restore as torch's do."""
import warnings

import pytest

from tests.autograd.conftest import Scenarios, same_outcome

scenario = Scenarios()


def _caught(fn):
    """fn's exception (type, message) and the warnings it raised (category, first line)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
            error = None
        except RuntimeError as e:
            error = str(e)
    return error, [(w.category.__name__, str(w.message).splitlines()[0]) for w in caught]


@scenario
def nan_from_sqrt_backward_is_named(T):
    x = T.tensor([0.0, 1.0], requires_grad=True)

    def run():
        with T.autograd.detect_anomaly():
            (x.sqrt() * 0).sum().backward()
    return _caught(run)


@scenario
def nan_from_div_backward_is_named(T):
    a, b = T.tensor([0.0, 1.0], requires_grad=True), T.tensor([0.0, 2.0], requires_grad=True)

    def run():
        with T.autograd.detect_anomaly():
            (a / b).sum().backward()
    return _caught(run)


@scenario
def without_anomaly_mode_nan_passes(T):
    x = T.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    return x.grad.isnan().tolist()


@scenario
def check_nan_false_lets_nan_through(T):
    x = T.tensor([0.0, 1.0], requires_grad=True)

    def run():
        with T.autograd.detect_anomaly(check_nan=False):
            (x.sqrt() * 0).sum().backward()
    return _caught(run), x.grad.isnan().tolist()


@scenario
def version_error_hint_in_anomaly_mode(T):
    a = T.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def run():
        with T.autograd.detect_anomaly():
            b = a.exp()
            b.add_(1)
            b.sum().backward()
    return _caught(run)


@scenario
def set_detect_anomaly_as_call_and_context(T):
    seen = [T.is_anomaly_enabled()]
    T.autograd.set_detect_anomaly(True)
    seen += [T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()]
    T.autograd.set_detect_anomaly(False)
    seen.append(T.is_anomaly_enabled())
    with T.autograd.set_detect_anomaly(True, check_nan=False):
        seen += [T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()]
    seen += [T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()]
    return seen


@scenario
def detect_anomaly_nests_and_restores(T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with T.autograd.detect_anomaly():
            inner = T.is_anomaly_enabled()
            with T.autograd.detect_anomaly(check_nan=False):
                check = T.is_anomaly_check_nan_enabled()
            after = T.is_anomaly_check_nan_enabled()
    return inner, check, after, T.is_anomaly_enabled()


@scenario.parametrize()
def test_anomaly_matches_torch(scenario):
    same_outcome(scenario)


def test_warning_shows_the_forward_line():
    import ember
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values in its 0th output\."):
            with ember.autograd.detect_anomaly():
                y = x.sqrt()  # the line the warning must point at
                (y * 0).sum().backward()
    trace = [str(w.message) for w in caught if "Error detected" in str(w.message)]
    assert len(trace) == 1 and "y = x.sqrt()  # the line the warning must point at" in trace[0]
