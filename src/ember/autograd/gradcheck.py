"""gradcheck: compare autograd's gradients with central finite differences (float64 inputs)."""


class GradcheckError(RuntimeError):
    pass


def _numerical_jacobian(fn, inputs, i, eps):
    from .._ops.creation import zeros
    x = inputs[i]
    flat = x.detach().reshape(-1)
    cols = []
    for k in range(flat.numel()):
        orig = flat[k].item()
        flat._data[k] = orig + eps
        plus = [o.detach().clone() for o in _outputs(fn, inputs)]
        flat._data[k] = orig - eps
        minus = [o.detach().clone() for o in _outputs(fn, inputs)]
        flat._data[k] = orig
        cols.append([((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)])
    return cols


def _outputs(fn, inputs):
    from .._tensor import Tensor
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_backward_ad=True, fast_mode=False, masked=None, **kwargs):
    """True if analytical and numerical Jacobians agree (torch.autograd.gradcheck)."""
    from .._tensor import Tensor
    from .. import autograd
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff:
        if inputs[i].dtype.name not in ("float64", "complex128"):
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ")
    outs = _outputs(func, inputs)
    for i in diff:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        for j, out in enumerate(outs):
            flat_out = out.reshape(-1)
            for r in range(flat_out.numel()):
                if not out.requires_grad:
                    analytic = None
                else:
                    analytic, = autograd.grad(flat_out[r], (inputs[i],), retain_graph=True, allow_unused=True)
                a_row = analytic.reshape(-1) if analytic is not None else None
                for k, col in enumerate(numerical):
                    n = col[j][r].item()
                    a = a_row[k].item() if a_row is not None else 0.0
                    if abs(a - n) > atol + rtol * abs(n):
                        if raise_exception:
                            raise GradcheckError(
                                f"Jacobian mismatch for output {j} with respect to input {i},\n"
                                f"numerical:{n}\nanalytical:{a}\n")
                        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, **kwargs):
    """gradcheck of the gradient function itself (second derivatives)."""
    from .. import autograd
    from .._tensor import Tensor
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]

    def first(*xs):
        out = func(*xs)
        outs = (out,) if isinstance(out, Tensor) else tuple(out)
        s = sum(o.sum() for o in outs)
        return autograd.grad(s, [x for x in xs if isinstance(x, Tensor) and x.requires_grad], create_graph=True)
    return gradcheck(first, inputs, **kwargs)
