"""Matrix products (matmul, mm, bmm, mv, dot, einsum, outer, addmm: each backward is two products), then
torch.linalg's decompositions, solvers and matrix functions (forward on LAPACK through NumPy/SciPy, each
gradient rule written with Ember ops) and PyTorch's older top-level names for them."""
import warnings

import numpy as np

from .. import _dtype as D
from .._kernels import threads as _threads
from .._tensor import Tensor
from ..autograd.graph import record, SavedOutput
from ..autograd.grad_mode import state
from .registry import op, fused, node_class, wrap, sum_to, shape_str, FUNCTIONS, holomorphic, broadcast_shape
from .reduction import return_type
from .shape import unsafe_view


def _check_dtypes(a, b, name):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {D.C_NAMES[a._dtype.name]} != "
                           f"{D.C_NAMES[b._dtype.name]}" if name != "dot" else
                           f"dot : expected both vectors to have same dtype, but found {D._LEGACY[a._dtype.name]}"
                           f" and {D._LEGACY[b._dtype.name]}")
    if a._dtype is D.bool_:
        raise RuntimeError(f'"addmm_impl_cpu_" not implemented for \'Bool\'')


def _mm_grads(self, g):
    a, b = self.saved
    (na, _), (nb, _) = self.next_functions
    return (g.mm(b.t()) if na is not None else None, a.t().mm(g) if nb is not None else None)


_Mm = node_class("MmBackward0", holomorphic(_mm_grads))


def _record2(Node, out, a, b):
    if state.enabled and (a._rg or b._rg):
        node = record(Node, out, (a, b))
        node.save(a, b)
    return out


@op()
def mm(input, mat2):
    a, b = input._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"self must be a matrix" if a.ndim != 2 else "mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    _check_dtypes(input, mat2, "mm")
    return _record2(_Mm, wrap(_threads.matmul(a, b), input._dtype), input, mat2)


def _bmm_grads(self, g):
    a, b = self.saved
    (na, _), (nb, _) = self.next_functions
    return (g.bmm(b.transpose(1, 2)) if na is not None else None,
            a.transpose(1, 2).bmm(g) if nb is not None else None)


_Bmm = node_class("BmmBackward0", holomorphic(_bmm_grads))


@op()
def bmm(input, mat2):
    a, b = input._data, mat2._data
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor" if a.ndim != 3 else "batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_dtypes(input, mat2, "bmm")
    return _record2(_Bmm, wrap(np.matmul(a, b), input._dtype), input, mat2)


_Dot = node_class("DotBackward0", holomorphic(lambda self, g: (g * self.saved[1], g * self.saved[0])))


@op()
def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.shape != other._data.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}] and src "
                           f"[{other._data.shape[0]}] to have the same number of elements, but got "
                           f"{input._data.shape[0]} and {other._data.shape[0]} elements respectively")
    _check_dtypes(input, other, "dot")
    return _record2(_Dot, wrap(np.dot(input._data, other._data), input._dtype), input, other)


_Mv = node_class("MvBackward0", holomorphic(lambda self, g: (g.outer(self.saved[1]), self.saved[0].t().mv(g))))


@op()
def mv(input, vec):
    if input._data.ndim != 2 or vec._data.ndim != 1 or input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat "
                           f"({shape_str(input._data.shape)[1:-1].replace(', ', 'x')}), vec ({vec._data.shape[0]})")
    _check_dtypes(input, vec, "mv")
    return _record2(_Mv, wrap(input._data @ vec._data, input._dtype), input, vec)


@op()
def inner(input, other):
    """Sum of products over the last dim of both: shape input.shape[:-1] + other.shape[:-1]."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    k = input._data.shape[-1]
    if other._data.shape[-1] != k:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{shape_str(input._data.shape)} and {shape_str(other._data.shape)}")
    return tensordot(input, other, ([-1], [-1]))


@op()
def kron(input, other):
    """The Kronecker product: every element of input scales a whole copy of other."""
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    a = unsafe_view(input, tuple(x for s in sa for x in (s, 1)))
    b = unsafe_view(other, tuple(x for s in sb for x in (1, s)))
    return unsafe_view(a * b, tuple(x * y for x, y in zip(sa, sb)))


@op(aliases=("ger",))
def outer(input, vec2):
    return input.reshape(-1, 1) * vec2


@op()
def matmul(input, other):
    """torch.matmul: dot, mv, mm or broadcast batched products by the inputs' dims, composed as torch
    composes them (so the graph has torch's nodes): a stack of matrices times a matrix folds into one
    product, a matrix times a stack is the transposed fold, and stacks broadcast into one bmm."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        return dot(input, other)
    if na == 2 and nb == 1:
        return mv(input, other)
    if na == 1 and nb == 2:
        return mm(input.unsqueeze(0), other).squeeze_(0)
    if na == 2 and nb == 2:
        return mm(input, other)
    if na >= 3 and nb <= 2:  # fold the batch into rows: one GEMM
        shape = input._data.shape
        if shape[-1] != other._data.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({int(np.prod(shape[:-1]))}x{shape[-1]} and "
                               f"{other._data.shape[0]}x{other._data.shape[-1]})")
        rows = input.reshape(-1, shape[-1])
        out = rows.mm(other) if nb == 2 else rows.mv(other)
        return unsafe_view(out, shape[:-1] + ((other._data.shape[-1],) if nb == 2 else ()))
    if na <= 2:  # (b · aᵀ)ᵀ: the same fold on the stack
        return matmul(other.mT, input) if na == 1 else matmul(other.mT, input.mT).mT.contiguous()
    n, k = input._data.shape[-2:]
    k2, m = other._data.shape[-2:]
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(other._data.shape[:-2]))}, {k}] but got: "
                           f"[{int(np.prod(other._data.shape[:-2]))}, {k2}].")
    _check_dtypes(input, other, "matmul")
    batch = broadcast_shape(input._data.shape[:-2], other._data.shape[:-2])

    def stack(t, rows, cols):
        if t._data.shape[:-2] != batch:
            t = t.expand(*batch, rows, cols)
        return t.reshape(-1, rows, cols)
    return unsafe_view(bmm(stack(input, n, k), stack(other, k, m)), batch + (n, m))


Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)


def _addmm_grads(self, g):
    m1, m2 = self.saved
    shape, beta, alpha = self.args
    (ni, _), (n1, _), (n2, _) = self.next_functions
    return (sum_to(g if beta == 1 else g * beta, shape) if ni is not None else None,
            _scaled(g.mm(m2.t()), alpha) if n1 is not None else None,
            _scaled(m1.t().mm(g), alpha) if n2 is not None else None)


def _scaled(t, k):
    return t if k == 1 else t * k


_Addmm = node_class("AddmmBackward0", holomorphic(_addmm_grads))


@op(inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), one node (torch.addmm)."""
    prod = mm(mat1.detach(), mat2.detach())._data  # mm's shape and dtype checks
    if input._dtype is not mat1._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {D._LEGACY[input._dtype.name]} and "
                           f"{D._LEGACY[mat2._dtype.name]}")
    if beta != 0:
        FUNCTIONS["broadcast_to"](input.detach(), prod.shape)  # torch's expand error for a bad `input`
    arr = _scaled(prod, alpha) + (input._data if beta == 1 else input._data * beta) if beta != 0 else \
        _scaled(prod, alpha)
    res = wrap(arr, mat1._dtype)
    if state.enabled and (input._rg or mat1._rg or mat2._rg):
        node = record(_Addmm, res, (input, mat1, mat2), (input._data.shape, beta, alpha))
        node.save(mat1, mat2)
    return res


@op(inplace=True)
@fused("AddmvBackward0")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    return beta * input + alpha * mat.mv(vec)


@op(inplace=True)
@fused("BaddbmmBackward0")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return beta * input + alpha * batch1.bmm(batch2)


@op(inplace=True)
@fused("AddbmmBackward0")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return beta * input + alpha * batch1.bmm(batch2).sum(0)


@op(inplace=True)
@fused("AddrBackward0")
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return beta * input + alpha * vec1.outer(vec2)


@op(method=False)
def einsum(equation, *operands):
    """torch.einsum, as a product of permuted, reshaped operands (so its gradient comes free)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, _, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    if "..." in eq:
        return _einsum_numpy(eq, operands)
    if not _:
        counts = {}
        for c in "".join(terms):
            counts[c] = counts.get(c, 0) + 1
        rhs = "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes = {}
    for term, t in zip(terms, operands):
        if len(term) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({t.ndim}) for operand {terms.index(term)} and no ellipsis "
                               f"was given")
        for c, n in zip(term, t.shape):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes (original->remapped)")
            sizes[c] = max(sizes[c], n)
    # torch's layout: every operand gets every letter (size 1 where it has none) in one order, the output's
    # letters first; letters no other operand has are summed at once; operands then combine left to right
    letters = list(rhs) + [c for c in dict.fromkeys("".join(terms)) if c not in rhs]
    ops = []
    for k, (term, t) in enumerate(zip(terms, operands)):
        term, t = _diag_letters(t, term)
        for c in letters:
            if c not in term:
                t, term = t.unsqueeze(-1), term + c
        t = t.permute(*[term.index(c) for c in letters])
        alone = [i for i, c in enumerate(letters) if c in terms[k] and i >= len(rhs)
                 and not any(c in other for j, other in enumerate(terms) if j != k)]
        ops.append(t.sum(alone, keepdim=len(terms) > 1) if alone else t)
    if len(ops) == 1:
        return ops[0]
    result = ops[0]
    for k in range(1, len(ops)):
        later = set(rhs) | set("".join(terms[k + 1:]))
        done = [i for i, c in enumerate(letters) if i >= len(rhs) and c not in later]
        left, right = result, ops[k]
        only_l = [i for i in done if left.shape[i] != 1 and right.shape[i] == 1]  # broadcast: sum the side that has it
        only_r = [i for i in done if right.shape[i] != 1 and left.shape[i] == 1]
        left = left.sum(only_l, keepdim=True) if only_l else left
        right = right.sum(only_r, keepdim=True) if only_r else right
        result = _sumproduct_pair(left, right, [i for i in done if left.shape[i] != 1 and right.shape[i] != 1])
    return result if result.ndim == len(rhs) else result.view(result.shape[:len(rhs)])


