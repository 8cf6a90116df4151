"""The tensor part of the seed exercise set (003), run in Ember and in PyTorch: same printed results."""
import numpy as np

import ember
import torch


def _exercises(lib, u_data, v_data):
    out = {}
    out["1 list to tensor"] = repr(lib.tensor([[5, 3], [0, 9]]))
    t = lib.rand(5, 4)
    out["2 rand shape"] = repr(t.shape)
    out["3 device and dtype"] = (repr(t.device), repr(t.dtype), str(t.device))
    u, v = lib.tensor(u_data), lib.tensor(v_data)
    out["4 cat"] = repr(lib.cat((u, v)))
    out["4 cat shape"] = repr(lib.cat((u, v), dim=0).shape)
    out["5 stack"] = repr(lib.stack((u, v)))
    out["5 stack shape"] = repr(lib.stack((u, v)).shape)
    w = lib.stack((u, v), dim=2)
    out["6 stack dim 2"] = (repr(w.shape), repr(w))
    e = w[3, 3, 0]
    out["7 index"] = (repr(e), e.item(), repr(e.shape))
    out["8 found in u"] = (bool(e == u[3, 3]), bool(w[3, 3, 1] == v[3, 3]), bool((w[..., 0] == u).all()))
    a = lib.ones(4, 3)
    out["9 a * a"] = repr(a * a)
    out["10 unsqueeze"] = (repr(a.unsqueeze(0)), repr(a.unsqueeze(0).shape))
    out["11 a @ a.T"] = (repr(a @ a.T), repr(a.matmul(a.t())))
    out["12 a.mul(a)"] = repr(a.mul(a))
    return out


def test_exercise_set_tensor_part():
    rng = np.random.default_rng(3)
    u_data, v_data = rng.random((4, 4)).tolist(), rng.random((4, 4)).tolist()
    got, want = _exercises(ember, u_data, v_data), _exercises(torch, u_data, v_data)
    for key in want:
        assert got[key] == want[key], key


def test_rand_is_uniform_on_unit_interval():
    t = ember.rand(5, 4)
    assert t.shape == (5, 4) and t.dtype == ember.float32 and t.device == ember.device("cpu")
    assert ((t >= 0) & (t < 1)).all()
