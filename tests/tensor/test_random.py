"""Random ops: ember.manual_seed makes each reproducible, Generator objects give independent streams,
get/set_rng_state round-trip, and every op's shape, dtype and distribution agree with torch's.
(Ember's bit streams are its own, so values are compared between Ember runs, not with torch.)"""
import numpy as np
import pytest
import torch

import ember

# name -> call(lib, **generator_kwargs); each returns a tensor
OPS = {
    "rand": lambda L, **g: L.rand(3, 4, **g),
    "rand_f64": lambda L, **g: L.rand((2, 5), dtype=L.float64, **g),
    "rand_f16": lambda L, **g: L.rand(6, dtype=L.float16, **g),
    "randn": lambda L, **g: L.randn(3, 4, **g),
    "randn_f64": lambda L, **g: L.randn(2, 2, dtype=L.float64, **g),
    "randint": lambda L, **g: L.randint(0, 10, (3, 4), **g),
    "randint_high": lambda L, **g: L.randint(5, (7,), **g),
    "randint_float": lambda L, **g: L.randint(-3, 3, (4,), dtype=L.float32, **g),
    "randperm": lambda L, **g: L.randperm(10, **g),
    "randperm_f64": lambda L, **g: L.randperm(5, dtype=L.float64, **g),
    "normal_floats": lambda L, **g: L.normal(2.0, 3.0, (3, 3), **g),
    "normal_mean_tensor": lambda L, **g: L.normal(L.zeros(2, 3), 1.0, **g),
    "normal_std_tensor": lambda L, **g: L.normal(0.0, L.ones(4), **g),
    "normal_tensors": lambda L, **g: L.normal(L.zeros(3), L.ones(3), **g),
    "bernoulli": lambda L, **g: L.bernoulli(L.full((3, 4), 0.3), **g),
    "bernoulli_p": lambda L, **g: L.bernoulli(L.zeros(5), 0.7, **g),
    "bernoulli_f64": lambda L, **g: L.bernoulli(L.full((4,), 0.5, dtype=L.float64), **g),
    "multinomial": lambda L, **g: L.multinomial(L.tensor([0.1, 0.2, 0.7]), 2, **g),
    "multinomial_rows": lambda L, **g: L.multinomial(L.tensor([[1., 2., 3.], [3., 0., 1.]]), 5, replacement=True,
                                                     **g),
    "uniform_": lambda L, **g: L.empty(3, 3).uniform_(-2, 5, **g),
    "normal_": lambda L, **g: L.empty(4).normal_(1.0, 0.5, **g),
    "random_": lambda L, **g: L.empty(5, dtype=L.int64).random_(0, 7, **g),
    "random_to": lambda L, **g: L.empty(5).random_(4, **g),
    "bernoulli_": lambda L, **g: L.empty(6).bernoulli_(0.25, **g),
    "exponential_": lambda L, **g: L.empty(4).exponential_(2.0, **g),
    "rand_like": lambda L, **g: L.rand_like(L.ones(2, 2, dtype=L.float64)),
    "randn_like": lambda L, **g: L.randn_like(L.ones(3)),
    "randint_like": lambda L, **g: L.randint_like(L.ones(3, dtype=L.int32), 4),
}
NO_GENERATOR = {"rand_like", "randn_like", "randint_like"}


@pytest.mark.parametrize("name", list(OPS))
def test_shape_and_dtype_match_torch(name):
    e, t = OPS[name](ember), OPS[name](torch)
    assert repr(e.dtype) == repr(t.dtype) and tuple(e.shape) == tuple(t.shape)


@pytest.mark.parametrize("name", list(OPS))
def test_manual_seed_reproduces(name):
    ember.manual_seed(1234)
    a = OPS[name](ember).tolist()
    b = OPS[name](ember).tolist()
    ember.manual_seed(1234)
    assert OPS[name](ember).tolist() == a
    assert OPS[name](ember).tolist() == b
    if name not in ("bernoulli_p",):
        ember.manual_seed(99)
        c, d = OPS[name](ember).tolist(), OPS[name](ember).tolist()
        assert (c, d) != (a, b)


