"""Storages, strides and views: every view op gives PyTorch's shape, stride(), storage_offset() and
is_contiguous(), shares its base's memory, and writes through it reach the base."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.tensor.conftest import assert_same

warnings.filterwarnings("ignore", "TypedStorage is deprecated")


def test_seed_chapter_points():
    """The book chapter's walk through storage, offset and stride."""
    libs = []
    for lib in (ember, torch):
        points = lib.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
        libs.append((repr(points.storage()), points.storage().tolist(), points[1].storage_offset(),
                     points.stride(), points.t().stride(), points.size(), float(points[0, 0]),
                     points.storage_offset(), points[1].storage().tolist(), points.t().is_contiguous()))
    assert libs[0] == libs[1]
    assert libs[0][2] == 2 and libs[0][3] == (2, 1) and libs[0][4] == (1, 2)


@pytest.mark.parametrize("data,dtype", [([1, 2], "int8"), ([], "int8"), ([True, False], "bool"),
                                        ([1.5, -2.0], "bfloat16"), ([1.5, 2.25], "float16"),
                                        ([1.5e10, 2.0], "float64"), ([3, -4], "int64"), ([7], "uint8")])
def test_storage_repr_and_contents(data, dtype):
    e = ember.tensor(data, dtype=getattr(ember, dtype))
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    es, ts = e.storage(), t.storage()
    assert repr(es) == repr(ts)
    assert (len(es), es.size(), es.element_size(), es.nbytes(), repr(es.dtype)) == \
           (len(ts), ts.size(), ts.element_size(), ts.nbytes(), repr(ts.dtype))
    assert es.tolist() == ts.tolist()
    eu, tu = e.untyped_storage(), t.untyped_storage()
    assert repr(eu) == repr(tu) and eu.nbytes() == tu.nbytes() and list(eu) == list(tu)


def _base(lib, layout):
    x = lib.arange(24, dtype=lib.float32).reshape(2, 3, 4)
    if layout == "t":  # the same values stored the other way round
        x = lib.arange(24, dtype=lib.float32).reshape(4, 3, 2).permute(2, 1, 0)
    if layout == "s":  # a strided slice of a bigger buffer
        x = lib.arange(96, dtype=lib.float32).reshape(4, 6, 4)[1:3, ::2]
    return x


