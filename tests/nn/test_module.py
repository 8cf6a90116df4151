"""nn.Module and nn.Parameter against PyTorch: registration, traversal, state_dict, modes,
conversions, hooks, printing (the seed models character for character) and error messages."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import assert_close, copy_state, raises_like, to_ember


# ---------------------------------------------------------------------- models from the seeds, built for either nn
def pima_mlp(nn):
    return nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())


def mnist_mlp(nn):
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.fc1, self.fc2 = nn.Linear(784, 256), nn.Linear(256, 128)
            self.fc3, self.fc4, self.fc5 = nn.Linear(128, 64), nn.Linear(64, 32), nn.Linear(32, 10)

        def forward(self, x):
            x = self.flatten(x)
            for fc in (self.fc1, self.fc2, self.fc3, self.fc4):
                x = fc(x).sigmoid()
            return self.fc5(x)
    return MLP()


def nested(nn):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(6)
            self.ff = nn.Sequential(OrderedDict([("lin", nn.Linear(6, 6)), ("act", nn.GELU()),
                                                 ("drop", nn.Dropout(0.1))]))
            self.register_buffer("scale", torch.ones(1) if nn is torch.nn else ember.ones(1))
            self.register_buffer("cache", torch.zeros(2) if nn is torch.nn else ember.zeros(2), persistent=False)

        def forward(self, x):
            return x + self.ff(self.norm(x)) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 6, padding_idx=0)
            self.blocks = nn.ModuleList([Block() for _ in range(2)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(6, 3), "reg": nn.Linear(6, 1, bias=False)})
            self.bn = nn.BatchNorm1d(3)
            self.extra = nn.ParameterList([nn.Parameter(torch.ones(2) if nn is torch.nn else ember.ones(2))])

        def forward(self, idx):
            x = self.embed(idx).mean(1)
            for b in self.blocks:
                x = b(x)
            return self.bn(self.heads["cls"](x)), self.heads["reg"](x)
    return Net()


def convnet_mnist(nn):
    """The seed's MNIST ConvNet (needs the convolution layers)."""
    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.cn1 = nn.Conv2d(1, 16, 3, 1)
            self.cn2 = nn.Conv2d(16, 32, 3, 1)
            self.dp1 = nn.Dropout2d(0.10)
            self.dp2 = nn.Dropout2d(0.25)
            self.fc1 = nn.Linear(4608, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x):
            x = nn.functional.relu(self.cn1(x))
            x = nn.functional.relu(self.cn2(x))
            x = self.dp1(nn.functional.max_pool2d(x, 2))
            x = self.dp2(nn.functional.relu(self.fc1(x.flatten(1))))
            return nn.functional.log_softmax(self.fc2(x), dim=1)
    return ConvNet()


def cifar_cnn(nn):
    return nn.Sequential(nn.Conv2d(3, 32, 3, stride=1, padding=1), nn.ReLU(), nn.Dropout(0.3),
                         nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(8192, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))


MODELS = [pima_mlp, mnist_mlp, nested, convnet_mnist, cifar_cnn]
INPUTS = {pima_mlp: ((10, 8), "float"), mnist_mlp: ((4, 1, 28, 28), "float"), nested: ((4, 5), "index"),
          convnet_mnist: ((2, 1, 28, 28), "float"), cifar_cnn: ((2, 3, 32, 32), "float")}


@pytest.mark.parametrize("build", MODELS, ids=lambda f: f.__name__)
def test_print_model_matches_torch(build):
    assert repr(build(ember.nn)) == repr(build(torch.nn))
    assert str(build(ember.nn)) == str(build(torch.nn))


@pytest.mark.parametrize("build", MODELS, ids=lambda f: f.__name__)
def test_traversal_and_state_dict_keys_match_torch(build):
    t, e = build(torch.nn), build(ember.nn)
    assert list(e.state_dict()) == list(t.state_dict())
    assert list(e.state_dict()._metadata) == list(t.state_dict()._metadata)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [type(m).__name__ for m in e.modules()] == [type(m).__name__ for m in t.modules()]
    assert len(list(e.parameters(recurse=False))) == len(list(t.parameters(recurse=False)))
    assert all(isinstance(p, ember.nn.Parameter) and isinstance(p, ember.Tensor) for p in e.parameters())