@pytest.mark.parametrize("name", sorted(set(OPS) - NO_GENERATOR))
def test_generator_streams_are_independent(name):
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    ember.manual_seed(0)
    first = OPS[name](ember, generator=g1).tolist()
    default_next = ember.rand(3).tolist()
    ember.manual_seed(0)
    assert OPS[name](ember, generator=g2).tolist() == first  # same seed, same stream
    assert ember.rand(3).tolist() == default_next  # the default generator was not touched


def test_rng_state_round_trip():
    ember.manual_seed(5)
    state = ember.get_rng_state()
    assert state.dtype == ember.uint8 and state.ndim == 1
    a = [ember.rand(4).tolist(), ember.randn(2).tolist(), ember.randint(0, 100, (3,)).tolist()]
    ember.set_rng_state(state)
    assert [ember.rand(4).tolist(), ember.randn(2).tolist(), ember.randint(0, 100, (3,)).tolist()] == a
    g = ember.Generator().manual_seed(3)
    s = g.get_state()
    x = ember.rand(5, generator=g).tolist()
    assert ember.rand(5, generator=g.set_state(s)).tolist() == x
    assert ember.rand(5, generator=g.clone_state() if hasattr(g, "clone_state") else g) is not None


def test_seed_bookkeeping():
    for lib in (ember, torch):
        lib.manual_seed(42)
        assert lib.initial_seed() == 42
        g = lib.Generator()
        assert g.initial_seed() == torch.Generator().initial_seed()
        assert g.manual_seed(11) is g and g.initial_seed() == 11
        assert repr(g.device) == "device(type='cpu')"
        s = lib.seed()
        assert lib.initial_seed() == s
    assert isinstance(ember.manual_seed(3), ember.Generator)


def test_distributions():
    ember.manual_seed(0)
    u = ember.rand(20000).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = ember.randn(20000, dtype=ember.float64).numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    r = ember.randint(-3, 4, (10000,)).numpy()
    assert set(np.unique(r)) == set(range(-3, 4))
    assert sorted(ember.randperm(50).tolist()) == list(range(50))
    b = ember.bernoulli(ember.full((20000,), 0.3)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.02
    m = ember.multinomial(ember.tensor([0.0, 1.0, 3.0]), 20000, replacement=True).numpy()
    assert set(np.unique(m)) == {1, 2} and abs((m == 2).mean() - 0.75) < 0.02
    w = ember.multinomial(ember.tensor([1.0, 1.0, 1.0, 1.0]), 4).tolist()
    assert sorted(w) == [0, 1, 2, 3]  # without replacement: each index once
    g = ember.normal(ember.full((20000,), 5.0), ember.full((20000,), 2.0)).numpy()
    assert abs(g.mean() - 5) < 0.1 and abs(g.std() - 2) < 0.1
    e = ember.empty(20000).exponential_(2.0).numpy()
    assert abs(e.mean() - 0.5) < 0.02 and e.min() >= 0
    x = ember.empty(20000).uniform_(-2, 5).numpy()
    assert -2 <= x.min() and x.max() < 5 and abs(x.mean() - 1.5) < 0.1


@pytest.mark.parametrize("call", [
    lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    lambda L: L.multinomial(L.tensor([-1.0, 2.0]), 1),
    lambda L: L.multinomial(L.tensor([1.0, 2.0]), 3),
    lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    lambda L: L.bernoulli(L.tensor([1.5])),
    lambda L: L.bernoulli(L.ones(3, dtype=L.int64)),
    lambda L: L.randint(5, 2, (3,)),
    lambda L: L.randperm(-1),
    lambda L: L.normal(0.0, -1.0, (2,)),
    lambda L: L.rand(2, dtype=L.int64),
    lambda L: L.Generator().manual_seed(2 ** 70),
])
def test_random_errors(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)):
        call(ember)
