"""ember.optim.Optimizer (torch.optim.Optimizer): parameter groups, per-parameter state, a state_dict in
PyTorch's layout, zero_grad, step hooks.

An optimizer file holds its update rule, a function on one parameter's arrays written as the paper's
pseudo-code with in-place NumPy operations, and a class that validates its options (`__init__`), makes a
parameter's state on its first step (`_init_state`) and names what the rule takes (`_rule`, `_options`,
`_state_keys`); the base `step` feeds the rule each parameter that has a gradient. Every step runs under
no_grad; large parameters are updated in cache-sized chunks on all cores (`_foreach`)."""
import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import ember
from .._kernels import threads as _threads
from .._backend import xp
from .._tensor import Tensor
from ..autograd.graph import _Handle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marks a hyper-parameter that every parameter group must give (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_global_step_pre_hooks = []
_global_step_post_hooks = []


def register_optimizer_step_pre_hook(hook):
    """Call hook(optimizer, args, kwargs) before every optimizer's step; it may return new (args, kwargs)."""
    _global_step_pre_hooks.append(hook)
    return _Handle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Call hook(optimizer, args, kwargs) after every optimizer's step."""
    _global_step_post_hooks.append(hook)
    return _Handle(_global_step_post_hooks, hook)


def _typename(obj):
    """torch.typename: 'torch.FloatTensor' for a tensor, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module, qualname = type(obj).__module__ or "", type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _scalar_dtype():
    """The dtype of scalar state such as 'step': float64 under a float64 default dtype, else float32 (as torch)."""
    return ember.float64 if ember.get_default_dtype() is ember.float64 else ember.float32


def _scalar_tensor(value):
    return ember.tensor(float(value), dtype=_scalar_dtype())


def _increment(step_t):
    """step_t += 1 on a 0-d state tensor; returns the new count as a Python float."""
    step = float(step_t._data) + 1.0
    step_t._data.fill(step)  # ten times cheaper than a 0-d in-place add; the same rounding
    return step


def _closure_loss(closure):
    """Re-evaluate the model: optimizers call the closure with grad mode on."""
    if closure is None:
        return None
    with ember.enable_grad():
        return closure()


def _lerp_(start, end, weight):
    """start ← start + weight·(end − start) in place on arrays; the form flips at weight 0.5 as torch.lerp_ does."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        xp.subtract(end, (end - start) * (1 - weight), out=start)


def _grad(grad, param, maximize, weight_decay):
    """The gradient an update rule sees: negated to maximize, plus weight_decay·param (the L2 penalty)."""
    if maximize:
        grad = -grad
    if weight_decay:
        grad = grad + weight_decay * param
    return grad


def _flat(*arrays):
    """Whether the arrays are contiguous and of one shape: a compiled update may walk them as flat."""
    shape = arrays[0].shape
    return all(a.flags.c_contiguous and a.shape == shape for a in arrays)


_CHUNK = 1 << 18  # elements: a chunk of every array stays in cache through a rule's ~10 NumPy passes
_THREADED = 1 << 20  # elements from which a parameter's chunks are shared among threads
def _foreach(rule, arrays, **hyper):
    """Apply `rule(*arrays, **hyper)`, an elementwise in-place update of one parameter's arrays (None allowed).

    Large contiguous arrays go through in cache-sized chunks, so that a rule of ten NumPy passes reads memory
    about once, and the largest share their chunks among threads (NumPy releases the GIL in its loops); small
    arrays take one direct call."""
    n = arrays[0].size
    if n < 2 * _CHUNK or not all(a is None or a.flags.c_contiguous for a in arrays):
        rule(*arrays, **hyper)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]

    def share(starts):
        for s in starts:
            rule(*[None if a is None else a[s:s + _CHUNK] for a in flat], **hyper)
    starts = range(0, n, _CHUNK)
    if n >= _THREADED:
        _threads.run(share, starts)
    else:
        share(starts)


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(name, value):
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _validate(*checks):
    """Raise ValueError(message) for the first (ok, message) pair that is not ok."""
    for ok, message in checks:
        if not ok:
            raise ValueError(message)


