"""torch.special's own functions: forward by scipy.special, gradient rule (where torch has one) in Ember ops.

Functions torch also has at top level (igamma, igammac, mvlgamma) are registered as ember.<name> and
Tensor methods; the rest live only in SPECIAL, which ember.special exports. Ops torch leaves without a
derivative (the Bessel functions, the orthogonal polynomials) return results outside the graph, as torch's do.
"""
import math

import numpy as np

from .. import _dtype as D
from ..autograd.graph import record
from .pointwise import unary, binary, _REAL, _INTS, _FLOATS, where
from .registry import op, wrap, cast, node_class
from .._deferred import deferred

sp = deferred("scipy.special")  # imported on the first call of one of its functions

SPECIAL = {}   # name -> function exported as ember.special.<name>
SQRT_2PI = math.sqrt(2 * math.pi)
_NO_HALF = _INTS + ("float32", "float64")  # torch's kernels for these have no float16/bfloat16 loop


def _unary(name, fn, grad=None, node=None, dtypes=_NO_HALF):
    f = unary(name, fn, grad, dtypes=dtypes, inplace=False, method=False, function=False,
              node=node or "Special" + name.title().replace("_", "") + "Backward0")
    SPECIAL[name] = f
    return f


def _not_implemented(what):
    def rule(g):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return rule


# ---------------------------------------------------------------------- differentiable
i0e = _unary("i0e", sp.i0e, lambda g, x, out: g * (i1e(x) - x.sgn() * out), "SpecialI0EBackward0", _REAL)
i1 = _unary("i1", sp.i1, lambda g, x, out: g * where(x == 0, 0.5, x.i0() - out / x), dtypes=_REAL)
i1e = _unary("i1e", sp.i1e, lambda g, x, out: g * where(x == 0, 0.5, i0e(x) - out * (x.sgn() + 1 / x)),
             "SpecialI1EBackward0", _REAL)
ndtr = _unary("ndtr", sp.ndtr, lambda g, x: g * (x * x * -0.5).exp() / SQRT_2PI, dtypes=_REAL)
ndtri = _unary("ndtri", sp.ndtri, lambda g, out: g * SQRT_2PI * (out * out * 0.5).exp())
log_ndtr = _unary("log_ndtr", sp.log_ndtr, lambda g, x, out: g * (x * x * -0.5 - out).exp() / SQRT_2PI)
erfcx = _unary("erfcx", sp.erfcx, lambda g, x, out: g * (2 * x * out - 2 / math.sqrt(math.pi)))
entr = _unary("entr", sp.entr, lambda g, x: g * -(1 + x.log()), dtypes=_REAL)

# ---------------------------------------------------------------------- no derivative in torch
for _name, _fn in (("airy_ai", lambda a: sp.airy(a)[0]), ("bessel_j0", sp.j0), ("bessel_j1", sp.j1),
                   ("bessel_y0", sp.y0), ("bessel_y1", sp.y1), ("modified_bessel_i0", sp.i0),
                   ("modified_bessel_i1", sp.i1), ("modified_bessel_k0", sp.k0), ("modified_bessel_k1", sp.k1),
                   ("scaled_modified_bessel_k0", sp.k0e), ("scaled_modified_bessel_k1", sp.k1e),
                   ("spherical_bessel_j0", lambda a: sp.spherical_jn(0, a))):
    _unary(_name, _fn)

# ---------------------------------------------------------------------- binary
SPECIAL["xlog1py"] = binary("xlog1py", sp.xlog1py, lambda g, a, b: g * (b.log1p() * (a != 0)),
                            lambda g, a, b: g * a / (b + 1), result="float", dtypes=_REAL, inplace=False,
                            method=False, function=False, node="SpecialXlog1PyBackward0")
zeta = SPECIAL["zeta"] = binary("zeta", sp.zeta, _not_implemented("zeta"), lambda g, a, b: -g * a * zeta(a + 1, b),
                                result="float", dtypes=_NO_HALF, inplace=False, method=False, function=False,
                                node="SpecialZetaBackward0")


def _igamma_density(a, x):
    """d/dx of the regularized lower incomplete gamma function: x^(a-1) e^-x / Gamma(a)."""
    return ((a - 1) * x.log() - x - a.lgamma()).exp()


binary("igamma", sp.gammainc, _not_implemented("igamma: input"), lambda g, a, b: g * _igamma_density(a, b),
       scalars="none", dtypes=_FLOATS)
binary("igammac", sp.gammaincc, _not_implemented("igammac: input"), lambda g, a, b: -g * _igamma_density(a, b),
       scalars="none", dtypes=_FLOATS)


def _mvlgamma_grad(self, g):
    x, p = self.saved[0], self.args
    return g * (x.unsqueeze(-1) - _half_steps(p, x._dtype)).digamma().sum(-1)


def _half_steps(p, dt):
    return wrap(np.arange(p) / 2, dt)


_Mvlgamma = node_class("MvlgammaBackward0", _mvlgamma_grad)


@op(inplace=True)
def mvlgamma(input, p):
    """The log of the multivariate gamma function of dimension p (torch.special.multigammaln)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if input._dtype.is_complex:  # torch fails building its range of offsets in the complex dtype
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{D._LEGACY[input._dtype.name]}\'')
    dt = input._dtype if input._dtype._cat >= 2 else D.get_default_dtype()
    a = cast(input._data, dt)
    res = wrap(sp.gammaln(a[..., None] - _half_steps(p, dt)._data).sum(-1) + p * (p - 1) / 4 * math.log(math.pi), dt)
    node = record(_Mvlgamma, res, (input,), p)
    if node is not None:
        node.save(input)
    return res


# ---------------------------------------------------------------------- orthogonal polynomials
def _polynomial(name, evaluate):
    """P_n(x) for an integer degree n (a float n is truncated, a negative n gives 0, as in torch)."""
    def fn(x, n):
        k = np.trunc(n).astype(np.int64)
        return np.where(k < 0, 0, evaluate(np.maximum(k, 0), x))
    f = binary(name, fn, result="float", dtypes=_NO_HALF, inplace=False, method=False, function=False)

    def polynomial(input, n, *, out=None):
        return f(input, n, out=out)
    polynomial.__name__ = polynomial.__qualname__ = name
    SPECIAL[name] = polynomial


def _chebyshev_u_plus(sign):
    # third (V, sign -1) and fourth (W, sign +1) kinds: U_n(x) + sign * U_{n-1}(x)
    return lambda k, x: sp.eval_chebyu(k, x) + sign * np.where(k > 0, sp.eval_chebyu(np.maximum(k - 1, 0), x), 0)


_KINDS = {"t": sp.eval_chebyt, "u": sp.eval_chebyu, "v": _chebyshev_u_plus(-1), "w": _chebyshev_u_plus(1)}
for _kind, _eval in _KINDS.items():
    _polynomial("chebyshev_polynomial_" + _kind, _eval)
    _polynomial("shifted_chebyshev_polynomial_" + _kind, lambda k, x, f=_eval: f(k, 2 * x - 1))
_polynomial("hermite_polynomial_h", sp.eval_hermite)
_polynomial("hermite_polynomial_he", sp.eval_hermitenorm)
_polynomial("laguerre_polynomial_l", sp.eval_laguerre)
_polynomial("legendre_polynomial_p", sp.eval_legendre)