def _diag_letters(t, term):
    """Repeated letters within one term (einsum('ii->i')) take the diagonal."""
    while len(set(term)) != len(term):
        for i, c in enumerate(term):
            j = term.find(c, i + 1)
            if j >= 0:
                t = t.diagonal(0, i, j)
                term = term[:i] + term[i + 1:j] + term[j + 1:] + c
                break
    return term, t


def _sumproduct_pair(left, right, summed):
    """Σ over the dims `summed` of left * right (same ndim, broadcasting), as one bmm over (dims both have,
    dims only left has, summed dims, dims only right has); the summed dims stay as size 1."""
    if not summed:
        return left * right
    both, lo, ro = [], [], []
    for d in range(left.ndim):
        if d in summed:
            continue
        sl, sr = left.shape[d] != 1, right.shape[d] != 1
        (both if sl and sr else lo if sl else ro).append(d)

    def size(t, dims):
        return int(np.prod([t.shape[d] for d in dims]))
    b, m, k, n = size(left, both), size(left, lo), size(left, summed), size(right, ro)
    lt = left.permute(*both, *lo, *summed, *ro).reshape(b, m, k)
    rt = right.permute(*both, *summed, *ro, *lo).reshape(b, k, n)
    order = both + lo + summed + ro
    shape = [left.shape[d] for d in both + lo] + [1] * len(summed) + [right.shape[d] for d in ro]
    out = lt.bmm(rt).view(shape)
    return out.permute(*[order.index(d) for d in range(left.ndim)])


def _einsum_numpy(eq, operands):
    if any(t.requires_grad for t in operands) and state.enabled:
        raise NotImplementedError("einsum with '...' and autograd is not implemented in Ember")
    return wrap(np.einsum(eq, *[t._data for t in operands]), operands[0].dtype)


@op(method=False)
def tensordot(a, b, dims=2):
    """Sums of products over dims of a paired with dims of b: both laid out as matrices (the free dims
    then the contracted ones) and multiplied in one mm (one dot when nothing is left free), as torch does."""
    if isinstance(dims, int):
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    da, db = [a._wrap_dim(d) for d in da], [b._wrap_dim(d) for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} and "
                               f"second has size {b.shape[j]} in dim {j}")
    free_a, free_b = [i for i in range(a.ndim) if i not in da], [j for j in range(b.ndim) if j not in db]
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    k = int(np.prod([a.shape[i] for i in da]))
    am, bm = a.permute(*free_a, *da), b.permute(*db, *free_b)
    if not free_a and not free_b:
        return dot(*(t if t.ndim == 1 else t.reshape(-1) for t in (am, bm))).view(out_shape)
    return am.reshape(-1, k).mm(bm.reshape(k, -1)).view(out_shape)


@op(method=False)
@fused("CdistBackward0")
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):  # (the mode is a speed choice)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return diff.norm(p, dim=-1)


@op()
def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    res = wrap(np.trace(input._data), _acc_dtype(input))
    if input._rg and state.enabled:
        record(_Trace, res, (input,), input._data.shape)
    return res


def _acc_dtype(x):
    return D.int64 if x._dtype._cat < 2 else x._dtype


_Trace = node_class("TraceBackward0", lambda self, g: g * FUNCTIONS["eye"](*self.args, dtype=g.dtype))


@op()
def cross(input, other, dim=None):
    """torch.cross: linalg.cross, but dim=None means the first dim of size 3 (torch's deprecated default)."""
    if dim is None:
        _deprecated("cross without dim", "torch.linalg.cross, or pass dim")
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


# ====================================================================== decompositions and solvers
# Each op: forward on arrays through numpy.linalg / scipy.linalg (LAPACK, as torch), then a gradient
# rule written with Ember ops (so create_graph=True differentiates it again); for complex inputs the rules' adjoints
# (mH) make them torch's conjugate-Wirtinger gradients.


def _out_arg(fn):
    """Adds torch's `out=`: the result is copied into the given tensor(s), resized as torch resizes them."""
    def with_out(*args, out=None, **kwargs):
        res = fn(*args, **kwargs)
        if out is None:
            return res
        results = tuple(res) if isinstance(res, tuple) else (res,)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if state.enabled and any(r is not None and r.requires_grad for r in results):
            raise RuntimeError(f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                               f"differentiation, but one of the arguments requires grad.")
        for r, o in zip(results, outs):
            if tuple(o.shape) != tuple(r.shape):
                o.resize_(*r.shape)
            o.copy_(r)
        return out
    with_out.__name__, with_out.__qualname__, with_out.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return with_out


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: the matrix is singular or not positive-definite."""


LinAlgError.__module__ = "ember.linalg"  # where users meet it


def _sla():
    import scipy.linalg  # on first use: it is slow to import and `import ember` stays fast
    return scipy.linalg


def _check_float(A, name):
    if A._dtype._cat < 2:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{D._LEGACY[A._dtype.name]}")
    if A._dtype.itemsize < 4:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {D._LEGACY[A._dtype.name]}")


def _check_matrix(A, name, square=True, arg="A"):
    """torch's checks for a (batch of) matrices: at least 2-D, floating, and square when asked."""
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    _check_float(A, name)
    if square and A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{A._data.shape[-2]} by {A._data.shape[-1]} matrices")


def _check_kernel_dtype(A, kernel):
    """The ops whose kernels torch dispatches on dtype refuse integers with NotImplementedError."""
    if A._dtype._cat < 2:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{D._LEGACY[A._dtype.name]}'")


def _batch_prefix(arr, flat_index):
    return f"(Batch element {flat_index}): " if arr.ndim > 2 else ""


def _matrices(arr):
    """The matrices of a batch, as an (N, m, n) array."""
    return arr.reshape((-1,) + arr.shape[-2:])


def _lapack(name, arr):
    return _sla().lapack.get_lapack_funcs(name, (arr,))


def _getrf(a):
    """LU with partial pivoting of every matrix of a batch: (LU, 1-based int32 pivots, info), as LAPACK's getrf."""
    mats = _matrices(a)
    k = min(a.shape[-2:])
    lu, piv, info = np.empty_like(mats), np.empty((len(mats), k), np.int32), np.zeros(len(mats), np.int32)
    if mats.size:
        getrf = _lapack("getrf", mats)
        for i, m in enumerate(mats):
            lu[i], p, info[i] = getrf(m)
            piv[i] = p + 1
    return lu.reshape(a.shape), piv.reshape(a.shape[:-2] + (k,)), info.reshape(a.shape[:-2])


def _first_failure(info):
    """The flat batch index of the first nonzero info, and that info."""
    flat = info.reshape(-1)
    i = int(np.flatnonzero(flat)[0])
    return i, int(flat[i])


def _singular_error(name, a):
    """torch's LinAlgError for an exactly singular matrix of the batch (the first zero pivot of its LU)."""
    _, _, info = _getrf(a)
    i, k = _first_failure(info) if info.any() else (0, a.shape[-1])
    return LinAlgError(f"{name}: {_batch_prefix(a, i)}The diagonal element {k} is zero, the inversion could not be "
                       f"completed because the input matrix is singular.")


def _save(Node, outs, inputs, saved, args=None):
    """Record Node on outs when any input requires grad; `saved` may name outputs by index (int)."""
    if state.enabled and any(t is not None and t._rg for t in inputs):
        node = record(Node, outs, inputs, args)
        if node is not None:
            node.save(*(SavedOutput(outs[s] if type(outs) is tuple else outs) if type(s) is int else s
                        for s in saved))
    return outs


