"""repr and str of tensors (through Tensor.__repr__), sizes, dtypes, devices and named results."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.tensor.conftest import both, values

INF, NAN = math.inf, math.nan
DATA = [
    [[5, 3], [0, 9]],
    [1.0, 2.0, 3.5],
    [1e-5, 1.0, 1e5],
    [1e10, -2.5e-3],
    [123456789.0, 1.0],
    [0.1, 0.25, -0.001],
    [NAN, INF, -INF, 1.5],
    [NAN, 2.0],
    [True, False],
    [[1, -2], [300000, 4]],
    3.5,
    -7,
    True,
    [],
    [[]],
    [[1.0, 2.0], [3.0, 4.0]],
    [1e-10, 1e-12],
    [0.0, -0.0],
    [100.0, 200.0],
    [[1 + 2j, -3.5j]],
]


@pytest.mark.parametrize("dtype", [None, "float64", "float16", "bfloat16", "int32", "uint8", "int8", "int16",
                                   "bool", "complex64"])
@pytest.mark.parametrize("data", DATA, ids=repr)
def test_repr_matches_torch(data, dtype):
    try:
        t = torch.tensor(data) if dtype is None else torch.tensor(data, dtype=getattr(torch, dtype))
    except (RuntimeError, TypeError, ValueError) as error:  # torch refuses (complex data to a real dtype): so must Ember
        with pytest.raises(type(error)):
            ember.tensor(data, dtype=getattr(ember, dtype))
        return
    e = ember.tensor(data) if dtype is None else ember.tensor(data, dtype=getattr(ember, dtype))
    assert repr(e) == repr(t)
    assert str(e) == str(t)


@pytest.mark.parametrize("shape", [(1001,), (40, 40), (3, 1000), (2, 3, 400), (0, 3), (2, 0, 4), (1, 1, 1)])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float64"])
def test_large_and_empty_tensors(shape, dtype):
    e, t = both(values(shape, dtype, "wide"), dtype)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    lambda lib: lib.tensor(2.5, requires_grad=True),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) + 1,
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).sum(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).mean(),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).exp(),
    lambda lib: lib.tensor([[1.0, 2.0]], requires_grad=True).t(),
    lambda lib: lib.tensor([[1.0, 2.0]], requires_grad=True).view(2),
    lambda lib: lib.tensor([[1.0, 2.0]], requires_grad=True)[0],
    lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True) * 3,
    lambda lib: lib.ones(2, 2, requires_grad=True) @ lib.ones(2, 2),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).detach(),
])
def test_autograd_suffixes(make):
    assert repr(make(ember)) == repr(make(torch))


def test_printoptions_round_trip():
    data = [1.123456789, 2e-6, 3.0]
    for kwargs in ({"precision": 2}, {"sci_mode": True}, {"sci_mode": False}, {"linewidth": 20},
                   {"profile": "full"}, {"threshold": 3, "edgeitems": 1}):
        ember.set_printoptions(**kwargs)
        torch.set_printoptions(**kwargs)
        try:
            assert repr(ember.tensor(data)) == repr(torch.tensor(data))
            assert repr(ember.arange(10.)) == repr(torch.arange(10.))
        finally:
            ember.set_printoptions(profile="default")
            torch.set_printoptions(profile="default")


@pytest.mark.parametrize("make", [
    lambda lib: lib.Size([2, 3]), lambda lib: lib.Size([]), lambda lib: lib.ones(2, 3).shape,
    lambda lib: lib.ones(2, 3).size(), lambda lib: lib.ones(4).shape[1:], lambda lib: lib.float32,
    lambda lib: lib.int64, lambda lib: lib.bool, lambda lib: lib.device("cpu"), lambda lib: lib.device("cuda", 1),
    lambda lib: lib.device("cuda:0"), lambda lib: lib.ones(2).device, lambda lib: lib.ones(2).dtype,
    lambda lib: lib.max(lib.tensor([[1, 5], [7, 2]]), 1), lambda lib: lib.sort(lib.tensor([3., 1.])),
    lambda lib: lib.tensor([[1., 2.], [3., 4.]]).min(0, keepdim=True), lambda lib: lib.topk(lib.tensor([1, 3, 2]), 2),
    lambda lib: lib.tensor([1, 1, 2]).mode(), lambda lib: lib.median(lib.tensor([[1., 3.]]), 1),
    lambda lib: lib.kthvalue(lib.tensor([1, 3, 2]), 2), lambda lib: lib.tensor([3, 1]).aminmax(),
    lambda lib: lib.cummax(lib.tensor([1, 3, 2]), 0), lambda lib: lib.ones(2).layout,
])
def test_other_reprs(make):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert str(e) == str(t)


def test_named_results_unpack_and_index():
    for lib in (ember, torch):
        r = lib.max(lib.tensor([[1, 5], [7, 2]]), 1)
        values_, indices = r
        assert r.values.tolist() == values_.tolist() == [5, 7]
        assert r.indices.tolist() == indices.tolist() == r[1].tolist() == [1, 0]
        assert type(r).__name__ == "max" and len(r) == 2
    assert ember.tensor([3, 1]).aminmax().min.item() == torch.tensor([3, 1]).aminmax().min.item()


def test_format_of_0d_tensors():
    for spec in ("", ".2f", ">8"):
        assert format(ember.tensor(2.5), spec) == format(torch.tensor(2.5), spec)
    assert f"{ember.tensor(3)}" == f"{torch.tensor(3)}"
    assert str(np.float32(ember.tensor(1.5))) == str(np.float32(torch.tensor(1.5)))
