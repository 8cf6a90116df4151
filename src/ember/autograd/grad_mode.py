"""no_grad, enable_grad, set_grad_enabled, inference_mode: context managers and decorators."""
import functools
import inspect
import sys


class _State:
    """The autograd switches every op reads: grad mode, inference mode, anomaly detection."""
    __slots__ = ("enabled", "inference", "anomaly", "check_nan", "inference_tensors")

    def __init__(self):
        self.enabled, self.inference, self.anomaly, self.check_nan = True, False, False, True
        self.inference_tensors = False  # set once any tensor is made in inference mode


state = _State()  # read by every op on the hot path


def is_grad_enabled():
    """True when ops record the autograd graph (torch.is_grad_enabled)."""
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _GradModeContext:
    """Base of the grad-mode switches: a context manager, a decorator (also used bare: `@no_grad`),
    and, on generator functions, active while the generator runs but not between its yields."""

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:  # used bare: @no_grad
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        self._set()

    def __exit__(self, *exc):
        state.enabled, state.inference = self._prev

    def _set(self):
        raise NotImplementedError

    def _args(self):
        return ()

    def clone(self):
        return self.__class__(*self._args())

    def __call__(self, fn):
        make, args = self.__class__, self._args()
        if inspect.isgeneratorfunction(fn):
            return _generator_in_context(fn, make, args)

        @functools.wraps(fn)
        def wrapper(*a, **kw):
            with make(*args):
                return fn(*a, **kw)
        return wrapper


def _generator_in_context(fn, make, args):
    """Run each step of the generator fn(...) inside a fresh make(*args) context."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        gen = fn(*a, **kw)
        try:
            with make(*args):
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make(*args):
                        gen.close()
                    raise
                except BaseException:
                    with make(*args):
                        response = gen.throw(*sys.exc_info())
                else:
                    with make(*args):
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value
    return wrapper


class no_grad(_GradModeContext):
    """torch.no_grad: ops inside record no graph; their results do not require grad."""

    def _set(self):
        state.enabled = False


class enable_grad(_GradModeContext):
    """torch.enable_grad: turn recording back on (inside no_grad or inference_mode)."""

    def _set(self):
        state.enabled = True


class set_grad_enabled(_GradModeContext):
    """torch.set_grad_enabled(mode): takes effect at once; as a context manager it restores the
    previous mode on exit, and as a decorator it applies `mode` only while the function runs."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self._prev = (state.enabled, state.inference)
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        state.enabled, state.inference = self._prev  # decorating is not switching
        return super().__call__(fn)

    def _args(self):
        return (self._mode,)


class inference_mode(_GradModeContext):
    """torch.inference_mode(mode=True): like no_grad, and tensors made inside are inference tensors;
    inference_mode(False) turns both off."""

    def __init__(self, mode=True):
        self._on = bool(mode)

    def _set(self):
        state.enabled, state.inference = not self._on, self._on

    def _args(self):
        return (self._on,)
