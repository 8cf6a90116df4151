"""ember.linalg (torch.linalg): decompositions, solvers, inverses, norms and matrix functions, batched over
leading dimensions and differentiable where PyTorch is. The ops live in ember/_ops/linalg.py."""
from ._ops.linalg import (  # noqa: F401
    LinAlgError, cholesky, cholesky_ex, cond, det, eig, eigh, eigvals, eigvalsh, householder_product, inv, inv_ex,
    ldl_factor, ldl_factor_ex, ldl_solve, lstsq, lu, lu_factor, lu_factor_ex, lu_solve, matmul, matrix_exp,
    matrix_norm, matrix_power, matrix_rank, multi_dot, pinv, qr, slogdet as _slogdet, solve, solve_ex,
    solve_triangular, svd, svdvals, tensorinv, tensorsolve, vander, vecdot, vector_norm)
from ._ops.linalg import linalg_cross as cross, linalg_diagonal as diagonal, linalg_norm as norm  # noqa: F401
from ._ops.reduction import return_type as _return_type

common_notes = {
    "experimental_warning": "This function is \"experimental\" and it may change in a future PyTorch release.",
    "sync_note": "When inputs are on a CUDA device, this function synchronizes that device with the CPU.",
}


def slogdet(A, *, out=None):
    """torch.linalg.slogdet: (sign, logabsdet) of a (batch of) square matrices."""
    res = _slogdet(A, out=out)
    return res if out is not None else _return_type("linalg_slogdet", ("sign", "logabsdet"))(*res)


__all__ = [n for n in dir() if not n.startswith("_")]