def _real(dt):
    return {D.complex64: D.float32, D.complex128: D.float64}.get(dt, dt)


def _abs(t):
    """|t| in t's real dtype."""
    return t.abs()


def _eye_like(n, t):
    return FUNCTIONS["eye"](n, dtype=t.dtype)


# ---------------------------------------------------------------------- inverse, determinants
def _inv_grads(self, g, _=None):
    Ainv, = self.saved
    return -(Ainv.mH @ g @ Ainv.mH)


_InvEx = node_class("LinalgInvExBackward0", _inv_grads, n_outputs=2)


@_out_arg
def inv_ex(A, *, check_errors=False):
    """torch.linalg.inv_ex: the inverse and an int32 `info` per matrix (0, or the index of a zero pivot)."""
    _check_matrix(A, "linalg.inv")
    a = A._data
    res, info = _solve_arrays(a, np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape))
    if check_errors and info.any():
        raise _singular_error("linalg.inv_ex", a)
    outs = (wrap(res, A._dtype), wrap(info, D.int32))
    return return_type("linalg_inv_ex", ("inverse", "info"))(*_save(_InvEx, outs, (A,), (0,)))


@_out_arg
def inv(A):
    """torch.linalg.inv (and torch.inverse)."""
    _check_matrix(A, "linalg.inv")
    try:
        res = np.linalg.inv(A._data)
    except np.linalg.LinAlgError:
        raise _singular_error("linalg.inv", A._data) from None
    return _save(_InvEx, (wrap(res, A._dtype), None), (A,), (0,))[0]


def _det_grads(self, g):
    """d det = det tr(A^-1 dA); where det is exactly 0 torch's gradient is 0 too (A is replaced by I there)."""
    A, d = self.saved
    singular = d._data == 0
    if singular.any():
        mask = wrap(singular[..., None, None], D.bool_)
        A = FUNCTIONS["where"](mask, _eye_like(A.shape[-1], A), A)
    return (g * d.conj()).unsqueeze(-1).unsqueeze(-1) * inv(A).mH


_Det = node_class("LinalgDetBackward0", _det_grads)


@op()
@_out_arg
def det(input):
    """torch.det / torch.linalg.det."""
    _check_matrix(input, "linalg.det")
    out = wrap(np.linalg.det(input._data), input._dtype)
    return _save(_Det, out, (input,), (input, 0))


def _slogdet_grads(self, g_sign, g_logabs):
    """log det is holomorphic with derivative A^-1: its gradient g_logabs + i g_angle, where a complex sign
    exp(i angle) passes back g_angle = -Im(conj(g_sign) sign), times A^-H."""
    A, sign = self.saved
    if g_sign is not None and sign.dtype.is_complex:
        g_angle = -(g_sign.conj() * sign).imag
        g_logabs = g_angle * 1j if g_logabs is None else g_logabs + g_angle * 1j
    if g_logabs is None:
        return None
    # inv_ex: a singular A gets getrs's inf/nan gradient, as torch's, rather than an error
    return g_logabs.unsqueeze(-1).unsqueeze(-1) * inv_ex(A)[0].mH


_Slogdet = node_class("LinalgSlogdetBackward0", _slogdet_grads, n_outputs=2)


@op()
@_out_arg
def slogdet(input):
    """torch.slogdet / torch.linalg.slogdet: (sign, logabsdet); only logabsdet carries a gradient."""
    _check_matrix(input, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(input._data)
    outs = _save(_Slogdet, (wrap(sign, input._dtype), wrap(logabs, _real(input._dtype))), (input,), (input, 0))
    if not input.dtype.is_complex:  # a real sign is piecewise constant; a complex one is a phase
        outs[0].grad_fn, outs[0]._rg = None, False
    return return_type("slogdet", ("sign", "logabsdet"))(*outs)


@op()
def logdet(input):
    """torch.logdet: log(det), nan for a negative determinant."""
    _check_matrix(input, "logdet")
    sign, logabs = slogdet(input)
    return logabs + sign.log()


# ---------------------------------------------------------------------- solvers
def _solve_grads(self, g, _=None):
    A, X = self.saved
    shape_a, shape_b = self.args
    (na, _), (nb, _) = self.next_functions
    gB = _solve(A.mH, g)[0]
    return (sum_to(-(gB @ X.mH), shape_a) if na is not None else None,
            sum_to(gB, shape_b) if nb is not None else None)


_SolveEx = node_class("LinalgSolveExBackward0", _solve_grads, n_outputs=2)


def _solve_arrays(a, b):
    """X with a X = b over broadcast batches, and LAPACK's info; a singular matrix's X is what getrs gives
    from its LU (inf/nan), as torch's *_ex results are."""
    try:
        return np.linalg.solve(a, b), np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]), np.int32)
    except np.linalg.LinAlgError:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a, b = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
        x, info = np.empty(b.shape, np.result_type(a, b)), np.zeros(batch, np.int32)
        getrf, getrs = _sla().lapack.get_lapack_funcs(("getrf", "getrs"), (a,))
        with np.errstate(all="ignore"):
            for i in np.ndindex(batch):
                lu, piv, info[i] = getrf(a[i])
                x[i] = getrs(lu, piv, b[i])[0]
        return x, info


def _solve(A, B, check=True, name="torch.linalg.solve"):
    """(X, info) with A X = B for a batch of square A and matrices B (batch dims broadcast)."""
    a, b = A._data, B._data
    x, info = _solve_arrays(a, b)
    if check and info.any():
        i, _ = _first_failure(info)
        raise LinAlgError(f"{name}: {_batch_prefix(a, i)}The solver failed because the input matrix is "
                          f"singular.")
    return _save(_SolveEx, (wrap(x, A._dtype), wrap(info, D.int32)), (A, B), (A, 0), (a.shape, b.shape))


def _solve_checks(A, B, name):
    _check_matrix(A, name)
    if B._dtype._cat < 2 or A._dtype is not B._dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{D._LEGACY[A._dtype.name]} and B of type {D._LEGACY[B._dtype.name]} instead")


@_out_arg
def solve_ex(A, B, *, left=True, check_errors=False):
    """torch.linalg.solve_ex: (result, info), info > 0 for a singular matrix (then no error unless check_errors)."""
    return return_type("linalg_solve_ex", ("result", "info"))(*_solve_pair(A, B, left, check_errors,
                                                                          "torch.linalg.solve_ex"))


@_out_arg
def solve(A, B, *, left=True):
    """torch.linalg.solve: X with A X = B (left) or X A = B; B may be a (batch of) vector(s)."""
    return _solve_pair(A, B, left, True)[0]


def _solve_pair(A, B, left, check, name="torch.linalg.solve"):
    _solve_checks(A, B, "linalg.solve")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if (Bm.shape[-2] if left else Bm.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {Bm.shape[-2]}x{Bm.shape[-1]})")
    X, info = _solve(A, Bm, check, name) if left else _solve(A.mT, Bm.mT, check, name)
    X = X if left else X.mT
    return (X.squeeze(-1) if vector else X), info


def _tri_mask(t, upper, unitriangular):
    keep = 1 if unitriangular else 0
    return t.triu(keep) if upper else t.tril(-keep)


def _solve_triangular_grads(self, g):
    A, X = self.saved
    upper, unitriangular, shape_a, shape_b = self.args
    (na, _), (nb, _) = self.next_functions
    gB = solve_triangular(A.mH, g, upper=not upper, unitriangular=unitriangular)
    gA = _tri_mask(-(gB @ X.mH), upper, unitriangular) if na is not None else None
    return (sum_to(gA, shape_a) if gA is not None else None, sum_to(gB, shape_b) if nb is not None else None)


_SolveTriangular = node_class("LinalgSolveTriangularBackward0", _solve_triangular_grads)


@_out_arg
def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """torch.linalg.solve_triangular: X with A X = B (or X A = B) for triangular A, never checking singularity."""
    _solve_checks(A, B, "linalg.solve_triangular")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    a, b = A._data, B._data
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    ab, bb = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
    x = np.empty(batch + b.shape[-2:], a.dtype)
    if x.size:
        # BLAS directly: scipy.linalg.solve_triangular's wrapper costs far more than the solve on small matrices
        trsm = _sla().blas.get_blas_funcs("trsm", (ab,))
        with np.errstate(all="ignore"):
            for i in np.ndindex(batch):
                x[i] = trsm(1.0, ab[i], bb[i], lower=not upper, diag=int(unitriangular))
    return _save(_SolveTriangular, wrap(x, A._dtype), (A, B), (A, 0), (upper, unitriangular, a.shape, b.shape))


