"""Ember's worker threads (ember._kernels.threads with ember._kernels.spin): shares handed over through
flags, matrix-product shares run by the workers' own BLAS calls without the GIL."""
import os
import threading

import numpy as np
import pytest

import ember

pytest.importorskip("numba")
from ember._kernels import threads  # noqa: E402


@pytest.fixture
def two_threads():
    n = ember.get_num_threads()
    ember.set_num_threads(2)
    yield
    ember.set_num_threads(n)


def _pairs(dtype, rng):
    a = rng.normal(size=(300, 200)).astype(dtype)
    b = rng.normal(size=(200, 400)).astype(dtype)
    yield a, b                                            # columns split (N > M)
    yield b.T, a.T                                        # both transposed views, rows split
    yield a, np.asfortranarray(b)                         # one column-major operand
    yield a[:, ::2], b[::2]                               # strides BLAS cannot take: Python shares
    yield np.ascontiguousarray(a[:200]), b[:, :200][::1]  # a view whose rows are longer than it


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_products_equal_numpys(two_threads, dtype):
    rng = np.random.default_rng(0)
    for a, b in _pairs(dtype, rng):
        if 2.0 * a.shape[0] * a.shape[1] * b.shape[1] < threads.MIN_SPLIT_FLOPS:
            a, b = np.tile(a, (4, 1)), b  # large enough to be split
        ours, ref = threads.matmul(a, b), np.matmul(a, b)
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(600, 200, 300), (150, 200, 700)])  # rows split, columns split
def test_split_products_add_the_bias_in_each_share(two_threads, dtype, shape):
    rng = np.random.default_rng(2)
    M, K, N = shape
    a, b = rng.normal(size=(M, K)).astype(dtype), rng.normal(size=(K, N)).astype(dtype)
    row = rng.normal(size=2 * N).astype(dtype)
    for bias in (row[:N], row[::2]):  # a row the worker adds itself, and one in strides added after
        ref = threads.matmul(a, b)
        ref += bias
        np.testing.assert_array_equal(threads.matmul(a, b, bias=bias), ref)
    job = threads._gemm_job(a, b, np.empty((M, N), dtype), row[:N])
    assert job is not None and job[13] == row.ctypes.data  # the worker's job carries the row
    assert threads._gemm_job(a, b, np.empty((M, N), dtype), row[::2]) is None


def test_the_workers_take_gemm_jobs(two_threads):
    a = np.ones((512, 256), np.float32)
    assert threads._gemm_job(a, a.T, np.empty((512, 512), np.float32)) is not None
    assert threads._gemm_job(a[:, ::2], a[:, ::2].T, np.empty((512, 512), np.float32)) is None
    assert isinstance(threads._pool(), threads._Workers)


