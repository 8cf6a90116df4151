"""The coefficients of ember._kernels.fused._ERFC_FIT: erfc(u) = t·e^{-u²}·S(t), t = 1/(1 + u/2), with S
a degree-7 polynomial fitted by least squares to SciPy's erfcx on 0 ≤ u ≤ 5.5 (weighted by t·e^{-u²}, so
the error is even in erf itself). Prints the coefficients and erf's largest error."""
import numpy as np
import scipy.special as sp

U_MAX, TERMS = 5.5, 8
u = U_MAX * (1 - np.cos(np.linspace(0, np.pi, 40000))) / 2  # Chebyshev-spaced: the ends weigh as much
t = 1 / (1 + 0.5 * u)
weight = t * np.exp(-u * u)
coef, *_ = np.linalg.lstsq((t[:, None] ** np.arange(TERMS)) * weight[:, None], sp.erfcx(u) / t * weight, rcond=None)
print(tuple(float(c) for c in coef))
x = np.linspace(0, U_MAX, 400001)
tx = 1 / (1 + 0.5 * x)
print("largest error of erf:", np.abs(1 - tx * np.exp(-x * x) * np.polyval(coef[::-1], tx) - sp.erf(x)).max())