# ---------------------------------------------------------------------- Cholesky
def _cholesky_grads(self, gL, _=None):
    L, = self.saved
    upper, = self.args
    if upper:
        L, gL = L.mH, gL.mH
    phi = (L.mH @ gL).tril()
    phi = phi - 0.5 * phi.diagonal(0, -2, -1).diag_embed()
    S = solve_triangular(L.mH, solve_triangular(L.mH, phi, upper=True).mH, upper=True)  # L^-T phi L^-1, transposed
    return 0.5 * (S + S.mH)


_CholeskyEx = node_class("LinalgCholeskyExBackward0", _cholesky_grads, n_outputs=2)


def _potrf(a):
    """Lower Cholesky factors of a batch and LAPACK's info (the order of the first non-positive leading minor)."""
    try:
        return np.linalg.cholesky(a), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        mats = _matrices(a)
        potrf = _lapack("potrf", mats)
        out, info = np.zeros_like(mats), np.zeros(len(mats), np.int32)
        for i, m in enumerate(mats):
            c, info[i] = potrf(m, lower=1, clean=1)
            out[i] = np.tril(c)
        return out.reshape(a.shape), info.reshape(a.shape[:-2])


@_out_arg
def cholesky_ex(A, *, upper=False, check_errors=False):
    """torch.linalg.cholesky_ex: (L, info) with info > 0 where the matrix is not positive-definite."""
    _check_matrix(A, "linalg.cholesky")
    low, info = _potrf(A._data)
    if check_errors and info.any():
        _cholesky_error(A._data, info, "linalg.cholesky_ex")
    res = np.swapaxes(low, -1, -2).conj() if upper else low
    outs = _save(_CholeskyEx, (wrap(res, A._dtype), wrap(info, D.int32)), (A,), (0,), (upper,))
    return return_type("linalg_cholesky_ex", ("L", "info"))(*outs)


def _cholesky_error(a, info, name="linalg.cholesky"):
    i, k = _first_failure(info)
    raise LinAlgError(f"{name}: {_batch_prefix(a, i)}The factorization could not be completed because the "
                      f"input is not positive-definite (the leading minor of order {k} is not positive-definite).")


@_out_arg
def cholesky(A, *, upper=False):
    """torch.linalg.cholesky: the lower (or upper) triangular factor of a positive-definite matrix."""
    L, info = cholesky_ex(A, upper=upper)
    if info._data.any():
        _cholesky_error(A._data, info._data)
    return L


# ---------------------------------------------------------------------- QR
def _qr_grads(self, gQ, gR):
    Q, R = self.saved
    mode, = self.args
    m, n = Q.shape[-2], R.shape[-1]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if m >= n:
        return _qr_grad_tall(Q, R, gQ, gR)
    # wide A = [A1 | A2]: A1 = Q X is a square QR and A2 = Q Y, so Y's gradient reaches Q and A2
    X, Y = R[..., :m], R[..., m:]
    gX = gY = None
    if gR is not None:
        gX, gY = gR[..., :m], gR[..., m:]
        gQ = Q @ (Y @ gY.mH) if gQ is None else gQ + Q @ (Y @ gY.mH)
    gA1 = _qr_grad_tall(Q, X, gQ, gX)
    gA2 = Q @ gY if gY is not None else FUNCTIONS["zeros_like"](Y)
    return FUNCTIONS["cat"]([gA1, gA2], -1)


def _qr_grad_tall(Q, R, gQ, gR):
    """A = Q R with R square, invertible: gA = (gQ + Q M) R^-T, M = gR R^T - Q^T gQ mirrored from its upper triangle."""
    M = (gR @ R.mH if gR is not None else 0) - (Q.mH @ gQ if gQ is not None else 0)
    M = M.triu() + M.triu(1).mH  # symmetric, from its upper triangle
    b = Q @ M if gQ is None else gQ + Q @ M
    return solve_triangular(R.mH, b, upper=False, left=False)  # b R^-T


_LinalgQr = node_class("LinalgQrBackward0", _qr_grads, n_outputs=2)


@_out_arg
def qr(A, mode="reduced"):
    """torch.linalg.qr: (Q, R) for mode 'reduced' | 'complete' | 'r' (then Q is empty)."""
    _check_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    a = A._data
    if a.size:
        q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    else:
        m, n = a.shape[-2:]
        k = m if mode == "complete" else min(m, n)
        q = np.broadcast_to(np.eye(m, k, dtype=a.dtype), a.shape[:-2] + (m, k)).copy()
        r = np.zeros(a.shape[:-2] + (k, n), a.dtype)
    if mode == "r":
        q = np.zeros((0,), a.dtype)
    outs = _save(_LinalgQr, (wrap(q, A._dtype), wrap(r, A._dtype)), (A,), (0, 1), (mode,))
    return return_type("linalg_qr", ("Q", "R"))(*outs)


# ---------------------------------------------------------------------- eigen decompositions
def _check_phase(imag_diag, name, what="eigenvectors", tail="so it is ill-defined"):
    """Complex eigen/singular vectors are defined up to a phase e^{i phi} each: a loss that depends on it has
    Im(diag(V^H gV)) != 0, and torch refuses it."""
    if np.any(np.abs(imag_diag._data) > 1e-2):
        raise RuntimeError(f"{name}: The {what} in the complex case are specified up to multiplication by e^{{i phi}}."
                           f" The specified loss function depends on this {'quantity' if what[0] == 'e' else 'phase term'}"
                           f", {tail}.")


def _eigh_grads(self, gL, gV):
    return _eigh_backward(*self.saved, gL, gV)


def _eigh_backward(L, V, gL, gV):
    """gA = V (skew(V^H gV) / E + diag(gL)) V^H, E[i, j] = L[j] - L[i] off the diagonal."""
    if gV is None:
        return (V * gL.unsqueeze(-2)) @ V.mH
    VhgV = V.mH @ gV
    if VhgV.dtype.is_complex:
        _check_phase(VhgV.diagonal(0, -2, -1).imag, "linalg_eigh_backward")
    VhgV = 0.5 * (VhgV - VhgV.mH)
    n = L.shape[-1]
    off = 1 - _eye_like(n, L)
    E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye_like(n, L)  # E[i, j] = L[j] - L[i]; 1 on the diagonal
    inner = VhgV * off / E
    if gL is not None:
        inner = inner + gL.diag_embed()
    return V @ inner @ V.mH


_LinalgEigh = node_class("LinalgEighBackward0", _eigh_grads, n_outputs=2)


@_out_arg
def eigh(A, UPLO="L"):
    """torch.linalg.eigh: ascending eigenvalues and orthonormal eigenvectors of a symmetric matrix
    (read from its lower or upper triangle)."""
    _check_kernel_dtype(A, "linalg_eigh_cpu")
    _check_matrix(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    outs = _save(_LinalgEigh, (wrap(w, _real(A._dtype)), wrap(v, A._dtype)), (A,), (0, 1))
    return return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))(*outs)


@_out_arg
def eigvalsh(A, UPLO="L"):
    """torch.linalg.eigvalsh: the eigenvalues of eigh."""
    return eigh(A, UPLO)[0]


def _eig_grads(self, gL, gV):
    """A = V diag(L) V^-1 with unit-norm columns of V: gA = V^-H (diag(gL) + (V^H gV - V^H V Re diag(V^H gV)) / E*)
    V^H, E[i, j] = L[j] - L[i] off the diagonal; a real A keeps the real part."""
    L, V = self.saved
    real_input, = self.args
    n = L.shape[-1]
    inner = 0
    if gV is not None:
        VhgV = V.mH @ gV
        diag = VhgV.diagonal(0, -2, -1)
        _check_phase(diag.imag, "linalg_eig_backward")
        VhgV = VhgV - (V.mH @ V) * diag.real.unsqueeze(-2)  # the part that keeps each column's norm
        Lc = L.conj()
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1) + _eye_like(n, L)
        inner = VhgV * (1 - _eye_like(n, L)) / E
    if gL is not None:
        inner = inner + gL.diag_embed()
    gA = solve(V.mH, inner @ V.mH)
    return gA.real if real_input else gA


_LinalgEig = node_class("LinalgEigBackward0", _eig_grads, n_outputs=2)


@_out_arg
def eig(A):
    """torch.linalg.eig: complex eigenvalues and unit-norm eigenvectors of a general square matrix."""
    _check_matrix(A, "linalg.eig")
    w, v = np.linalg.eig(A._data)
    cdt = D.complex64 if A._dtype in (D.float32, D.complex64) else D.complex128
    outs = _save(_LinalgEig, (wrap(w, cdt), wrap(v, cdt)), (A,), (0, 1), (not A.dtype.is_complex,))
    return return_type("linalg_eig", ("eigenvalues", "eigenvectors"))(*outs)


@_out_arg
def eigvals(A):
    """torch.linalg.eigvals."""
    return eig(A)[0]