def test_products_side_by_side(two_threads):
    rng = np.random.default_rng(1)
    g, w, x = (rng.normal(size=s).astype(np.float32) for s in ((768, 384), (384, 128), (768, 128)))
    gx, gw = threads.products([(g, w), (g.T, x)])
    np.testing.assert_allclose(gx, g @ w, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(gw, g.T @ x, rtol=1e-5, atol=1e-4)
    gx, gw, gb = threads.products([(g, w), (g.T, x)], also=lambda: g.sum(0))  # run while the worker finishes
    np.testing.assert_array_equal(gb, g.sum(0))
    np.testing.assert_allclose(gw, g.T @ x, rtol=1e-5, atol=1e-4)
    small = [(g[:8, :8], w[:8, :8]), (g[:8, :8], w[:8, :8])]  # too small to share: also still runs
    assert len(threads.products(small, also=lambda: 7)) == 3 and threads.products(small, also=lambda: 7)[2] == 7


def test_an_exception_in_a_workers_share_reaches_the_caller(two_threads):
    def share(part):
        if 2 in part:
            raise ValueError("share 2 failed")
        return part
    with pytest.raises(ValueError, match="share 2 failed"):
        threads.run(share, [1, 2])
    assert threads.run(lambda p: p, [1, 2, 3, 4]) == [[1, 3], [2, 4]]  # the workers still serve


def test_callers_in_several_threads(two_threads):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(600, 300)).astype(np.float32)
    errors = []

    def caller(k):
        b = np.full((300, 500), k, np.float32)
        for _ in range(20):
            if not np.allclose(threads.matmul(a, b), a @ b, rtol=1e-5, atol=1e-3):
                errors.append(k)
    ts = [threading.Thread(target=caller, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_forked_child_has_its_own_workers(two_threads):
    a = np.random.default_rng(3).normal(size=(600, 300)).astype(np.float32)
    threads.matmul(a, a.T)  # the parent's workers exist
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's threads are not here
        ok = np.allclose(threads.matmul(a, a.T), a @ a.T, rtol=1e-5, atol=1e-3)
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.close(w)
    assert os.read(r, 1) == b"1"
    os.waitpid(pid, 0)


def test_more_threads_than_cores_sleep_instead_of_spinning():
    n = ember.get_num_threads()
    ember.set_num_threads(threads._cores() + 2)
    try:
        a = np.random.default_rng(4).normal(size=(1200, 300)).astype(np.float32)
        np.testing.assert_allclose(threads.matmul(a, a.T), a @ a.T, rtol=1e-5, atol=1e-3)
        assert threads._pool().turns == 0
        assert threads.run(lambda p: p, list(range(threads._cores() + 2))) == [[i] for i in range(threads._cores() + 2)]
    finally:
        ember.set_num_threads(n)



def test_a_worker_whose_loop_fails_raises_in_the_caller_and_the_thread_pool_takes_over(two_threads, monkeypatch):
    from ember._kernels import spin

    def broken(*args):
        raise ValueError("no compiled loop")
    monkeypatch.setattr(spin, "serve", broken)
    workers = threads._Workers(1)  # its thread fails at once
    workers.post(0, lambda part: part, [1])
    with pytest.raises(RuntimeError, match="worker thread failed"):
        workers.finish(0)
    monkeypatch.setitem(threads._pools, (os.getpid(), 1), workers)
    monkeypatch.setattr(threads, "_ready", [])
    assert not isinstance(threads._pool(), threads._Workers)
    assert threads.run(lambda p: p, [1, 2]) == [[1], [2]]
    a = np.random.default_rng(5).normal(size=(600, 300)).astype(np.float32)
    np.testing.assert_allclose(threads.matmul(a, a.T), a @ a.T, rtol=1e-5, atol=1e-3)


def test_compiled_jobs_run_on_the_workers_without_the_gil(two_threads, monkeypatch):
    """GELU's shares as compiled jobs (spin's CALL): the workers run them, and the values are those of one
    thread running the whole array."""
    from ember._kernels import fused
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 2 ** 16 + 5)).astype(np.float32)
    ran = []
    alongside = threads.alongside
    monkeypatch.setattr(threads, "alongside", lambda own, jobs: ran.append(alongside(own, jobs)) or ran[-1])
    y, (ys, slope) = fused.gelu(x), fused.gelu(x, with_slope=True)
    assert ran == [True, True]
    ember.set_num_threads(1)
    one, (one_ys, one_slope) = fused.gelu(x), fused.gelu(x, with_slope=True)
    for a, b in ((y, one), (ys, one), (one_ys, one), (slope, one_slope)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("form", ["gpt-heads", "one-head"])
def test_attention_shares_run_on_the_workers_as_compiled_jobs(two_threads, monkeypatch, causal, form):
    torch = pytest.importorskip("torch")
    ran = []
    alongside = threads.alongside
    monkeypatch.setattr(threads, "alongside", lambda own, jobs: ran.append(alongside(own, jobs)) or ran[-1])
    rng = np.random.default_rng(5)
    if form == "gpt-heads":  # q, k, v split off one projection and viewed per head: strided, as in a GPT block
        arrays = [rng.normal(size=(12, 64, 384)).astype(np.float32)]

        def heads(lib, qkv):
            return [z.view(12, 64, 4, 32).transpose(1, 2) for z in qkv.split(128, dim=2)]
    else:  # one head, more keys than queries
        arrays = [rng.normal(size=s).astype(np.float32) for s in ((16, 1, 50, 32), (16, 1, 70, 32), (16, 1, 70, 32))]

        def heads(lib, *qkv):
            return qkv
    outs = []
    for lib in (torch, ember):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = lib.nn.functional.scaled_dot_product_attention(*heads(lib, *ts), is_causal=causal)
        y.backward(lib.tensor(np.cos(np.arange(y.numel(), dtype=np.float32)).reshape(tuple(y.shape))))
        outs.append([y.detach().numpy()] + [t.grad.numpy() for t in ts])
    assert ran == [True, True]  # the forward's and the backward's worker share: each one compiled job
    for ours, ref in zip(outs[1], outs[0]):
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=2e-5)


def test_attention_of_expanded_inputs_takes_the_shares_cblas_can_read(two_threads):
    """q expanded along its rows (stride 0) or its heads: no compiled job (cblas cannot read rows of
    stride 0), the same values and gradients as torch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    k = rng.normal(size=(6, 4, 64, 32)).astype(np.float32)
    for base in (rng.normal(size=(6, 4, 1, 32)), rng.normal(size=(6, 1, 64, 32))):
        outs = []
        for lib in (torch, ember):
            q = lib.tensor(base.astype(np.float32), requires_grad=True)
            y = lib.nn.functional.scaled_dot_product_attention(q.expand(6, 4, 64, 32), lib.tensor(k), lib.tensor(k),
                                                               is_causal=True)
            y.sum().backward()
            outs.append((y.detach().numpy(), q.grad.numpy()))
        for ours, ref in zip(outs[1], outs[0]):
            np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=2e-5)
