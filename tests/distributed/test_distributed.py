"""ember.distributed over MPI: collectives, DistributedDataParallel and the launcher, with 2 real ranks."""
import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import DistributedSampler


def launch(tmp_path, body, nproc=2, timeout=120, options=()):
    """Run `body` (a PyTorch program) on `nproc` ranks with `ember launch`; return the process."""
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(body))
    return subprocess.run([sys.executable, "-m", "ember", "launch", "--nproc-per-node", str(nproc), *options,
                           str(script), str(tmp_path)], capture_output=True, text=True, timeout=timeout)


def rank_results(tmp_path, nproc=2):
    return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(nproc)]


def test_collectives_on_two_ranks(tmp_path):
    p = launch(tmp_path, """
        import json, os, sys
        import torch
        import torch.distributed as dist
        dist.init_process_group("gloo")
        r, n = dist.get_rank(), dist.get_world_size()
        out = {"rank": r, "size": n, "env": [os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["LOCAL_RANK"]]}
        for name in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
            t = torch.tensor([1.0, 2.0, 3.0]) * (r + 2)
            dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
            out[name] = t.tolist()
        b = torch.arange(4) * (r + 1)
        dist.broadcast(b, src=1)
        out["broadcast"] = b.tolist()
        parts = [torch.zeros(2) for _ in range(n)]
        dist.all_gather(parts, torch.full((2,), float(r)))
        out["all_gather"] = [x.tolist() for x in parts]
        red = torch.tensor([float(r + 1)])
        dist.reduce(red, dst=0)
        out["reduce"] = red.tolist()
        dist.barrier()
        json.dump(out, open(os.path.join(sys.argv[1], f"rank{r}.json"), "w"))
        dist.destroy_process_group()
    """)
    assert p.returncode == 0, p.stderr
    res = rank_results(tmp_path)
    a, b = np.array([1.0, 2.0, 3.0]) * 2, np.array([1.0, 2.0, 3.0]) * 3
    for r, out in enumerate(res):
        assert (out["rank"], out["size"]) == (r, 2)
        assert out["env"] == [str(r), "2", str(r)]
        np.testing.assert_allclose(out["SUM"], a + b)
        np.testing.assert_allclose(out["AVG"], (a + b) / 2)
        np.testing.assert_allclose(out["MAX"], np.maximum(a, b))
        np.testing.assert_allclose(out["MIN"], np.minimum(a, b))
        np.testing.assert_allclose(out["PRODUCT"], a * b)
        assert out["broadcast"] == [0, 2, 4, 6]
        assert out["all_gather"] == [[0.0, 0.0], [1.0, 1.0]]
    assert res[0]["reduce"] == [3.0] and res[1]["reduce"] == [2.0]


CONVNET = """
    import torch, torch.nn as nn, torch.nn.functional as F
    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.cn1 = nn.Conv2d(1, 16, 3, 1); self.cn2 = nn.Conv2d(16, 32, 3, 1)
            self.dp1 = nn.Dropout2d(0.10); self.dp2 = nn.Dropout2d(0.25)
            self.fc1 = nn.Linear(4608, 64); self.fc2 = nn.Linear(64, 10)
        def forward(self, x):
            x = F.relu(self.cn1(x)); x = F.relu(self.cn2(x)); x = F.max_pool2d(x, 2); x = self.dp1(x)
            x = torch.flatten(x, 1); x = F.relu(self.fc1(x)); x = self.dp2(x)
            return F.log_softmax(self.fc2(x), dim=1)
"""