@pytest.mark.parametrize("build", MODELS, ids=lambda f: f.__name__)
def test_model_forward_backward_with_copied_weights(build):
    t, e = build(torch.nn), build(ember.nn)
    copy_state(t, e)
    t.eval(), e.eval()
    rng = np.random.default_rng(1)
    shape, kind = INPUTS[build]
    x = rng.standard_normal(shape).astype(np.float32) if kind == "float" else rng.integers(0, 10, shape)
    t_out, e_out = t(torch.from_numpy(x)), e(ember.from_numpy(x.copy()))
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    e_out = e_out if isinstance(e_out, tuple) else (e_out,)
    for a, b in zip(e_out, t_out):
        assert_close(a, b)
    sum(o.sum() for o in t_out).backward()
    sum(o.sum() for o in e_out).backward()
    for (n, tp), (_, ep) in zip(t.named_parameters(), e.named_parameters()):
        if tp.grad is None:  # unused by forward
            assert ep.grad is None, n
        else:
            assert_close(ep.grad, tp.grad, what=n)


# ---------------------------------------------------------------------- Parameter
def test_parameter_repr_type_and_sharing():
    data = ember.tensor([1.0, 2.0])
    p = ember.nn.Parameter(data)
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert repr(ember.nn.Parameter(ember.ones(2, 3), requires_grad=False)) == \
        repr(torch.nn.Parameter(torch.ones(2, 3), requires_grad=False))
    assert repr(ember.nn.Parameter()) == repr(torch.nn.Parameter())
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    data[0] = 5.0  # a Parameter shares its data's memory
    assert p[0].item() == 5.0
    assert type(p * 2) is ember.Tensor and type(p.detach()) is ember.Tensor
    q = copy.deepcopy(p)
    assert type(q) is ember.nn.Parameter and q.requires_grad and q.tolist() == p.tolist()
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is ember.nn.Parameter and r.tolist() == p.tolist()


def test_buffer_marker_registers_a_buffer():
    t, e = torch.nn.Module(), ember.nn.Module()
    t.b = torch.nn.Buffer(torch.ones(2), persistent=False)
    e.b = ember.nn.Buffer(ember.ones(2), persistent=False)
    assert type(e.b) is ember.Tensor and isinstance(e.b, ember.nn.Buffer)
    assert list(e.named_buffers()) and list(e.state_dict()) == list(t.state_dict()) == []


# ---------------------------------------------------------------------- registration semantics
def _build_pair():
    return torch.nn.Linear(2, 3), ember.nn.Linear(2, 3)


@pytest.mark.parametrize("action", [
    lambda nn, m, T: setattr(m, "weight", T.ones(3, 2)),
    lambda nn, m, T: m.register_buffer("weight", T.ones(1)),
    lambda nn, m, T: m.register_parameter("a.b", None),
    lambda nn, m, T: m.register_parameter("", None),
    lambda nn, m, T: m.register_parameter("x", T.ones(1)),
    lambda nn, m, T: m.register_buffer("x", 3),
    lambda nn, m, T: m.add_module("x", 3),
    lambda nn, m, T: m.add_module("a.b", nn.ReLU()),
    lambda nn, m, T: m.foo,
    lambda nn, m, T: m.train("yes"),
    lambda nn, m, T: m.to(T.int64),
    lambda nn, m, T: m.load_state_dict([1]),
    lambda nn, m, T: m.get_submodule("a.b"),
    lambda nn, m, T: nn.Module()(1),
    lambda nn, m, T: nn.Sequential(nn.ReLU())[3],
    lambda nn, m, T: nn.ModuleList([nn.ReLU()])[-2],
    lambda nn, m, T: nn.Sequential(nn.Linear(1, 1)).get_submodule("0.weight"),
    lambda nn, m, T: nn.Module().register_parameter(1, None),
    lambda nn, m, T: nn.Linear(2, 2, foo=1),
])
def test_registration_errors_match_torch(action):
    tm, em = _build_pair()
    t_exc, e_exc = raises_like(lambda: action(torch.nn, tm, torch), lambda: action(ember.nn, em, ember))
    assert str(e_exc).startswith(str(t_exc))


