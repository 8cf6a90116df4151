"""no_grad, enable_grad, set_grad_enabled, inference_mode: context managers and decorators."""
import functools


class _State:
    __slots__ = ("enabled", "inference", "anomaly")

    def __init__(self):
        self.enabled, self.inference, self.anomaly = True, False, False


state = _State()  # read by every op on the hot path


def is_grad_enabled():
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _GradModeContext:
    """Base for the grad-mode switches: usable as `with` and as a decorator."""
    _mode = True

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        self._set()

    def __exit__(self, *exc):
        state.enabled, state.inference = self._prev

    def _set(self):
        state.enabled = self._mode

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()

    def clone(self):
        return self.__class__(*self._args())

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:  # used bare: @no_grad
            return cls()(args[0])
        return super().__new__(cls)


class no_grad(_GradModeContext):
    """torch.no_grad: ops inside record no graph."""
    _mode = False



class enable_grad(_GradModeContext):
    _mode = True


class set_grad_enabled(_GradModeContext):
    """torch.set_grad_enabled(mode): takes effect at once, and also works as a context manager."""

    def __init__(self, mode):
        self._prev = (state.enabled, state.inference)
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        pass

    def _args(self):
        return (self._mode,)


class inference_mode(_GradModeContext):
    """torch.inference_mode: like no_grad; tensors made inside are inference tensors."""

    def __init__(self, mode=True):
        self._on = bool(mode)

    def _set(self):
        if self._on:
            state.enabled, state.inference = False, True

    def _args(self):
        return (self._on,)
