"""Containers against PyTorch: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict —
indexing, slicing, mutation, iteration, printing and the keys they give the state_dict."""
from collections import OrderedDict

import pytest
import torch

import ember


def layers(nn):
    return [nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh()]


def same(e, t):
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())


# each operation is applied to the container built in both frameworks, then printing and keys compared
SEQ_OPS = [
    ("init", lambda nn, s: s),
    ("ordered-dict", lambda nn, s: nn.Sequential(OrderedDict([("a", nn.Linear(1, 1)), ("b", nn.ReLU())]))),
    ("slice", lambda nn, s: s[1:]),
    ("slice-step", lambda nn, s: s[::2]),
    ("delete", lambda nn, s: (s.__delitem__(1), s)[1]),
    ("delete-slice", lambda nn, s: (s.__delitem__(slice(0, 2)), s)[1]),
    ("insert", lambda nn, s: s.insert(1, nn.Sigmoid())),
    ("insert-negative", lambda nn, s: s.insert(-1, nn.Sigmoid())),
    ("append-extend", lambda nn, s: s.append(nn.ELU()).extend([nn.ReLU(), nn.Identity()])),
    ("pop", lambda nn, s: (s.pop(0), s)[1]),
    ("setitem", lambda nn, s: (s.__setitem__(-1, nn.GELU()), s)[1]),
    ("add", lambda nn, s: s + nn.Sequential(nn.ReLU())),
    ("iadd", lambda nn, s: s.__iadd__(nn.Sequential(nn.ReLU()))),
    ("mul", lambda nn, s: nn.Sequential(nn.ReLU(), nn.Linear(1, 1)) * 2),
]


@pytest.mark.parametrize("op", [o[1] for o in SEQ_OPS], ids=[o[0] for o in SEQ_OPS])
def test_sequential_operations_match_torch(op):
    t = op(torch.nn, torch.nn.Sequential(*layers(torch.nn)))
    e = op(ember.nn, ember.nn.Sequential(*layers(ember.nn)))
    same(e, t)
    assert len(e) == len(t) and [type(m).__name__ for m in e] == [type(m).__name__ for m in t]


def test_sequential_indexing_and_forward():
    e = ember.nn.Sequential(*layers(ember.nn))
    assert isinstance(e[0], ember.nn.Linear) and isinstance(e[-1], ember.nn.Tanh)
    assert type(e[1:]) is ember.nn.Sequential and e[1:][0] is e[1]
    x = ember.ones(4, 1)
    assert e(x).tolist() == e[3](e[2](e[1](e[0](x)))).tolist()
    with pytest.raises(IndexError, match="index 4 is out of range"):
        e[4]
    with pytest.raises(IndexError, match="Index out of range: 9"):
        e.insert(9, ember.nn.ReLU())


MODULELIST_OPS = [
    ("init", lambda nn, m: m),
    ("repeated", lambda nn, m: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU()])),
    ("empty", lambda nn, m: nn.ModuleList()),
    ("slice", lambda nn, m: m[1:3]),
    ("append-extend-insert", lambda nn, m: (m.append(nn.ReLU()).extend([nn.Tanh()]), m.insert(0, nn.ELU()), m)[2]),
    ("delete", lambda nn, m: (m.__delitem__(0), m)[1]),
    ("pop", lambda nn, m: (m.pop(-1), m)[1]),
    ("setitem", lambda nn, m: (m.__setitem__(0, nn.Sigmoid()), m)[1]),
    ("iadd", lambda nn, m: m.__iadd__([nn.ReLU()])),
]


@pytest.mark.parametrize("op", [o[1] for o in MODULELIST_OPS], ids=[o[0] for o in MODULELIST_OPS])
def test_module_list_operations_match_torch(op):
    t = op(torch.nn, torch.nn.ModuleList(layers(torch.nn)))
    e = op(ember.nn, ember.nn.ModuleList(layers(ember.nn)))
    same(e, t)
    assert len(e) == len(t)


def test_module_dict_matches_torch():
    def build(nn):
        d = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
        d["c"] = nn.Tanh()
        d.update([("d", nn.Linear(2, 2))])
        del d["a"]
        return d
    t, e = build(torch.nn), build(ember.nn)
    same(e, t)
    assert list(e.keys()) == list(t.keys()) and len(e) == len(t) and "c" in e and "a" not in e
    assert [type(v).__name__ for v in e.values()] == [type(v).__name__ for v in t.values()]
    assert isinstance(e.pop("c"), ember.nn.Tanh) and list(e) == ["b", "d"]


def test_parameter_list_matches_torch():
    def build(nn, T):
        p = nn.ParameterList([nn.Parameter(T.ones(2, 3)), T.zeros(4, dtype=T.float64)])
        p.append(T.ones(1))
        p.extend([nn.Parameter(T.ones(2, 2))])
        return p
    t, e = build(torch.nn, torch), build(ember.nn, ember)
    same(e, t)
    assert all(isinstance(p, ember.nn.Parameter) for p in e) and len(e) == 4
    assert len(list(e.parameters())) == 4 and e[-1].shape == (2, 2)
    single_t, single_e = torch.nn.ParameterList([torch.ones(1)]), ember.nn.ParameterList([ember.ones(1)])
    assert repr(single_e) == repr(single_t)
    e[0] = ember.zeros(2, 3)
    assert isinstance(e[0], ember.nn.Parameter) and e[0].sum().item() == 0


def test_parameter_dict_matches_torch():
    def build(nn, T):
        d = nn.ParameterDict({"y": T.ones(2), "x": nn.Parameter(T.ones(2, 3))})
        d["z"] = T.zeros(1)
        d.update(OrderedDict([("w", T.ones(3))]))
        del d["y"]
        return d
    t, e = build(torch.nn, torch), build(ember.nn, ember)
    same(e, t)
    assert list(e.keys()) == list(t.keys()) and isinstance(e["z"], ember.nn.Parameter)
    assert e.get("missing") is None and "x" in e and len(e) == 3


def test_containers_register_for_the_parent():
    class Net(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = ember.nn.ModuleList([ember.nn.Linear(2, 2) for _ in range(2)])
            self.params = ember.nn.ParameterDict({"scale": ember.ones(1)})
    assert [n for n, _ in Net().named_parameters()] == \
        ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "params.scale"]