def _lobpcg_grads(self, gE, gX):
    L, V = self.saved
    idx, with_B = self.args
    if with_B:
        raise ValueError("lobpcg.backward does not support backward with B != I yet.")
    # the k pairs' gradients placed among all n pairs: eigh's rule is exact where LOBPCG's is projected
    gL = gV = None
    if gE is not None:
        gL = FUNCTIONS["zeros_like"](L).index_copy(-1, idx, gE)
    if gX is not None:
        gV = FUNCTIONS["zeros_like"](V).index_copy(-1, idx, gX)
    return _eigh_backward(L, V, gL, gV), None


_Lobpcg = node_class("LOBPCGAutogradFunctionBackward", _lobpcg_grads, n_outputs=2)


@op(method=False)
def lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None, method=None, tracker=None,
           ortho_iparams=None, ortho_fparams=None, ortho_bparams=None):
    """torch.lobpcg: the k largest (or smallest) eigenpairs (E, X) of the symmetric problem A x = E B x, X
    B-orthonormal. Ember solves it exactly (eigh of the Cholesky-reduced C^-1 A C^-H, B = C C^H), which LOBPCG's
    iterations converge to, so the iteration controls (X's values, iK, niter, tol, method, tracker, ortho_*) only
    shape the call; gradients are eigh's, and none with B, as in torch."""
    m = A.shape[-1]
    k = (1 if X is None else X.shape[-1]) if k is None else k
    n = (k if X is None else X.shape[-1]) if n is None else n
    if m < 3 * n:
        raise ValueError(f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller than 3 x "
                         f"the number of requested eigenpairs (={n})")
    a = A._data
    if B is None:
        w, v = np.linalg.eigh(a)
    else:
        C = np.linalg.cholesky(B._data)
        Cinv = np.linalg.inv(C)
        w, y = np.linalg.eigh(Cinv @ a @ np.swapaxes(Cinv, -1, -2).conj())
        v = np.swapaxes(Cinv, -1, -2).conj() @ y
    idx = np.arange(m - 1, m - 1 - k, -1) if largest is None or largest else np.arange(k)
    outs = (wrap(w[..., idx], A._dtype), wrap(v[..., idx], A._dtype))
    if state.enabled and (A._rg or (B is not None and B._rg)):
        node = record(_Lobpcg, outs, (A, B), (wrap(idx, D.int64), B is not None))
        node.save(wrap(w, A._dtype), wrap(v, A._dtype))
    return outs


# ---------------------------------------------------------------------- SVD
def _svd_grads(self, gU, gS, gVh):
    U, S, Vh = self.saved
    full, = self.args
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    if full:  # only the first k singular vectors are determined
        U, Vh = U[..., :k], Vh[..., :k, :]
        gU = gU[..., :k] if gU is not None else None
        gVh = gVh[..., :k, :] if gVh is not None else None
    if gU is None and gVh is None:
        return (U * gS.unsqueeze(-2)) @ Vh
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye_like(k, S)
    gA = 0
    UhgU = VhgV = None
    if gU is not None:
        UhgU = U.mH @ gU
        gA = (UhgU - UhgU.mH) * S.unsqueeze(-2)
    if gVh is not None:
        VhgV = Vh @ gVh.mH
        gA = gA + S.unsqueeze(-1) * (VhgV - VhgV.mH)
    gA = gA / E
    if U.dtype.is_complex:  # the skew parts' diagonals cancel by phase invariance; U's phase gives Im(diag)/S
        phase = sum(x.diagonal(0, -2, -1) for x in (UhgU, VhgV) if x is not None).imag
        _check_phase(phase, "svd_backward", "singular vectors", "making it ill-defined")
        gA = gA * (1 - _eye_like(k, S))
        if UhgU is not None:
            gA = gA + (UhgU.diagonal(0, -2, -1).imag / S * 1j).diag_embed()
    if gS is not None:
        gA = gA + gS.diag_embed()
    if m > n and gU is not None:
        gUSinv = gU / S.unsqueeze(-2)
        return (U @ gA + gUSinv - U @ (U.mH @ gUSinv)) @ Vh
    if m < n and gVh is not None:
        gVhSinv = gVh / S.unsqueeze(-1)
        return U @ (gA @ Vh + gVhSinv - (gVhSinv @ Vh.mH) @ Vh)
    return U @ gA @ Vh


_LinalgSvd = node_class("LinalgSvdBackward0", _svd_grads, n_outputs=3)


@_out_arg
def svd(A, full_matrices=True, *, driver=None):
    """torch.linalg.svd: (U, S, Vh) with A = U diag(S) Vh, singular values descending."""
    _check_matrix(A, "linalg.svd", square=False)
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    a = A._data
    m, n = a.shape[-2:]
    if a.size:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    else:
        k = min(m, n)
        cu, rv = (m, n) if full_matrices else (k, k)
        u = np.broadcast_to(np.eye(m, cu, dtype=a.dtype), a.shape[:-2] + (m, cu)).copy()
        vh = np.broadcast_to(np.eye(rv, n, dtype=a.dtype), a.shape[:-2] + (rv, n)).copy()
        s = np.zeros(a.shape[:-2] + (k,), a.dtype)
    outs = _save(_LinalgSvd, (wrap(u, A._dtype), wrap(s, _real(A._dtype)), wrap(vh, A._dtype)), (A,), (0, 1, 2),
                 (full_matrices,))
    return return_type("linalg_svd", ("U", "S", "Vh"))(*outs)


@_out_arg
def svdvals(A, *, driver=None):
    """torch.linalg.svdvals: the singular values, descending."""
    _check_matrix(A, "linalg.svd", square=False)
    return svd(A, full_matrices=False, driver=driver)[1]


# ---------------------------------------------------------------------- pseudo-inverse, least squares
def _pinv_grads(self, g):
    A, P = self.saved
    m, n = A.shape[-2], A.shape[-1]
    gA = -(P.mH @ g @ P.mH)
    gA = gA + (_eye_like(m, A) - A @ P) @ g.mH @ (P @ P.mH)
    return gA + (P.mH @ P) @ g.mH @ (_eye_like(n, A) - P @ A)


_LinalgPinv = node_class("LinalgPinvBackward0", _pinv_grads)


def _tolerances(atol, rtol, smax, m, n, eps):
    """torch's cut-off for small singular values: max(atol, rtol * largest), rtol defaulting to eps * max(m, n)."""
    atol_v = 0.0 if atol is None else (atol._data if isinstance(atol, Tensor) else atol)
    if rtol is None:
        rtol_v = eps * max(m, n) if (atol is None or np.all(np.asarray(atol_v) <= 0)) else 0.0
    else:
        rtol_v = rtol._data if isinstance(rtol, Tensor) else rtol
    return np.maximum(np.asarray(atol_v)[..., None] if np.ndim(atol_v) else atol_v,
                      (np.asarray(rtol_v)[..., None] if np.ndim(rtol_v) else rtol_v) * smax[..., None])


@_out_arg
def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """torch.linalg.pinv: the Moore-Penrose pseudo-inverse, dropping singular values below the tolerance."""
    if A._data.ndim < 2 or A._dtype._cat < 2:
        raise RuntimeError(f"linalg.pinv({D._LEGACY[A._dtype.name]}{{{list(A._data.shape)}}}): expected a tensor "
                           f"with 2 or more dimensions of float, double, cfloat or cdouble types")
    a = A._data
    m, n = a.shape[-2:]
    eps = np.finfo(a.dtype).eps
    if not a.size:
        res = np.zeros(a.shape[:-2] + (n, m), a.dtype)
    elif hermitian:
        w, v = np.linalg.eigh(a)
        cut = _tolerances(atol, rtol, np.abs(w).max(-1), m, n, eps)
        winv = np.where(np.abs(w) > cut, 1 / np.where(w == 0, 1, w), 0)
        res = (v * winv[..., None, :]) @ np.swapaxes(v, -1, -2).conj()
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        cut = _tolerances(atol, rtol, s[..., 0] if s.shape[-1] else np.zeros(s.shape[:-1]), m, n, eps)
        sinv = np.where(s > cut, 1 / np.where(s == 0, 1, s), 0)
        res = (np.swapaxes(vh, -1, -2).conj() * sinv[..., None, :]) @ np.swapaxes(u, -1, -2).conj()
    return _save(_LinalgPinv, wrap(res, A._dtype), (A,), (A, 0))


@op()
def pinverse(input, rcond=1e-15):
    """torch.pinverse: pinv with a relative cut-off."""
    return pinv(input, rtol=rcond)