# name -> a view of x written the same way in both libraries
VIEWS = {
    "view": lambda x: x.view(6, 4),
    "view_flat": lambda x: x.view(-1),
    "view_dtype": lambda x: x.view(x.dtype),
    "reshape": lambda x: x.reshape(4, 6),
    "reshape_keep": lambda x: x.reshape(2, 3, 4),
    "reshape_split": lambda x: x.reshape(2, 3, 2, 2),
    "getitem_int": lambda x: x[1],
    "getitem_slices": lambda x: x[:, 1:3],
    "getitem_step": lambda x: x[..., ::2],
    "getitem_none": lambda x: x[:, None, 1],
    "getitem_neg": lambda x: x[-1, -2:],
    "transpose": lambda x: x.transpose(0, 2),
    "swapaxes": lambda x: x.swapaxes(1, 2),
    "permute": lambda x: x.permute(2, 0, 1),
    "t": lambda x: x[0].t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "expand_new_dim": lambda x: x[0, 0].expand(3, 4),
    "squeeze": lambda x: x[:, :1].squeeze(),
    "squeeze_dim": lambda x: x[:, :1].squeeze(1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze_last": lambda x: x.unsqueeze(-1),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "select": lambda x: x.select(1, 2),
    "unfold": lambda x: x.unfold(2, 2, 1),
    "unfold_step": lambda x: x.unfold(1, 2, 1),
    "as_strided": lambda x: x.as_strided((2, 2), (1, 2), 1),
    "flatten": lambda x: x.flatten(),
    "flatten_partial": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "movedim": lambda x: x.movedim(0, 2),
    "diagonal": lambda x: x.diagonal(0, 1, 2),
    "diagonal_offset": lambda x: x.diagonal(1, 2, 1),
    "split": lambda x: x.split(2, 2)[1],
    "chunk": lambda x: x.chunk(3, 1)[2],
    "unbind": lambda x: x.unbind(1)[1],
    "view_as": lambda x: x.view_as(x),
    "contiguous": lambda x: x.contiguous(),
    "detach": lambda x: x.detach(),
}


@pytest.mark.parametrize("layout", ["c", "t", "s"])
@pytest.mark.parametrize("name", list(VIEWS))
def test_view_metadata_and_sharing(name, layout):
    fn = VIEWS[name]
    ex, tx = _base(ember, layout), _base(torch, layout)
    try:
        tv = fn(tx)
    except RuntimeError as exc:  # e.g. view() of a non-contiguous tensor
        with pytest.raises(RuntimeError) as info:
            fn(ex)
        assert str(exc).split(".")[0] in str(info.value)
        return
    ev = fn(ex)
    assert tuple(ev.shape) == tuple(tv.shape)
    assert ev.stride() == tv.stride()
    assert ev.storage_offset() == tv.storage_offset()
    assert ev.is_contiguous() == tv.is_contiguous()
    assert_same(ev, tv)
    shares_t = tv.untyped_storage().data_ptr() == tx.untyped_storage().data_ptr()
    shares_e = ev.untyped_storage().data_ptr() == ex.untyped_storage().data_ptr()
    assert shares_e == shares_t
    if shares_t:  # a view's data pointer is its storage's plus its offset
        assert ev.data_ptr() - ex.untyped_storage().data_ptr() == tv.data_ptr() - tx.untyped_storage().data_ptr()
    if name not in ("expand", "expand_new_dim", "as_strided", "unfold", "unfold_step"):  # no overlapping writes
        ev.mul_(-1) if name != "view_dtype" else ev.neg_()
        tv.mul_(-1) if name != "view_dtype" else tv.neg_()
        assert_same(ex, tx, where="base after writing through the view")
        assert ex._version == tx._version and ev._version == tv._version


@pytest.mark.parametrize("layout", ["c", "t", "s"])
@pytest.mark.parametrize("shape", [(24,), (4, 6), (2, 12), (3, 8), (6, -1)])
def test_reshape_is_a_view_exactly_when_torch_makes_one(layout, shape):
    ex, tx = _base(ember, layout), _base(torch, layout)
    try:
        tv = tx.view(shape)
        viewable = True
    except RuntimeError:
        viewable = False
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            ex.view(shape)
    er, tr = ex.reshape(shape), tx.reshape(shape)
    assert viewable == (tr.untyped_storage().data_ptr() == tx.untyped_storage().data_ptr())
    assert (er.untyped_storage().data_ptr() == ex.untyped_storage().data_ptr()) == viewable
    assert er.stride() == tr.stride() and er.storage_offset() == tr.storage_offset()
    if viewable:
        assert ex.view(shape).stride() == tv.stride()


@pytest.mark.parametrize("make", [
    lambda lib: lib.ones(3, 1).expand(3, 4),
    lambda lib: lib.ones(0, 3),
    lambda lib: lib.ones(1, 5)[:, ::2],
    lambda lib: lib.ones(5, 1).t(),
    lambda lib: lib.ones(2, 1, 3).transpose(0, 1),
    lambda lib: lib.ones(4, 4)[::2, ::2],
    lambda lib: lib.ones(4, 4)[:, :1],
    lambda lib: lib.tensor(3.0),
    lambda lib: lib.ones(3, 4, 5).permute(0, 2, 1).contiguous(),
])
def test_is_contiguous_corner_cases(make):
    e, t = make(ember), make(torch)
    assert (e.is_contiguous(), e.stride(), tuple(e.shape)) == (t.is_contiguous(), t.stride(), tuple(t.shape))
    assert e.contiguous().stride() == t.contiguous().stride()


def _write_through_views(lib):
    x = lib.zeros(3, 4)
    x[1].fill_(1)
    x[:, 2] = 2
    x.t()[3, 0] = 5
    x.view(-1)[0] = 7
    x.narrow(0, 2, 1).add_(10)
    x.diagonal().mul_(2)
    x.unsqueeze(0)[0, 0, 1] = -1
    x.unfold(1, 2, 2)[2, 1, 0] = 8
    x.as_strided((2,), (5,), 1).sub_(3)
    return x.tolist()


def test_writes_through_views_reach_the_base():
    assert _write_through_views(ember) == _write_through_views(torch)


def test_from_numpy_and_numpy_share_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.dtype == ember.float32 and t.stride() == (3, 1)
    a[0, 0] = 100
    assert t[0, 0].item() == 100
    t[1, 2] = -5
    assert a[1, 2] == -5
    n = t.numpy()
    n[0, 1] = 42
    assert t[0, 1].item() == 42 and a[0, 1] == 42
    assert np.shares_memory(t.numpy(), a) and t.data_ptr() == a.ctypes.data
    # a transposed array keeps its strides; views of the tensor are views of the array
    tt = ember.from_numpy(a.T)
    assert tt.stride() == torch.from_numpy(a.T).stride() and not tt.is_contiguous()
    tt[0, 1] = 9
    assert a[1, 0] == 9
    v = t[:, 1]
    assert np.shares_memory(v.numpy(), a) and v.storage_offset() == 1


@pytest.mark.parametrize("dtype", ["float64", "int32", "uint8", "bool", "int16", "float16", "int64", "int8"])
def test_from_numpy_dtypes(dtype):
    a = np.zeros((2, 2), dtype=dtype)
    assert repr(ember.from_numpy(a).dtype) == repr(torch.from_numpy(a).dtype)


def test_from_numpy_rejects_what_torch_rejects():
    for arr, exc in ((np.arange(4)[::-1], ValueError), (np.array(["a"]), TypeError), ([1, 2], TypeError)):
        with pytest.raises(exc):
            torch.from_numpy(arr)
        with pytest.raises(exc):
            ember.from_numpy(arr)


def test_untyped_storage_and_data_ptr_shared_between_views():
    for lib in (ember, torch):
        x = lib.arange(12, dtype=lib.float32).reshape(3, 4)
        views = [x[1], x[:, 2], x.t(), x.view(-1)[3:], x.unsqueeze(0), x.expand(2, 3, 4)]
        base_ptr = x.untyped_storage().data_ptr()
        assert all(v.untyped_storage().data_ptr() == base_ptr for v in views)
        assert [v.data_ptr() - x.data_ptr() for v in views] == [16, 8, 0, 12, 0, 0]
        assert x.clone().untyped_storage().data_ptr() != base_ptr
        assert x.untyped_storage().nbytes() == 48 and x[1:].untyped_storage().nbytes() == 48
        assert x.is_set_to(x) and not x.is_set_to(x[1:])


def test_version_counter_shared_by_views():
    results = []
    for lib in (ember, torch):
        x = lib.zeros(3)
        v = x[1:]
        x.add_(1)
        v.mul_(2)
        x[0] = 5
        results.append((x._version, v._version, x.clone()._version, x.tolist()))
    assert results[0] == results[1]


def _in_place_views(lib):
    x = lib.arange(6.).reshape(2, 3)
    x.t_()
    out = [(tuple(x.shape), x.stride())]
    x.unsqueeze_(0)
    out.append((tuple(x.shape), x.stride()))
    x.squeeze_()
    x.transpose_(0, 1)
    out.append((tuple(x.shape), x.stride(), x.tolist()))
    x.as_strided_((3,), (2,), 1)
    out.append((tuple(x.shape), x.stride(), x.storage_offset(), x.tolist()))
    return out


def test_in_place_view_ops_change_metadata():
    assert _in_place_views(ember) == _in_place_views(torch)


def _size_one_bases():
    """Shapes full of size-1 dims, taken from a bigger buffer and permuted, so that their strides are
    not the ones a fresh tensor would have."""
    rng = np.random.default_rng(0)
    out = []
    for _ in range(40):
        shape = tuple(int(s) for s in rng.choice([1, 2, 3], size=rng.integers(1, 4)))
        out.append((shape, tuple(int(p) for p in rng.permutation(len(shape)))))
    return out


@pytest.mark.parametrize("shape,perm", _size_one_bases())
def test_size_one_dims_keep_torchs_strides(shape, perm):
    def base(lib):
        return lib.arange(2.0 * np.prod(shape)).reshape(*shape, 2)[..., 0].permute(*perm)
    e, t = base(ember), base(torch)
    n = e.numel()
    ops = [lambda x, d=d: x.unsqueeze(d) for d in range(-e.dim() - 1, e.dim() + 1)]
    ops += [lambda x, d=d: x.squeeze(d) for d in range(e.dim())] + [lambda x: x.squeeze()]
    ops += [lambda x, s=s: x.reshape(s) for s in [(n,), (1, n), (n, 1), (1, n, 1), (-1, 1)]]
    ops += [lambda x: x.flatten(), lambda x: x.expand(2, *x.shape), lambda x: x[None], lambda x: x[..., None],
            lambda x: x[:, None] if x.dim() else x[None], lambda x: x.unsqueeze(0).unsqueeze(-1).transpose_(0, -1)]
    for op in ops:
        ev, tv = op(e), op(t)
        assert (ev.stride(), ev.storage_offset(), ev.shape) == (tv.stride(), tv.storage_offset(), tuple(tv.shape))
        try:
            tv = tv.view(1, -1)
        except RuntimeError:
            continue
        assert ev.view(1, -1).stride() == tv.stride()