def test_ddp_convnet_equals_one_process_on_the_whole_batch(tmp_path):
    """20 Adadelta steps of the seed ConvNet: both ranks end identical, and equal to one process that
    sees both ranks' batches at once (dropout off: eval mode, so the two runs draw nothing at random)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2, 8, 1, 28, 28)).astype(np.float32)  # step, rank, batch
    Y = rng.integers(0, 10, (20, 2, 8))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    p = launch(tmp_path, CONVNET + """
    import json, os, sys
    import numpy as np
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    out = sys.argv[1]
    dist.init_process_group("mpi")
    r = dist.get_rank()
    torch.manual_seed(100 + r)  # different initial weights: DDP must broadcast rank 0's
    model = DDP(ConvNet()); model.eval()
    opt = torch.optim.Adadelta(model.parameters(), lr=0.5)
    X, Y = np.load(os.path.join(out, "X.npy")), np.load(os.path.join(out, "Y.npy"))
    if r == 0:
        torch.save(model.module.state_dict(), os.path.join(out, "init.pt"))
    for s in range(20):
        opt.zero_grad()
        loss = F.nll_loss(model(torch.from_numpy(X[s, r])), torch.from_numpy(Y[s, r]))
        loss.backward(); opt.step()
    np.savez(os.path.join(out, f"params{r}.npz"), **{k: v.numpy() for k, v in model.module.state_dict().items()})
    json.dump({"rank": r}, open(os.path.join(out, f"rank{r}.json"), "w"))
    """, timeout=300)
    assert p.returncode == 0, p.stderr
    p0, p1 = np.load(tmp_path / "params0.npz"), np.load(tmp_path / "params1.npz")
    for k in p0.files:
        np.testing.assert_array_equal(p0[k], p1[k], err_msg=k)
    # one process, the concatenated batches, the same initial weights
    ns = {"torch": ember, "nn": ember.nn, "F": ember.nn.functional}
    exec(textwrap.dedent(CONVNET).split("\n", 2)[2], ns)  # the class, without its torch import line
    model = ns["ConvNet"]()
    model.load_state_dict(ember.load(tmp_path / "init.pt"))
    model.eval()
    opt = ember.optim.Adadelta(model.parameters(), lr=0.5)
    F = ember.nn.functional
    for s in range(20):
        opt.zero_grad()
        loss = F.nll_loss(model(ember.from_numpy(X[s].reshape(16, 1, 28, 28))), ember.from_numpy(Y[s].reshape(16)))
        loss.backward(); opt.step()
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), p0[k], rtol=1e-4, atol=1e-5, err_msg=k)


def test_no_sync_accumulates_then_averages(tmp_path):
    p = launch(tmp_path, """
    import json, os, sys
    import torch, torch.nn as nn, torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group("mpi"); r = dist.get_rank()
    model = DDP(nn.Linear(3, 1, bias=False))
    with torch.no_grad():
        model.module.weight.fill_(1.0)
    x = torch.full((1, 3), float(r + 1))
    with model.no_sync():
        model(x).sum().backward()
    local = model.module.weight.grad.tolist()
    model(x).sum().backward()
    json.dump({"local": local, "synced": model.module.weight.grad.tolist()}, open(os.path.join(sys.argv[1], f"rank{r}.json"), "w"))
    """)
    assert p.returncode == 0, p.stderr
    r0, r1 = rank_results(tmp_path)
    assert r0["local"] == [[1.0, 1.0, 1.0]] and r1["local"] == [[2.0, 2.0, 2.0]]
    assert r0["synced"] == r1["synced"] == [[3.0, 3.0, 3.0]]  # mean of (2 x 1, 2 x 2)


def test_a_rank_that_raises_ends_the_job_with_its_error(tmp_path):
    start = time.monotonic()
    p = launch(tmp_path, """
    import torch, torch.distributed as dist
    dist.init_process_group("mpi")
    if dist.get_rank() == 1:
        raise ValueError("rank one failed on purpose")
    dist.barrier()  # rank 0 would wait here forever without the abort
    """, timeout=90)
    assert p.returncode != 0
    assert "rank one failed on purpose" in p.stderr + p.stdout
    assert time.monotonic() - start < 90
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path / "prog.py")], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_hostfile_places_the_ranks_and_they_share_the_cores(tmp_path):
    (tmp_path / "hosts").write_text("localhost:2\n")
    p = launch(tmp_path, """
    import json, os, socket, sys, torch, torch.distributed as dist
    dist.init_process_group("mpi")
    t = torch.tensor([float(dist.get_rank() + 1)])
    dist.all_reduce(t)
    out = {"world": dist.get_world_size(), "sum": t.item(), "threads": torch.get_num_threads(),
           "local_rank": int(os.environ["LOCAL_RANK"])}
    with open(os.path.join(sys.argv[1], f"rank{dist.get_rank()}.json"), "w") as f:
        json.dump(out, f)
    dist.destroy_process_group()
    """, options=["--hostfile", str(tmp_path / "hosts")])
    assert p.returncode == 0, p.stderr
    r0, r1 = rank_results(tmp_path)
    assert r0["world"] == r1["world"] == 2 and r0["sum"] == r1["sum"] == 3.0
    assert sorted([r0["local_rank"], r1["local_rank"]]) == [0, 1]
    expected_threads = max(1, (os.cpu_count() or 1) // 2)  # torchrun's rule: ranks on a machine split its cores
    assert r0["threads"] == r1["threads"] == expected_threads


@pytest.mark.parametrize("n", [10, 11, 13, 3])
@pytest.mark.parametrize("replicas", [2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shards_as_torch(n, replicas, drop_last):
    data = list(range(n))
    for r in range(replicas):
        ours = DistributedSampler(data, replicas, r, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(data, replicas, r, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)
    # shuffled: disjoint shards that together cover the dataset (padded as torch pads)
    shards = [list(DistributedSampler(data, replicas, r, seed=3, drop_last=drop_last)) for r in range(replicas)]
    covered = sorted(i for s in shards for i in s)
    if drop_last:
        assert len(set(covered)) == len(covered) == len(list(theirs)) * replicas
    else:
        assert set(covered) == set(data)


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    data = list(range(20))
    a = DistributedSampler(data, 2, 0, seed=1)
    b = DistributedSampler(data, 2, 1, seed=1)
    first = sorted(list(a) + list(b))
    a.set_epoch(1); b.set_epoch(1)
    assert sorted(list(a) + list(b)) == first == data
    a0 = DistributedSampler(data, 2, 0, seed=1)
    assert list(a) != list(a0)


def test_bad_rank_raises_as_torch():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 1\]"):
        DistributedSampler(list(range(4)), 2, 3)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        ember.distributed.all_reduce(ember.zeros(1))
