"""torch.nn.parallel reachable as attributes; DataParallel on a machine without GPUs as torch's behaves."""
import numpy as np
import torch

import ember


def test_parallel_names_are_reachable():
    for name in ("DataParallel", "DistributedDataParallel", "data_parallel"):
        assert hasattr(torch.nn.parallel, name) and hasattr(ember.nn.parallel, name)
    assert ember.nn.DataParallel is ember.nn.parallel.DataParallel


def test_data_parallel_wraps_and_runs_the_module():
    x = np.ones((2, 3), np.float32)
    results = []
    for m in (torch, ember):
        m.manual_seed(0)
        inner = m.nn.Linear(3, 2)
        dp = m.nn.DataParallel(inner)
        inner.weight.data = m.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3))
        out = dp(m.from_numpy(x))
        out.sum().backward()
        results.append((repr(dp), list(dp.state_dict()), dp.module is inner, dp.device_ids, out.tolist(),
                        inner.weight.grad.tolist()))
    assert results[1][:4] == results[0][:4]
    np.testing.assert_allclose(results[1][5], results[0][5])