def test_setattr_getattr_delattr_semantics():
    for nn, T in ((torch.nn, torch), (ember.nn, ember)):
        m = nn.Linear(2, 3)
        m.extra = nn.Parameter(T.ones(1))
        assert [n for n, _ in m.named_parameters()] == ["weight", "bias", "extra"]
        del m.extra
        assert not hasattr(m, "extra") and "extra" not in dict(m.named_parameters())
        m.register_buffer("buf", T.ones(2))
        m.buf = T.zeros(2)  # assigning a tensor to a buffer name replaces the buffer
        assert m._buffers["buf"].tolist() == [0.0, 0.0] and m.buf.tolist() == [0.0, 0.0]
        m.buf = None
        assert m.buf is None and "buf" not in m.state_dict()
        m.sub = nn.ReLU()
        assert m.sub is m._modules["sub"]
        m.sub = None
        assert m.sub is None and m._modules["sub"] is None
        m.bias = None
        assert m.bias is None and list(m.state_dict()) == ["weight"]
        m.plain = 3  # not a tensor, not a module: an ordinary attribute
        assert m.plain == 3 and "plain" not in m.state_dict()
        m.plain = nn.Parameter(T.ones(1))  # an ordinary attribute can become a parameter
        assert "plain" in dict(m.named_parameters())
        m._parameters["direct"] = nn.Parameter(T.ones(1))  # registries edited directly are seen
        assert m.direct is m._parameters["direct"]
        with pytest.raises(AttributeError):
            m.missing


def test_shared_parameters_are_listed_once():
    for nn in (torch.nn, ember.nn):
        lin = nn.Linear(2, 2)
        seq = nn.Sequential(lin, nn.ReLU(), lin)
        assert len(list(seq.parameters())) == 2
        assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == \
            ["0.weight", "0.bias", "2.weight", "2.bias"]
        assert len(list(seq.modules())) == 3


def test_get_submodule_parameter_buffer():
    e = nested(ember.nn)
    assert e.get_submodule("blocks.1.ff.lin") is e.blocks[1].ff.lin
    assert e.get_parameter("heads.cls.bias") is e.heads["cls"].bias
    assert e.get_buffer("bn.running_mean") is e.bn.running_mean
    with pytest.raises(AttributeError, match="is not a buffer"):
        e.get_buffer("heads.cls.bias")


# ---------------------------------------------------------------------- state_dict / load_state_dict
def test_state_dict_is_detached_and_shares_memory():
    m = ember.nn.Linear(2, 2)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict) and not sd["weight"].requires_grad
    sd["weight"][0, 0] = 7.0
    assert m.weight[0, 0].item() == 7.0
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert list(m.state_dict(prefix="model.")) == ["model.weight", "model.bias"]


def test_load_state_dict_copies_in_place_and_reports_all_matched():
    t, e = nested(torch.nn), nested(ember.nn)
    weight = e.heads["cls"].weight
    result = e.load_state_dict({k: to_ember(v) for k, v in t.state_dict().items()})
    assert repr(result) == repr(t.load_state_dict(t.state_dict())) == "<All keys matched successfully>"
    assert e.heads["cls"].weight is weight  # same Parameter object, new values
    for (n, tv), (_, ev) in zip(t.state_dict().items(), e.state_dict().items()):
        assert_close(ev, tv, what=n)


def _broken(sd):
    sd = OrderedDict(sd)
    del sd["fc.bias"]
    sd["extra"] = sd["b"]
    sd["fc.zzz"] = sd["b"]
    return sd


def _small(nn, T):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.register_buffer("b", T.ones(1))
    return Net()


def test_load_state_dict_strict_error_text_matches_torch():
    t, e = _small(torch.nn, torch), _small(ember.nn, ember)
    t_exc, e_exc = raises_like(lambda: t.load_state_dict(_broken(t.state_dict())),
                               lambda: e.load_state_dict(_broken(e.state_dict())))
    assert str(e_exc) == str(t_exc)
    assert str(e_exc).startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: ")


def test_load_state_dict_non_strict_returns_named_tuple():
    t, e = _small(torch.nn, torch), _small(ember.nn, ember)
    tr = t.load_state_dict(_broken(t.state_dict()), strict=False)
    er = e.load_state_dict(_broken(e.state_dict()), strict=False)
    assert repr(er) == repr(tr)
    assert er.missing_keys == tr.missing_keys == ["fc.bias"]
    assert er.unexpected_keys == tr.unexpected_keys and er._fields == tr._fields


def test_load_state_dict_size_mismatch_text_matches_torch():
    t, e = _small(torch.nn, torch), _small(ember.nn, ember)
    tsd, esd = t.state_dict(), e.state_dict()
    tsd["fc.weight"], esd["fc.weight"] = torch.ones(3, 2), ember.ones(3, 2)
    for strict in (True, False):  # a size mismatch raises even when not strict
        t_exc, e_exc = raises_like(lambda: t.load_state_dict(tsd, strict=strict),
                                   lambda: e.load_state_dict(esd, strict=strict))
        assert str(e_exc) == str(t_exc)


