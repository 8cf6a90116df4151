"""x[index] and x[index] = value, basic and advanced, against torch: values, shapes, dtypes, and
whether the result is a view of x."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.tensor.conftest import assert_same, both, values

# each index is built per library: L is ember or torch
INDICES = {
    "int": lambda L: 1,
    "neg_int": lambda L: -1,
    "ints": lambda L: (1, 2),
    "all_ints": lambda L: (1, 2, 3),
    "slice": lambda L: slice(1, 3),
    "slice_step": lambda L: (slice(None), slice(None, None, 2)),
    "slice_neg": lambda L: (slice(-2, None), slice(None, -1)),
    "slice_int": lambda L: (slice(None), 1),
    "ellipsis_int": lambda L: (Ellipsis, 1),
    "ellipsis_only": lambda L: Ellipsis,
    "none": lambda L: None,
    "none_int": lambda L: (None, 1),
    "int_none_step": lambda L: (1, None, slice(None, None, 2)),
    "step_ellipsis_none": lambda L: (slice(None, None, 2), Ellipsis, None),
    "empty_slice": lambda L: slice(2, 1),
    "list": lambda L: [0, 2],
    "neg_list": lambda L: [-1, 0],
    "two_lists": lambda L: ([0, 2], [1, 3]),
    "slice_list": lambda L: (slice(None), [0, 3]),
    "split_advanced": lambda L: ([0, 2], slice(None), [1, 4]),
    "broadcast_advanced": lambda L: (L.tensor([[0], [2]]), L.tensor([1, 3])),
    "tensor_2d": lambda L: L.tensor([[0, 1], [2, 2]]),
    "tensor_int32": lambda L: L.tensor([2, 0], dtype=L.int32),
    "tensor_0d": lambda L: L.tensor(1),
    "mask_dim0": lambda L: L.tensor([True, False, True]),
    "mask_2d": lambda L: L.arange(12).reshape(3, 4) % 3 == 0,
    "mask_full": lambda L: L.arange(60).reshape(3, 4, 5) % 7 == 0,
    "mask_int": lambda L: (L.tensor([False, True, True]), 1),
    "slice_mask": lambda L: (slice(None), L.tensor([True, False, False, True])),
    "ellipsis_list": lambda L: (Ellipsis, [1, 0]),
    "true": lambda L: True,
    "false": lambda L: False,
    "empty_list": lambda L: L.tensor([], dtype=L.int64),
    "list_of_bools": lambda L: [True, False, True],
    "uint8_mask": lambda L: L.tensor([1, 0, 1], dtype=L.uint8),
    "tensor_slice_bounds": lambda L: slice(L.tensor(1), L.tensor(3)),
}
BAD = {
    "float_index": lambda L: 1.5,
    "float_tensor": lambda L: L.tensor([0.5]),
    "out_of_range": lambda L: (0, 9),
    "too_many": lambda L: (0, 0, 0, 0),
    "mask_mismatch": lambda L: L.tensor([True, False]),
    "step_zero": lambda L: slice(None, None, 0),
    "negative_step": lambda L: slice(None, None, -1),
    "str": lambda L: "a",
}


def _pair(dtype="float32", layout="c"):
    e, t = both(values((3, 4, 5), dtype, "wide"), dtype)
    if layout == "t":
        e, t = e.transpose(0, 2).contiguous().transpose(0, 2), t.transpose(0, 2).contiguous().transpose(0, 2)
    return e, t


def _index(make, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation warning for uint8 masks
        return make(lib)


@pytest.mark.parametrize("layout", ["c", "t"])
@pytest.mark.parametrize("name", list(INDICES))
def test_getitem(name, layout):
    (e, t), make = _pair(layout=layout), INDICES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tv = t[make(torch)]
        ev = e[make(ember)]
    assert_same(ev, tv)
    t_view = tv.untyped_storage().data_ptr() == t.untyped_storage().data_ptr()
    e_view = ev.untyped_storage().data_ptr() == e.untyped_storage().data_ptr()
    assert e_view == t_view
    if t_view and tv.numel():  # (NumPy does not move the data pointer of an empty slice)
        assert ev.stride() == tv.stride() and ev.storage_offset() == tv.storage_offset()


@pytest.mark.parametrize("value", ["scalar", "int_scalar", "tensor", "broadcast", "other_dtype", "0d"])
@pytest.mark.parametrize("name", list(INDICES))
def test_setitem(name, value):
    (e, t), make = _pair(), INDICES[name]
    region = tuple(t[_index(make, torch)].shape)
    if value == "scalar":
        ve, vt = 0.5, 0.5
    elif value == "int_scalar":
        ve, vt = 7, 7
    elif value == "0d":
        ve, vt = both(np.array(-3.0, np.float32))
    else:
        shape = region if value != "broadcast" else region[-1:]
        dt = "int64" if value == "other_dtype" else "float32"
        ve, vt = both(values(shape, dt, "normal", 5), dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t[make(torch)] = vt
        except RuntimeError as exc:  # e.g. index_put's dtype check
            with pytest.raises(RuntimeError, match=str(exc).split(",")[0]):
                e[make(ember)] = ve
            return
        e[make(ember)] = ve
    assert_same(e, t)


@pytest.mark.parametrize("name", list(BAD))
def test_bad_indices_raise_like_torch(name):
    e, t = _pair()
    with pytest.raises(Exception) as expected:
        t[BAD[name](torch)]
    with pytest.raises(type(expected.value)):
        e[BAD[name](ember)]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
def test_index_put_(accumulate, dtype):
    (e, t) = _pair(dtype)
    idx_np = (np.array([0, 2, 0]), np.array([1, 1, 1]))
    ve, vt = both(values((3, 5), dtype, "normal", 3), dtype)
    e.index_put_(tuple(ember.tensor(i) for i in idx_np), ve, accumulate=accumulate)
    t.index_put_(tuple(torch.tensor(i) for i in idx_np), vt, accumulate=accumulate)
    if accumulate:  # repeated indices accumulate; without accumulate torch leaves the winner undefined
        assert_same(e, t)
    e2, t2 = _pair(dtype)
    out_e = ember.index_put(e2, (ember.tensor([1]),), ember.tensor(2.0, dtype=e2.dtype), accumulate=accumulate)
    out_t = torch.index_put(t2, (torch.tensor([1]),), torch.tensor(2.0, dtype=t2.dtype), accumulate=accumulate)
    assert_same(out_e, out_t)
    assert_same(e2, t2)  # the functional form leaves its input alone


def test_mask_assignment_and_selection_round_trip():
    for lib in (ember, torch):
        x = lib.arange(12.0).reshape(3, 4)
        m = x > 5
        x[m] = -x[m]
        x[~m] *= 2
        x[:, lib.tensor([0, 3])] += 100
        x[lib.tensor([True, False, True]), 1:3] = lib.tensor([7.0, 8.0])
        if lib is ember:
            got = x.tolist()
        else:
            assert got == x.tolist()