def lstsq(A, B, rcond=None, *, driver=None):
    """torch.linalg.lstsq: (solution, residuals, rank, singular_values) of min ||A X - B||; the solution
    is pinv(A) B (so its gradient is pinv's), the other fields follow the LAPACK driver as torch's do."""
    _check_matrix(A, "torch.linalg.lstsq", square=False)
    if B._dtype is not A._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {D._LEGACY[A._dtype.name]} and other's dtype {D._LEGACY[B._dtype.name]}")
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2], A.shape[-1]
    if Bm.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    eps = np.finfo(A._data.dtype).eps
    rtol = rcond if rcond is not None and rcond > 0 else eps * max(m, n)
    X = pinv(A, rtol=rtol) @ Bm if driver != "gels" else pinv(A, rtol=0.0) @ Bm
    s = np.linalg.svd(A._data, compute_uv=False) if A._data.size else np.zeros(A._data.shape[:-2] + (0,))
    rank = np.sum(s > rtol * (s[..., :1] if s.shape[-1] else 0), -1).astype(np.int64)
    empty = np.zeros((0,), A._data.dtype)
    res = empty
    if m > n and driver != "gelsy" and np.all(rank == n):
        r = np.sum(np.abs(A._data @ X._data - Bm._data) ** 2, axis=-2)
        res = r[..., 0] if vector else r
    return return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))(
        X.squeeze(-1) if vector else X, wrap(res, A._dtype),
        wrap(rank if driver != "gels" else np.zeros((0,), np.int64), D.int64),
        wrap(s if driver in ("gelsd", "gelss") else empty, A._dtype))


@_out_arg
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """torch.linalg.matrix_rank: the number of singular values above the tolerance (int64)."""
    _check_matrix(A, "torch.linalg.matrix_rank", square=False)
    a = A._data
    if tol is not None:
        atol, rtol = tol, 0.0
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    if hermitian:
        s = -np.sort(-s, axis=-1)
    smax = s[..., 0] if s.shape[-1] else np.zeros(s.shape[:-1], a.dtype)
    cut = _tolerances(atol, rtol, smax, *a.shape[-2:], np.finfo(a.dtype).eps)
    return wrap(np.sum(s > cut, -1), D.int64)


# ---------------------------------------------------------------------- LU
def _lu_grads_from(P, L, U, gL, gU):
    """gA for A = P L U. Square: P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T. A wide A = P L [U1 | U2] is the
    square LU of its first m columns plus U2 = L^-1 P^T A2; a tall one P [L1; L2] U likewise with L2 = A2 U^-1."""
    m, n = L.shape[-2], U.shape[-1]
    if m < n:
        U1, U2 = U[..., :m], U[..., m:]
        gU1, gU2 = (gU[..., :m], gU[..., m:]) if gU is not None else (None, None)
        if gU2 is None:
            return FUNCTIONS["cat"]([P @ _lu_square_grad(L, U1, gL, gU1), FUNCTIONS["zeros_like"](U2)], -1)
        gA2 = solve_triangular(L.mH, gU2, upper=True, unitriangular=True)  # L^-T gU2
        gL = -(gA2 @ U2.mH) if gL is None else gL - gA2 @ U2.mH
        return P @ FUNCTIONS["cat"]([_lu_square_grad(L, U1, gL, gU1), gA2], -1)
    if m > n:
        L1, L2 = L[..., :n, :], L[..., n:, :]
        gL1, gL2 = (gL[..., :n, :], gL[..., n:, :]) if gL is not None else (None, None)
        if gL2 is None:
            return P @ FUNCTIONS["cat"]([_lu_square_grad(L1, U, gL1, gU), FUNCTIONS["zeros_like"](L2)], -2)
        gA2 = solve_triangular(U.mH, gL2, upper=False, left=False)  # gL2 U^-T
        gU = -(L2.mH @ gA2) if gU is None else gU - L2.mH @ gA2
        return P @ FUNCTIONS["cat"]([_lu_square_grad(L1, U, gL1, gU), gA2], -2)
    return P @ _lu_square_grad(L, U, gL, gU)


def _lu_square_grad(L, U, gL, gU):
    Z = 0
    if gL is not None:
        Z = (L.mH @ gL).tril(-1)
    if gU is not None:
        Z = Z + (gU @ U.mH).triu()
    Z = solve_triangular(L.mH, Z, upper=True, unitriangular=True)
    return solve_triangular(U.mH, Z, upper=False, left=False)


_LinalgLu = node_class("LinalgLuBackward0",
                       lambda self, gP, gL, gU: _lu_grads_from(*self.saved, gL, gU), n_outputs=3)


def _lu_factor_grads(self, gLU, *_):
    LU, piv = self.saved
    P, L, U = lu_unpack(LU, piv)
    k = min(LU.shape[-2:])
    return _lu_grads_from(P, L, U, gLU[..., :, :k].tril(-1), gLU[..., :k, :].triu())


_LinalgLuFactorEx = node_class("LinalgLuFactorExBackward0", _lu_factor_grads, n_outputs=3)


def _check_pivot(pivot, name):
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")


@_out_arg
def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """torch.linalg.lu_factor_ex: (LU, pivots, info), LAPACK's compact LU with 1-based int32 pivots."""
    _check_kernel_dtype(A, "lu_cpu")
    _check_matrix(A, "torch.linalg.lu_factor_ex", square=False)
    _check_pivot(pivot, "linalg.lu_factor")
    lu_, piv, info = _getrf(A._data)
    if check_errors and info.any():
        _lu_factor_error(A._data, info)
    outs = _save(_LinalgLuFactorEx, (wrap(lu_, A._dtype), wrap(piv, D.int32), wrap(info, D.int32)), (A,), (0, 1))
    return return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))(*outs)