def test_load_state_dict_from_torch_weights_round_trip():
    t, e = pima_mlp(torch.nn), pima_mlp(ember.nn)
    copy_state(t, e)
    back = {k: torch.from_numpy(v.numpy().copy()) for k, v in e.state_dict().items()}
    t2 = pima_mlp(torch.nn)
    assert repr(t2.load_state_dict(back)) == "<All keys matched successfully>"
    for (n, a), (_, b) in zip(t.state_dict().items(), t2.state_dict().items()):
        assert torch.equal(a, b), n


def test_load_state_dict_assign_and_batchnorm_old_checkpoint():
    e = ember.nn.Linear(2, 2)
    new_w = ember.ones(2, 2)
    e.load_state_dict({"weight": new_w, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(e.weight, ember.nn.Parameter) and e.weight.requires_grad and e.weight.tolist() == [[1, 1]] * 2
    bn = ember.nn.BatchNorm1d(2)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}  # no _metadata: version < 2
    assert repr(bn.load_state_dict(sd)) == "<All keys matched successfully>"


# ---------------------------------------------------------------------- modes, conversions, bulk operations
def test_train_eval_reaches_every_module_and_dropout_obeys():
    m = ember.nn.Sequential(ember.nn.Linear(4, 4), ember.nn.Dropout(0.5), ember.nn.Sequential(ember.nn.Dropout()))
    assert m.eval() is m and not any(x.training for x in m.modules())
    x = ember.ones(8, 4)
    assert m(x).tolist() == m[0](x).tolist()  # dropout is the identity in eval
    m.train()
    assert all(x.training for x in m.modules())
    y = m[1](ember.ones(1000))
    assert set(np.unique(y.numpy())) <= {0.0, 2.0} and 0.4 < (y.numpy() == 0).mean() < 0.6


def test_to_dtype_float_double_keep_parameter_identity():
    m = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.BatchNorm1d(2))
    w = m[0].weight
    m(ember.randn(4, 2)).sum().backward()
    assert m.double() is m and m[0].weight is w
    assert w.dtype == ember.float64 and w.grad.dtype == ember.float64
    assert m[1].running_mean.dtype == ember.float64 and m[1].num_batches_tracked.dtype == ember.int64
    m.to(ember.float32)
    assert w.dtype == ember.float32 and m[1].running_var.dtype == ember.float32
    m.to("cpu")
    m.to(ember.zeros(1, dtype=ember.float64))
    assert w.dtype == ember.float64
    m.float()
    assert m(ember.randn(3, 2)).dtype == ember.float32


def test_zero_grad_apply_requires_grad():
    m = pima_mlp(ember.nn)
    m(ember.randn(3, 8)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    t_seen = []
    pima_mlp(torch.nn).apply(lambda mod: t_seen.append(type(mod).__name__))
    assert seen == t_seen
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert not m(ember.randn(2, 8)).requires_grad


def test_deepcopy_and_pickle_of_a_model():
    m = nested(ember.nn)
    c = copy.deepcopy(m)
    assert c.heads["cls"].weight is not m.heads["cls"].weight
    assert c.heads["cls"].weight is c.heads["cls"]._parameters["weight"]
    assert list(c.state_dict()) == list(m.state_dict())
    c.heads["cls"].weight = ember.nn.Parameter(ember.zeros(3, 6))
    assert c.heads["cls"]._parameters["weight"] is c.heads["cls"].weight
    assert m.heads["cls"].weight.abs().sum().item() > 0
    s = pima_mlp(ember.nn)
    p = pickle.loads(pickle.dumps(s))
    assert p[0].weight is p[0]._parameters["weight"] and p[0].weight.tolist() == s[0].weight.tolist()
    p[0].bias = None
    assert list(p.state_dict())[:2] == ["0.weight", "2.weight"] and s[0].bias is not None


# ---------------------------------------------------------------------- hooks
def _hooked_pair():
    """The same small model in both frameworks, with the same weights: ((torch.nn, torch, m), (ember...))."""
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    e = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2))
    copy_state(t, e)
    return (torch.nn, torch, t), (ember.nn, ember, e)


def test_forward_pre_and_forward_hooks_match_torch():
    results = []
    for nn, T, m in _hooked_pair():
        log = []
        h1 = m[0].register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m[2].register_forward_hook(lambda mod, args, out: out + 1)
        m[1].register_forward_hook(lambda mod, args, out: log.append(tuple(out.shape)))
        m.register_forward_pre_hook(lambda mod, args, kwargs: log.append(sorted(kwargs)), with_kwargs=True)
        x = T.ones(5, 3)
        a = m(x)
        h1.remove()
        h2.remove()
        b = m(x)
        results.append((a.detach().numpy().copy(), b.detach().numpy().copy(), log))
    (ta, tb, tlog), (ea, eb, elog) = results
    np.testing.assert_allclose(ea, ta, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eb, tb, rtol=1e-5, atol=1e-6)
    assert elog == tlog


