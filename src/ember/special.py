"""ember.special, PyTorch's torch.special: special functions of mathematical physics and statistics.

Names torch also has at top level are the same functions as ember.<name>; the rest are defined in
ember/_ops/special.py.
"""
from ._ops.registry import FUNCTIONS as _F
from ._ops.special import SPECIAL as _SPECIAL
from ._dtype import _LEGACY

globals().update(_SPECIAL)

# the same ops as torch's top-level ones, under torch.special's names
erf, erfc, erfinv, exp2, expm1, log1p, sinc = (_F[n] for n in ("erf", "erfc", "erfinv", "exp2", "expm1", "log1p",
                                                                "sinc"))
i0, digamma, polygamma, xlogy, logit, logsumexp = (_F[n] for n in ("i0", "digamma", "polygamma", "xlogy", "logit",
                                                                   "logsumexp"))
softmax, log_softmax = _F["softmax"], _F["log_softmax"]
expit, psi, gammaln = _F["sigmoid"], _F["digamma"], _F["lgamma"]
gammainc, gammaincc, multigammaln = _F["igamma"], _F["igammac"], _F["mvlgamma"]



def round(input, *, decimals=0):
    """torch.special.round: torch.round, whose special_ form has no integer kernel."""
    if input.dtype.is_floating_point or input.dtype.is_complex:
        return _F["round"](input, decimals=decimals)
    raise NotImplementedError(f'"round_vml_cpu" not implemented for \'{_LEGACY[input.dtype.name]}\'')


__all__ = sorted(set(_SPECIAL) | {"erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "sinc", "round", "i0", "digamma",
                                  "polygamma", "xlogy", "logit", "logsumexp", "softmax", "log_softmax", "expit", "psi",
                                  "gammaln", "gammainc", "gammaincc", "multigammaln"})
