"""gradcheck: compare autograd's Jacobians with central finite differences (torch.autograd.gradcheck).

Both Jacobians are laid out as torch lays them out: one per (input, output) pair, of shape
(input.numel(), output.numel()), row k holding d output / d input[k].
"""
import warnings

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians disagree."""


def _tensors(x):
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _differentiable_outputs(func, inputs):
    """The floating-point outputs of func(*inputs), the only ones a Jacobian is taken of."""
    from .._tensor import Tensor
    return tuple(o for o in _tensors(func(*inputs)) if isinstance(o, Tensor) and
                 (o.dtype.is_floating_point or o.dtype.is_complex))


def _numerical_jacobians(func, inputs, i, eps):
    """Central differences: perturb each element of inputs[i] in place, one at a time."""
    x = inputs[i]
    arr = x._data  # written directly (as torch writes .data) so views and strides are respected
    cols = None
    for k, pos in enumerate(np.ndindex(*arr.shape)):
        orig = arr[pos].item()
        arr[pos] = orig + eps
        plus = [o._data.astype(np.float64).ravel() for o in _differentiable_outputs(func, inputs)]
        arr[pos] = orig - eps
        minus = [o._data.astype(np.float64).ravel() for o in _differentiable_outputs(func, inputs)]
        arr[pos] = orig
        if cols is None:
            cols = [np.zeros((arr.size, p.size)) for p in plus]
        for jac, p, m in zip(cols, plus, minus):
            jac[k] = (p - m) / (2 * eps)
    return cols if cols is not None else [np.zeros((0, o.numel())) for o in _differentiable_outputs(func, inputs)]


def _analytical_jacobians(outputs, diff_inputs):
    """One backward per output element: jac[i][j][k, r] = d outputs[j][r] / d diff_inputs[i][k]."""
    from .. import autograd
    jacs = [[np.zeros((x.numel(), o.numel())) for o in outputs] for x in diff_inputs]
    for j, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        flat = out.reshape(-1)
        for r in range(flat.numel()):
            grads = autograd.grad(flat[r], diff_inputs, retain_graph=True, allow_unused=True)
            for i, (g, x) in enumerate(zip(grads, diff_inputs)):
                if g is None:
                    continue
                if tuple(g.shape) != tuple(x.shape):
                    raise GradcheckError(f"Analytical gradient has incorrect size for input {i}: got "
                                         f"{list(g.shape)} but expected {list(x.shape)}")
                jacs[i][j][:, r] = g.detach()._data.astype(np.float64).ravel()
    return jacs


def _as_tensor(jac, dtype):
    from .._ops.registry import wrap
    return wrap(jac.astype(dtype.np), dtype)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True if the gradients autograd computes for func at inputs match finite differences
    (torch.autograd.gradcheck); otherwise raise GradcheckError (or return False)."""
    from .._tensor import Tensor
    inputs = _tensors(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    for i in diff:
        x = inputs[i]
        if any(st == 0 and n > 1 for st, n in zip(x._data.strides, x._data.shape)):
            raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs that "
                               "are non-overlapping to be able to compute the numerical gradients correctly. You "
                               "should call .contiguous on the input before passing it to gradcheck.")
        if x.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ")
    outputs = _differentiable_outputs(func, inputs)
    analytical = _analytical_jacobians(outputs, [inputs[i] for i in diff])
    for a_row, i in zip(analytical, diff):
        numerical = _numerical_jacobians(func, inputs, i, eps)
        for j, (a, n) in enumerate(zip(a_row, numerical)):
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                if not raise_exception:
                    return False
                dt = outputs[j].dtype
                raise GradcheckError(f"Jacobian mismatch for output {j} with respect to input {i},\n"
                                     f"numerical:{_as_tensor(n, dt)!r}\nanalytical:{_as_tensor(a, dt)!r}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the map (inputs, grad_outputs) -> vector-Jacobian product: checks second derivatives
    (torch.autograd.gradgradcheck). Random grad_outputs are drawn when none are given."""
    from .. import autograd
    from .._tensor import Tensor
    from .._ops.registry import wrap
    inputs = _tensors(inputs)
    n_in = len(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(wrap(rng.standard_normal(o.shape), o.dtype).requires_grad_(True)
                             for o in _differentiable_outputs(func, inputs))
    else:
        grad_outputs = _tensors(grad_outputs)

    def vjp(*args):
        xs, vs = args[:n_in], args[n_in:]
        outs = _differentiable_outputs(func, xs)
        wanted = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        grads = autograd.grad([o for o, _ in pairs], wanted, [v for _, v in pairs], create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)
    return gradcheck(vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