def test_full_backward_hooks_match_torch():
    out = []
    for nn, T, m in _hooked_pair():
        seen = {}

        def hook(mod, grad_input, grad_output, seen=seen):
            seen["in"] = [None if g is None else g.detach().numpy().copy() for g in grad_input]
            seen["out"] = [g.detach().numpy().copy() for g in grad_output]
            return (grad_input[0] * 3,)

        def pre(mod, grad_output, seen=seen):
            seen["pre"] = grad_output[0].detach().numpy().copy()

        m[1].register_full_backward_hook(hook)
        m[1].register_full_backward_pre_hook(pre)
        m[0].register_full_backward_hook(lambda mod, gi, go, seen=seen: seen.setdefault("first", gi))
        x = T.ones(5, 3, requires_grad=True)
        m(x).sum().backward()
        out.append((seen, x.grad.numpy().copy(), m[0].weight.grad.numpy().copy()))
    (ts, tx, tw), (es, ex, ew) = out
    for key in ("out", "in"):
        for a, b in zip(es[key], ts[key]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(es["pre"], ts["pre"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex, tx, rtol=1e-5, atol=1e-6)  # the hook's returned grad_input was used
    np.testing.assert_allclose(ew, tw, rtol=1e-5, atol=1e-6)
    assert len(es["first"]) == len(ts["first"]) == 1


def test_backward_hook_when_no_input_requires_grad():
    for nn, T in ((torch.nn, torch), (ember.nn, ember)):
        m = nn.Linear(3, 2)
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, tuple(go[0].shape))))
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            m(T.ones(4, 3)).sum().backward()
        assert seen == [((None,), (4, 2))]


def test_hook_handle_as_context_manager():
    m = ember.nn.ReLU()
    with m.register_forward_hook(lambda mod, args, out: out * 0 - 1):
        assert m(ember.ones(2)).tolist() == [-1.0, -1.0]
    assert m(ember.ones(2)).tolist() == [1.0, 1.0]


# ---------------------------------------------------------------------- error context from Module.__call__
def test_linear_shape_error_names_shapes_and_module():
    t, e = pima_mlp(torch.nn), pima_mlp(ember.nn)
    t_exc, e_exc = raises_like(lambda: t(torch.ones(10, 7)), lambda: e(ember.ones(10, 7)))
    msg = str(e_exc)
    assert str(t_exc) in msg and "(10x7 and 8x12)" in msg
    assert "Sequential.0" in msg and "Linear(in_features=8, out_features=12, bias=True)" in msg


def test_error_context_names_the_place_in_a_custom_model():
    e = mnist_mlp(ember.nn)
    with pytest.raises(RuntimeError, match=r"\(7x784 and 256x128\)") as info:
        e.fc2(ember.ones(7, 784))
    assert "Linear(in_features=256, out_features=128, bias=True)" in str(info.value)
    with pytest.raises(RuntimeError) as info:
        e(ember.ones(7, 1, 28, 27))
    assert "MLP.fc1: Linear(in_features=784, out_features=256, bias=True)" in str(info.value)
    assert str(info.value).count("(in ") == 1  # annotated once, at the outermost module


def test_call_fast_path_keeps_exception_types():
    e = ember.nn.CrossEntropyLoss()
    with pytest.raises(IndexError, match="Target 10 is out of bounds."):
        e(ember.randn(4, 5), ember.tensor([0, 1, 2, 10]))


@pytest.mark.parametrize("build,shape,where", [
    (convnet_mnist, (2, 1, 30, 30), "ConvNet.fc1: Linear(in_features=4608, out_features=64, bias=True)"),
    (cifar_cnn, (2, 3, 28, 28), "Sequential.7: Linear(in_features=8192, out_features=512, bias=True)"),
])
def test_error_context_in_the_seed_cnns(build, shape, where):
    t, e = build(torch.nn), build(ember.nn)
    t_exc, e_exc = raises_like(lambda: t(torch.ones(*shape)), lambda: e(ember.ones(*shape)))
    assert str(e_exc).startswith(str(t_exc)) and str(e_exc).endswith(f"(in {where})")
