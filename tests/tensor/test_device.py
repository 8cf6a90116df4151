"""Devices: ember.device, the honest accelerator answers, and moving tensors with to()/cpu()."""
import pytest
import torch

import ember


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("mps",), ("meta",), ("cpu", 0),
                                  ("xla",)])
def test_device_objects(args):
    e, t = ember.device(*args), torch.device(*args)
    assert (repr(e), str(e), e.type, e.index) == (repr(t), str(t), t.type, t.index)
    assert e == ember.device(*args) and hash(e) == hash(ember.device(*args))
    assert (e == str(t)) == (t == str(t))


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cpu:-1", "", 0])
def test_bad_device_strings(bad):
    with pytest.raises(Exception) as expected:
        torch.device(bad)
    with pytest.raises(type(expected.value)):
        ember.device(bad)


def test_accelerators_answer_honestly():
    assert ember.cuda.is_available() is torch.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    assert ember.backends.mps.is_available() is torch.backends.mps.is_available()
    assert ember.backends.mps.is_built() is False
    dev = ember.device("cuda:0" if ember.cuda.is_available() else "cpu")
    assert dev == ember.device("cpu")


@pytest.mark.parametrize("move", [
    lambda x, L: x.to("cpu"), lambda x, L: x.to(L.device("cpu")), lambda x, L: x.cpu(),
    lambda x, L: x.to(device="cpu"), lambda x, L: x.to("cpu", L.float32), lambda x, L: x.to(x),
    lambda x, L: x.to(L.float32), lambda x, L: x.type(L.float32),
])
def test_moving_to_the_cpu_is_free(move):
    for lib in (ember, torch):
        x = lib.ones(2, 3)
        y = move(x, lib)
        assert y is x and y.device == lib.device("cpu")


@pytest.mark.parametrize("move", [
    lambda x, L: x.to("cpu", L.float64), lambda x, L: x.to("cpu", copy=True), lambda x, L: x.to(L.int32),
    lambda x, L: x.double(), lambda x, L: x.to(L.ones(1, dtype=L.int8)), lambda x, L: x.to(dtype=L.float16),
])
def test_conversions_copy(move):
    xs = [lib.arange(6.0).reshape(2, 3) for lib in (ember, torch)]
    ys = [move(x, lib) for x, lib in zip(xs, (ember, torch))]
    assert ys[0] is not xs[0] and repr(ys[0].dtype) == repr(ys[1].dtype)
    assert ys[0].tolist() == ys[1].tolist()
    ys[0].zero_()
    assert xs[0].sum().item() == 15


@pytest.mark.parametrize("device", [None, "cpu", "cpu:0"])
def test_creation_with_device(device):
    dev = ember.device(device) if device else None
    for make in (lambda: ember.zeros(2, device=device), lambda: ember.tensor([1.0], device=device),
                 lambda: ember.ones(2, device=dev), lambda: ember.arange(3, device=device),
                 lambda: ember.rand(2, device=device), lambda: ember.full((2,), 1.0, device=device),
                 lambda: ember.eye(2, device=device), lambda: ember.empty(1, device=device)):
        t = make()
        assert t.device == ember.device("cpu") and t.is_cuda is False and t.get_device() == -1


@pytest.mark.parametrize("call", [
    lambda L: L.ones(2).to("cuda"), lambda L: L.ones(2).cuda(), lambda L: L.zeros(2, device="cuda"),
    lambda L: L.ones(2).to("mps"), lambda L: L.tensor([1.0], device="cuda:0"),
])
def test_no_accelerator_raises_like_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(ember)
    assert str(got.value).split("\n")[0] == str(expected.value).split("\n")[0]
