"""Matrix products: matmul (mm, bmm, mv, dot), einsum, outer, addmm. Each backward is two products."""
import numpy as np

from .. import _dtype as D, _parallel
from .._tensor import Tensor
from ..autograd.graph import record
from ..autograd.grad_mode import state
from .registry import op, node_class, wrap, sum_to, shape_str, FUNCTIONS, holomorphic
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
    return _record2(_Mm, wrap(_parallel.matmul(a, b), input._dtype), input, mat2)


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
    if input._data.ndim == 1 and other._data.ndim == 1:
        return dot(input, other)
    out = input.reshape(-1, k).mm(other.reshape(-1, k).t())
    return out.reshape(input._data.shape[:-1] + other._data.shape[:-1])


@op()
def kron(input, other):
    """The Kronecker product: every element of input scales a whole copy of other."""
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


@op(aliases=("ger",))
def outer(input, vec2):
    return input.reshape(-1, 1) * vec2


_Matmul = node_class("UnsafeViewBackward0", holomorphic(lambda self, g: _matmul_grads(self, g)))


def _matmul_grads(self, g):
    a, b = self.saved
    (na, _), (nb, _) = self.next_functions
    ga = gb = None
    if na is not None:
        ga = sum_to(g.matmul(b.mT), a.shape)
    if nb is not None:
        gb = sum_to(a.mT.matmul(g), b.shape)
    return ga, gb


@op()
def matmul(input, other):
    """torch.matmul: dot, mv, mm or broadcast batched products by the inputs' dims."""
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
        return mm(input.unsqueeze(0), other).squeeze(0)
    if na == 2 and nb == 2:
        return mm(input, other)
    if nb <= 2 and na > 2:  # fold the batch into rows: one GEMM
        shape = input._data.shape
        if shape[-1] != other._data.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({int(np.prod(shape[:-1]))}x{shape[-1]} and "
                               f"{other._data.shape[0]}x{other._data.shape[-1]})")
        rows = input.reshape(-1, shape[-1])
        out = rows.mm(other) if nb == 2 else rows.mv(other)
        return unsafe_view(out, shape[:-1] + ((other._data.shape[-1],) if nb == 2 else ()))
    a = input if na > 1 else input.unsqueeze(0)
    b = other if nb > 1 else other.unsqueeze(1)
    if a._data.shape[-1] != b._data.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(b._data.shape[:-2]))}, {a._data.shape[-1]}] but got: "
                           f"[{int(np.prod(b._data.shape[:-2]))}, {b._data.shape[-2]}].")
    _check_dtypes(a, b, "matmul")
    try:
        res = wrap(np.matmul(a._data, b._data), a._dtype)
    except ValueError:
        raise RuntimeError(f"The size of tensor a must match the size of tensor b at non-singleton dimension") \
            from None
    res = _record2(_Matmul, res, a, b)
    if na == 1:
        res = res.squeeze(-2)
    if nb == 1:
        res = res.squeeze(-1)
    return res


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
def addmv(input, mat, vec, *, beta=1, alpha=1):
    return beta * input + alpha * mat.mv(vec)


@op(inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return beta * input + alpha * batch1.bmm(batch2)


@op(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return beta * input + alpha * batch1.bmm(batch2).sum(0)


@op(inplace=True)
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
    # reduce pairwise: result letters accumulate, summed letters vanish when no later term needs them
    cur, cur_t = _diag_letters(operands[0], terms[0])
    for k in range(1, len(terms)):
        nxt, nxt_t = _diag_letters(operands[k], terms[k])
        later = set(rhs) | set("".join(terms[k + 1:]))
        cur, cur_t = _contract(cur, cur_t, nxt, nxt_t, later)
    drop = [c for c in cur if c not in rhs]
    if drop:
        cur_t = cur_t.sum(tuple(cur.index(c) for c in drop))
        cur = "".join(c for c in cur if c not in drop)
    return cur_t.permute(*[cur.index(c) for c in rhs]) if cur != rhs else cur_t


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


def _contract(a, ta, b, tb, later):
    """One pairwise contraction as a batched matmul over (batch, free-a, free-b, summed) letters."""
    summed = [c for c in a if c in b and c not in later]
    batch = [c for c in a if c in b and c in later]
    fa = [c for c in a if c not in b]
    fb = [c for c in b if c not in a]
    # letters only in one operand and not needed later are summed out first
    for c in [c for c in fa if c not in later]:
        ta, a = ta.sum(a.index(c)), a.replace(c, "")
        fa.remove(c)
    for c in [c for c in fb if c not in later]:
        tb, b = tb.sum(b.index(c)), b.replace(c, "")
        fb.remove(c)
    ta = ta.permute(*[a.index(c) for c in batch + fa + summed])
    tb = tb.permute(*[b.index(c) for c in batch + summed + fb])
    sa, sb = ta.shape, tb.shape
    nb_, nfa, nfb = len(batch), len(fa), len(fb)
    bshape = tuple(max(x, y) for x, y in zip(sa[:nb_], sb[:nb_]))
    ta = ta.expand(*bshape, *sa[nb_:]) if bshape != tuple(sa[:nb_]) else ta
    tb = tb.expand(*bshape, *sb[nb_:]) if bshape != tuple(sb[:nb_]) else tb
    B = int(np.prod(bshape)) if bshape else 1
    m = int(np.prod(sa[nb_:nb_ + nfa])) if nfa else 1
    k = int(np.prod(sa[nb_ + nfa:])) if summed else 1
    n = int(np.prod(sb[nb_ + len(summed):])) if nfb else 1
    out = ta.reshape(B, m, k).bmm(tb.reshape(B, k, n))
    out = out.reshape(*bshape, *sa[nb_:nb_ + nfa], *sb[nb_ + len(summed):])
    return "".join(batch + fa + fb), out


def _einsum_numpy(eq, operands):
    if any(t.requires_grad for t in operands) and state.enabled:
        raise NotImplementedError("einsum with '...' and autograd is not implemented in Ember")
    return wrap(np.einsum(eq, *[t._data for t in operands]), operands[0].dtype)


@op(method=False)
def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    letters = "abcdefghijklmnopqrstuvwxyz"
    ta = list(letters[:a.ndim])
    tb = list(letters[a.ndim:a.ndim + b.ndim])
    for i, j in zip(da, db):
        tb[j] = ta[i]
    out = "".join(c for c in ta if c not in [ta[i] for i in da]) + "".join(c for k, c in enumerate(tb) if k not in db)
    return einsum("".join(ta) + "," + "".join(tb) + "->" + out, a, b)


@op(method=False)
def cdist(x1, x2, p=2.0):
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
    d = -1 if dim is None else dim
    a = [input.select(d, i) for i in range(3)]
    b = [other.select(d, i) for i in range(3)]
    return FUNCTIONS["stack"]([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], d)