def _lu_factor_error(a, info):
    i, k = _first_failure(info)
    raise RuntimeError(f"torch.linalg.lu_factor: {_batch_prefix(a, i)}U[{k},{k}] is zero and using it on lu_solve "
                       f"would result in a division by zero. If you still want to perform the factorization, consider "
                       f"calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


@_out_arg
def lu_factor(A, *, pivot=True):
    """torch.linalg.lu_factor: (LU, pivots); an exactly singular matrix is an error."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    if info._data.any():
        _lu_factor_error(A._data, info._data)
    return return_type("linalg_lu_factor", ("LU", "pivots"))(LU, piv)


def _permutation(piv, m):
    """The permutation matrices P (A = P L U) of LAPACK's 1-based row swaps."""
    flat = piv.reshape(-1, piv.shape[-1]) if piv.ndim else piv.reshape(1, -1)
    perms = np.tile(np.arange(m), (len(flat), 1))
    for b, swaps in enumerate(flat):
        for i, p in enumerate(swaps):
            j = int(p) - 1
            perms[b, [i, j]] = perms[b, [j, i]]
    P = np.zeros((len(flat), m, m))
    P[np.arange(len(flat))[:, None], perms, np.arange(m)[None, :]] = 1
    return P.reshape(piv.shape[:-1] + (m, m))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """torch.lu_unpack: (P, L, U) from lu_factor's compact LU and pivots."""
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    if LU_pivots._dtype is not D.int32:
        raise RuntimeError("lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype. "
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    empty = wrap(np.zeros((0,), LU_data._data.dtype), LU_data._dtype)
    L = U = P = empty
    if unpack_data:
        L = LU_data[..., :, :k].tril(-1) + FUNCTIONS["eye"](m, k, dtype=LU_data.dtype)
        U = LU_data[..., :k, :].triu()
    if unpack_pivots:
        P = wrap(_permutation(LU_pivots._data, m), LU_data._dtype)
    return return_type("lu_unpack", ("P", "L", "U"))(P, L, U)


@_out_arg
def lu(A, *, pivot=True):
    """torch.linalg.lu: (P, L, U) with A = P L U."""
    _check_matrix(A, "linalg.lu", square=False)
    _check_pivot(pivot, "linalg.lu")
    a = A._data
    k = min(a.shape[-2:])
    if a.size:
        p, l_, u = _sla().lu(a, check_finite=False)
    else:
        m, n = a.shape[-2:]
        p = np.broadcast_to(np.eye(m, dtype=a.dtype), a.shape[:-2] + (m, m)).copy()
        l_, u = np.zeros(a.shape[:-2] + (m, k), a.dtype), np.zeros(a.shape[:-2] + (k, n), a.dtype)
    outs = (wrap(p, A._dtype), wrap(l_, A._dtype), wrap(u, A._dtype))
    outs = _save(_LinalgLu, outs, (A,), (0, 1, 2))
    outs[0].grad_fn, outs[0]._rg = None, False
    return return_type("linalg_lu", ("P", "L", "U"))(*outs)


@_out_arg
def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """torch.linalg.lu_solve: X with A X = B (or A^H X = B, X A = B) from A's lu_factor, as triangular solves."""
    _check_matrix(LU, "linalg.lu_solve")
    if not left:
        return lu_solve(LU, pivots, B.mH, adjoint=not adjoint).mH
    if B.shape[-2] != LU.shape[-1]:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({LU.shape[-2]}x{LU.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:  # A^T = U^T L^T P^T
        Y = solve_triangular(U.mH, B, upper=False)
        return P @ solve_triangular(L.mH, Y, upper=True, unitriangular=True)
    Y = solve_triangular(L, P.mH @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


# ---------------------------------------------------------------------- matrix functions
def _matrix_exp_grads(self, g):
    A, = self.saved
    n = A.shape[-1]
    At = A.mH
    top = FUNCTIONS["cat"]([At, g], -1)
    bottom = FUNCTIONS["cat"]([FUNCTIONS["zeros_like"](At), At], -1)
    return matrix_exp(FUNCTIONS["cat"]([top, bottom], -2))[..., :n, n:]


_LinalgMatrixExp = node_class("LinalgMatrixExpBackward0", _matrix_exp_grads)


@op()
def matrix_exp(A):
    """torch.matrix_exp / torch.linalg.matrix_exp: the exponential series of a square matrix."""
    _check_matrix(A, "linalg.matrix_exp")
    a = A._data
    res = _sla().expm(a) if a.size else a.copy()
    return _save(_LinalgMatrixExp, wrap(res, A._dtype), (A,), (A,))


@op()
@_out_arg
def matrix_power(input, n):
    """torch.matrix_power / torch.linalg.matrix_power: A^n by repeated squaring (n < 0 inverts first)."""
    shape = input._data.shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{shape[-2] if len(shape) > 1 else 1} by {shape[-1]} matrices")
    if not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:
        return (input * 0 + _eye_like(input.shape[-1], input)) if input._rg else \
            _eye_like(input.shape[-1], input).expand(input.shape).clone()
    base = inv(input) if n < 0 else input
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


# ---------------------------------------------------------------------- norms
@_out_arg
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over `dim` (all elements by default)."""
    if x._dtype._cat < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{D._LEGACY[x._dtype.name]}")
    if isinstance(ord, (str, complex)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    x = _abs(x) if x._dtype._cat == 3 else x
    if ord < 0 and x.numel() == 0 or (ord == float("inf") and x.numel() == 0 and dim is None):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           f"operation does not have an identity")
    return FUNCTIONS["norm"](x, ord, dim, keepdim)


def _matrix_dims(A, dim, name):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    d = tuple(A._wrap_dim(i) for i in dim)
    if len(d) != 2 or d[0] == d[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d


@_out_arg
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """torch.linalg.matrix_norm: 'fro', 'nuc', and the induced norms 1, -1, 2, -2, inf, -inf over two dims."""
    _check_float(A, "linalg.matrix_norm")
    d0, d1 = _matrix_dims(A, dim, "linalg.matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            r = r.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
        return r
    inf = float("inf")
    if ord not in (1, -1, inf, -inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in (inf, -inf):
        d0, d1 = d1, d0
    r = _abs(A).sum(d0, keepdim=True)
    r = r.amax(d1, keepdim=True) if ord > 0 else r.amin(d1, keepdim=True)
    return r if keepdim else r.squeeze(max(d0, d1)).squeeze(min(d0, d1))


@_out_arg
def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm for an int dim (or a flattened input), a matrix norm for two dims."""
    if isinstance(ord, str):  # 'fro' and 'nuc' are matrix norms
        if dim is not None and (isinstance(dim, int) or len(dim) != 2):
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(map(str, dim if not isinstance(dim, int) else (dim,)))}")
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, dim if dim is not None else (-2, -1), keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


@_out_arg
def cond(A, p=None):
    """torch.linalg.cond: ||A|| ||A^-1|| in the norm p (the singular-value ratio for p = None, 2, -2)."""
    _check_matrix(A, "linalg.cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        return s.amax(-1) / s.amin(-1) if p != -2 else s.amin(-1) / s.amax(-1)
    Ainv, info = inv_ex(A)
    r = matrix_norm(A, p) * matrix_norm(Ainv, p)
    return r.masked_fill(info != 0, float("inf")) if info._data.any() else r


# ---------------------------------------------------------------------- products
@fused("LinalgCrossBackward0")
def linalg_cross(input, other, *, dim=-1):
    """torch.linalg.cross: the cross product along `dim` (default -1), inputs broadcast."""
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    d = dim + len(shape) if dim < 0 else dim
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    a = [input.select(d, i) for i in range(3)]
    b = [other.select(d, i) for i in range(3)]
    return FUNCTIONS["stack"]([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], d)


@_out_arg
def vecdot(x, y, *, dim=-1):
    """torch.linalg.vecdot: sum(conj(x) * y) over dim."""
    _check_float(x, "linalg.vecdot")
    return (x.conj() * y).sum(dim)


@_out_arg
def multi_dot(tensors):
    """torch.linalg.multi_dot: the product of a chain of matrices (first/last may be vectors)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [t.unsqueeze(0) if first and i == 0 else (t.unsqueeze(-1) if last and i == len(tensors) - 1 else t)
            for i, t in enumerate(tensors)]
    for i, t in enumerate(mats):
        if t.ndim != 2:
            what = "first" if i == 0 else ("last" if i == len(mats) - 1 else None)
            raise RuntimeError(f"multi_dot(): the {what} tensor must be 1D or 2D but got {tensors[i].ndim}D" if what
                               else f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    out_ = mats[0]
    for t in mats[1:]:
        out_ = out_.mm(t)
    if first:
        out_ = out_.squeeze(0)
    if last:
        out_ = out_.squeeze(-1)
    return out_


@op(method=False)
@_out_arg
def chain_matmul(*matrices):
    """torch.chain_matmul (deprecated): multi_dot of matrices."""
    _deprecated("chain_matmul", "torch.linalg.multi_dot([A, B, ...])")
    return matrices[0] if len(matrices) == 1 else multi_dot(matrices)


@_out_arg
def householder_product(A, tau):
    """torch.linalg.householder_product (torch.orgqr): the first n columns of H_1 ... H_k,
    H_i = I - tau_i v_i v_i^H with v_i = (0.., 1, A[i+1:, i])."""
    _check_float(A, "torch.linalg.householder_product")
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    if n > m:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if k > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    V = A.tril(-1) + FUNCTIONS["eye"](m, n, dtype=A.dtype)
    Q = FUNCTIONS["eye"](m, n, dtype=A.dtype).expand(*A.shape[:-2], m, n)
    for i in reversed(range(k)):  # apply H_k first: Q <- H_i Q
        v = V[..., :, i:i + 1]
        Q = Q - (tau[..., i:i + 1].unsqueeze(-1) * v) @ (v.mH @ Q)
    return Q


@op(name="orgqr")
def _orgqr(input, tau):
    return householder_product(input, tau)


# ---------------------------------------------------------------------- tensor inverse and solve
@_out_arg
def tensorinv(A, ind=2):
    """torch.linalg.tensorinv: the inverse of A viewed as a prod(shape[:ind]) x prod(shape[ind:]) matrix."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    left, right = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = int(np.prod(left)), int(np.prod(right))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]),"
                           f" but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(right + left)


@_out_arg
def tensorsolve(A, B, dims=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    rest = tuple(A.shape[B.ndim:])
    rows, cols = B.numel(), int(np.prod(rest))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(rest)


def vander(x, *, N=None):
    """torch.linalg.vander: columns x^0, x^1, ..., x^(N-1)."""
    N = (x.shape[-1] if x.ndim else 0) if N is None else N
    if N <= 0:
        raise RuntimeError("N must be greater than 1.")
    ones = FUNCTIONS["ones_like"](x).unsqueeze(-1)
    if N == 1:
        return ones
    return FUNCTIONS["cat"]([ones, x.unsqueeze(-1).expand(*x.shape, N - 1)], -1).cumprod(-1)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: torch.diagonal with the last two dims as default."""
    return A.diagonal(offset, dim1, dim2)


# ---------------------------------------------------------------------- LDL (symmetric indefinite)
@_out_arg
def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """torch.linalg.ldl_factor_ex: LAPACK's sytrf (lower) compact LD, pivots and info."""
    _check_matrix(A, "torch.linalg.ldl_factor_ex")
    mats = _matrices(A._data)
    ld, piv, info = np.empty_like(mats), np.empty(mats.shape[:2], np.int32), np.zeros(len(mats), np.int32)
    if mats.size:
        sytrf = _lapack("hetrf" if hermitian and A.dtype.is_complex else "sytrf", mats)
        for i, m in enumerate(mats):
            ldu, p, info[i] = sytrf(m, lower=1)
            ld[i], piv[i] = np.tril(ldu), p
    shape = A._data.shape
    if check_errors and info.any():
        i, k = _first_failure(info)
        raise LinAlgError(f"torch.linalg.ldl_factor_ex: {_batch_prefix(A._data, i)}The factorization could not be "
                          f"completed because the input is singular (D[{k},{k}] is zero).")
    return return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))(
        wrap(ld.reshape(shape), A._dtype), wrap(piv.reshape(shape[:-1]), D.int32),
        wrap(info.reshape(shape[:-2]), D.int32))


@_out_arg
def ldl_factor(A, *, hermitian=False):
    """torch.linalg.ldl_factor: (LD, pivots)."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    return return_type("linalg_ldl_factor", ("LD", "pivots"))(LD, piv)


@_out_arg
def ldl_solve(LD, pivots, B, *, hermitian=False):
    """torch.linalg.ldl_solve: X with A X = B from ldl_factor's LD and pivots (LAPACK's sytrs)."""
    _check_matrix(LD, "torch.linalg.ldl_solve")
    batch = np.broadcast_shapes(LD.shape[:-2], B.shape[:-2])
    ld = np.broadcast_to(LD._data, batch + LD.shape[-2:])
    pv = np.broadcast_to(pivots._data, batch + LD.shape[-1:])
    b = np.broadcast_to(B._data, batch + B.shape[-2:])
    x = np.empty(b.shape, b.dtype)
    if x.size:
        sytrs = _lapack("hetrs" if hermitian and LD.dtype.is_complex else "sytrs", ld)
        for i in np.ndindex(batch):
            x[i], _ = sytrs(ld[i], pv[i], b[i], lower=1)
    return wrap(x, B._dtype)


# ---------------------------------------------------------------------- PyTorch's older top-level names
_WARNED = set()


def _deprecated(name, advice):
    """A UserWarning, once per process as torch's, for the older top-level names torch deprecates."""
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(f"torch.{name} is deprecated in PyTorch; use {advice}", UserWarning, stacklevel=3)


@op()
@_out_arg
def inverse(input):
    """torch.inverse: linalg.inv."""
    return inv(input)


@op(name="svd")
@_out_arg
def _svd_old(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V (not Vh); some=False gives the full U and V; compute_uv=False zero U, V."""
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        shape = tuple(input.shape[:-2])
        U = FUNCTIONS["zeros"](*shape, m, m, dtype=input.dtype)
        Vh = FUNCTIONS["zeros"](*shape, n, n, dtype=input.dtype)
        S = S.detach()
    return return_type("svd", ("U", "S", "V"))(U, S, Vh.mH)


@op(name="qr")
@_out_arg
def _qr_old(input, some=True):
    """torch.qr: linalg.qr in mode 'reduced' (some=True) or 'complete'."""
    _deprecated("qr", "torch.linalg.qr(A, 'reduced' if some else 'complete')")
    Q, R = qr(input, "reduced" if some else "complete")
    return return_type("qr", ("Q", "R"))(Q, R)


@op(name="cholesky")
@_out_arg
def _cholesky_old(input, upper=False):
    """torch.cholesky (deprecated): linalg.cholesky."""
    _deprecated("cholesky", "torch.linalg.cholesky(A), or torch.linalg.cholesky(A).mH for upper=True")
    return cholesky(input, upper=upper)


@op()
@_out_arg
def cholesky_solve(input, input2, upper=False):
    """torch.cholesky_solve(B, L): X with A X = B where A = L L^T (or U^T U)."""
    L = input2.mH if upper else input2
    return solve_triangular(L.mH, solve_triangular(L, input, upper=False), upper=True)


@op()
@_out_arg
def cholesky_inverse(input, upper=False):
    """torch.cholesky_inverse(L): the inverse of L L^T (or U^T U)."""
    n = input.shape[-1]
    return cholesky_solve(_eye_like(n, input).expand(*input.shape), input, upper)


@op()
@_out_arg
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    """torch.triangular_solve(b, A): (solution, cloned_coefficient) with A X = b (or A^T X = b)."""
    _deprecated("triangular_solve", "torch.linalg.solve_triangular(A, B, upper=...) (arguments in another order)")
    M = A.mT if transpose else A
    X = solve_triangular(M, input, upper=upper != transpose, unitriangular=unitriangular)
    return return_type("triangular_solve", ("solution", "cloned_coefficient"))(X, A.clone())


@op(name="lu")
@_out_arg
def _lu_old(input, pivot=True, get_infos=False):
    """torch.lu: (LU, pivots[, infos]) as linalg.lu_factor_ex."""
    _deprecated("lu", "torch.linalg.lu_factor(A) or torch.linalg.lu_factor_ex(A) for the infos")
    LU, piv, info = lu_factor_ex(input, pivot=pivot)
    if get_infos:
        return return_type("_lu_with_info", ("LU", "pivots", "info"))(LU, piv, info)
    if info._data.any():
        _lu_factor_error(input._data, info._data)
    return LU, piv


@op(name="lu_solve")
@_out_arg
def _lu_solve_old(input, LU_data, LU_pivots):
    """torch.lu_solve(b, LU, pivots): linalg.lu_solve."""
    _deprecated("lu_solve", "torch.linalg.lu_solve(LU, pivots, B) (arguments in another order)")
    return lu_solve(LU_data, LU_pivots, input)


FUNCTIONS["lu_unpack"] = lu_unpack


@op()
def dist(input, other, p=2):
    """torch.dist: the p-norm of input - other."""
    return vector_norm(input - other, p)


@op(inplace=True)
def renorm(input, p, dim, maxnorm):
    """torch.renorm: each slice along `dim` rescaled so its p-norm is at most maxnorm."""
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = input._wrap_dim(dim)
    others = tuple(i for i in range(input.ndim) if i != d)
    input = input.clone()  # renorm_ overwrites the input, which the norm's gradient would still need
    norms = vector_norm(input, p, others, keepdim=True)
    scale = FUNCTIONS["where"](norms > maxnorm, maxnorm / (norms + 1e-7), FUNCTIONS["ones_like"](norms))
    return input * scale


@op()
@_out_arg
def geqrf(input):
    """torch.geqrf: LAPACK's compact QR (a, tau) (no gradient, as in torch)."""
    _check_matrix(input, "geqrf", square=False)
    mats = _matrices(input._data)
    k = min(input.shape[-2:])
    a, tau = np.empty_like(mats), np.zeros((len(mats), k), mats.dtype)
    if mats.size:
        fn = _lapack("geqrf", mats)
        for i, m in enumerate(mats):
            a[i], tau[i], _, _ = fn(m)
    return return_type("geqrf", ("a", "tau"))(wrap(a.reshape(input._data.shape), input._dtype),
                                               wrap(tau.reshape(input._data.shape[:-2] + (k,)), input._dtype))


@op()
@_out_arg
def ormqr(input, input2, input3, left=True, transpose=False):
    """torch.ormqr: multiply input3 by the Q of geqrf's (input, input2)."""
    m = input.shape[-2]
    pad = FUNCTIONS["zeros"](*input.shape[:-1], max(m - input.shape[-1], 0), dtype=input.dtype)
    full = FUNCTIONS["cat"]([input, pad], -1) if input.shape[-1] < m else input[..., :m]
    Q = householder_product(full, input2)
    Q = Q.mH if transpose else Q
    return Q @ input3 if left else input3 @ Q


# ---------------------------------------------------------------------- randomized low-rank SVD
def _approximate_basis(A, q, niter, M=None):
    """An orthonormal (m, q) basis of A's dominant column space: a Gaussian sketch of A's columns sharpened
    by `niter` rounds of subspace iteration (Halko, Martinsson & Tropp)."""
    def times(X):
        return A @ X if M is None else A @ X - M @ X

    def times_t(X):
        return A.mH @ X if M is None else A.mH @ X - M.mH @ X
    Q = qr(times(FUNCTIONS["randn"](*A.shape[:-2], A.shape[-1], q, dtype=A.dtype))).Q
    for _ in range(niter):
        Q = qr(times(qr(times_t(Q)).Q)).Q
    return Q


@op(method=False)
def svd_lowrank(A, q=6, niter=2, M=None):
    """torch.svd_lowrank: (U, S, V) of a rank-q approximation of A (or A - M) by randomized subspace iteration."""
    q = 6 if q is None else q
    if A.shape[-2] < A.shape[-1]:  # sketch the smaller side
        V, S, U = svd_lowrank(A.mH, q, niter, None if M is None else M.mH)
        return U, S, V
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH @ A if M is None else Q.mH @ A - Q.mH @ M
    U, S, Vh = svd(B, full_matrices=False)
    return Q @ U, S, Vh.mH


@op(method=False)
def pca_lowrank(A, q=None, center=True, niter=2):
    """torch.pca_lowrank: svd_lowrank of A with its column means removed (q defaults to min(6, m, n))."""
    m, n = A.shape[-2], A.shape[-1]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    return svd_lowrank(A - A.mean(-2, keepdim=True) if center else A, q, niter)