def _check_betas(betas):
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _hooked(step):
    """Wrap a subclass's step: pre/post hooks, grad mode off (unless differentiable), and a note that it ran."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        for hook in chain(_global_step_pre_hooks, self._optimizer_step_pre_hooks):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        with ember.set_grad_enabled(self.defaults.get("differentiable", False)):
            out = step(self, *args, **kwargs)
        self._opt_called = True  # read by lr schedulers to warn when they step first
        for hook in chain(self._optimizer_step_post_hooks, _global_step_post_hooks):
            hook(self, args, kwargs)
        return out
    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer).

    params: an iterable of tensors, of (name, tensor) pairs, or of dicts each holding a group's 'params'
    and its own options; defaults: the options a group takes when it does not give them."""

    # state entries kept as 0-d tensors; an old checkpoint's plain numbers are converted on load
    _scalar_state = ("step",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _hooked(step)

    def __init__(self, params, defaults):
        if defaults.get("differentiable"):
            raise NotImplementedError(f"{type(self).__name__}(differentiable=True): Ember's optimizers update the "
                                      "parameters in place outside autograd, so no graph runs through a step")
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def _init_hooks(self):
        self._optimizer_step_pre_hooks = []
        self._optimizer_step_post_hooks = []
        self._optimizer_state_dict_pre_hooks = []
        self._optimizer_state_dict_post_hooks = []
        self._optimizer_load_state_dict_pre_hooks = []
        self._optimizer_load_state_dict_post_hooks = []

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_optimizer_step_pre_hooks" not in self.__dict__:
            self._init_hooks()
        for group in self.param_groups:  # a checkpoint from an older version may lack newer options
            for key, value in self.defaults.items():
                group.setdefault(key, value)
            for p in group["params"]:
                p_state = self.state.get(p)
                for key in self._scalar_state if p_state else ():
                    if key in p_state and not isinstance(p_state[key], Tensor):
                        p_state[key] = _scalar_tensor(p_state[key])
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    # ------------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group):
        """Add a group of parameters, with its own options, to `param_groups` (e.g. layers unfrozen later)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def _params_with_grad(self, group, with_state=True):
        """Yield (param array, grad array, state dict) for each parameter of `group` that has a gradient
        (the others are skipped); the state is made by `_init_state` on first use."""
        state_of = self.state
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            state = None
            if with_state:
                state = state_of[p]
                if not state:
                    self._init_state(state, p, group)
            p._vc[0] += 1  # an in-place update: graphs that saved this parameter must notice
            yield p._data, g._data, state

    def _init_state(self, state, p, group):
        """Fill the empty state dict of parameter p on its first step."""

    # ------------------------------------------------------------------ step and gradients
    # An optimizer whose update is one elementwise rule declares it; the base step drives it:
    _rule = None      # rule(param, grad, *state arrays, [step=], **options): one parameter's update, in place
    _options = ()     # the group options the rule takes (floats, or flags); "betas" arrives as beta1, beta2
    _state_keys = ()  # the state tensors the rule takes, in order; None for one this parameter lacks
    _pass_step = True  # whether the rule takes the step count t
    _elementwise = True  # False for a rule on whole tensors (norms, matrix products): never cut into chunks

    def step(self, closure=None):
        """Perform one optimization step; `closure` re-evaluates the model and returns the loss."""
        if self._rule is None:
            raise NotImplementedError
        loss = _closure_loss(closure)
        rule = type(self)._rule
        for group in self.param_groups:
            options = _options_of(group, self._options)
            for param, grad, state in self._params_with_grad(group, self._has_state(group)):
                arrays, scalars = self._operands(param, grad, state, group)
                if self._elementwise:
                    _foreach(rule, arrays, **scalars, **options)
                else:
                    rule(*arrays, **scalars, **options)
        return loss

    def _has_state(self, group):
        """Whether the parameters of `group` keep state (SGD without momentum keeps none)."""
        return True

    def _operands(self, param, grad, state, group):
        """The rule's arrays and per-parameter scalars for one parameter; counts its step."""
        arrays = (param, grad) + tuple(state[k]._data if k in state else None for k in self._state_keys)
        step = _increment(state["step"])
        return arrays, ({"step": step} if self._pass_step else {})

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    # ------------------------------------------------------------------ state_dict
    def state_dict(self):
        """The optimizer's state as torch lays it out: {'state': {param index: {...}}, 'param_groups': [...]}
        where each group lists its parameters by index and carries all its hyper-parameters."""
        for hook in self._optimizer_state_dict_pre_hooks:
            hook(self)
        index = {}
        param_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            param_groups.append(packed)
        packed_state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks:
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        """Load a state from `state_dict()` (Ember's or, with tensors converted, PyTorch's)."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks:
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast_state(id_map[k], v)
            else:
                state[k] = v
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._optimizer_load_state_dict_post_hooks:
            hook(self)

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook):
        """Call hook(optimizer, args, kwargs) before each step; it may return new (args, kwargs)."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call hook(optimizer, args, kwargs) after each step."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)


Optimizer.step = _hooked(Optimizer.step)


def _options_of(group, names):
    """A group's options as the update rule takes them: plain floats (a tensor lr becomes its value), flags."""
    options = {}
    for name in names:
        value = group[name]
        if name == "betas":
            options["beta1"], options["beta2"] = float(value[0]), float(value[1])
        else:
            options[name] = value if isinstance(value, bool) else float(value)
    return options


def _add_hook(hooks, hook, prepend=False):
    hooks.insert(0, hook) if prepend else hooks.append(hook)
    return _Handle(hooks, hook)


def _cast_state(param, value, key=None):
    """A loaded state value for `param`: tensors take the parameter's dtype, except the 'step' count."""
    if isinstance(value, Tensor):
        return value if key == "step" or not param.is_floating_point() else value.to(dtype=param.dtype)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value
