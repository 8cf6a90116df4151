"""roi_align, roi_pool, ps_roi_align, ps_roi_pool and their modules (ember.vision.ops) against torchvision
0.28: roi_align against torchvision's own pure-Python roi_align where both agree (samples inside the feature
map); all four against NumPy references written here as loops over regions, bins and samples, transliterating
torchvision's CPU kernels (which cannot load beside the CPU torch). Values and input gradients, float32 and
float64, several images, boxes as a (K, 5) tensor and as a per-image list."""
import math
import sys

import numpy as np
import pytest
import torch
import torchvision.ops as tops

import ember
from ember.vision import ops

# torchvision's pure-Python roi_align, without the torch.compile wrapper it puts around it on first use
_tv_roi_align_module = sys.modules["torchvision.ops.roi_align"]
_tv_eager_roi_align = getattr(_tv_roi_align_module._roi_align, "__wrapped__", _tv_roi_align_module._roi_align)

N, C, H, W = 2, 8, 9, 11


# ---------------------------------------------------------------------- references: dense matrices from loops
def bilinear(y, x, height, width):
    """[(row, col, weight)] read by one sample, as the roi kernels interpolate."""
    if not (-1.0 <= y <= height and -1.0 <= x <= width):
        return []
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return [(y0, x0, (1 - ly) * (1 - lx)), (y0, x1, (1 - ly) * lx), (y1, x0, ly * (1 - lx)), (y1, x1, ly * lx)]


def align_bins(roi, scale, ph_n, pw_n, sampling_ratio, aligned):
    """For every bin (ph, pw): its samples' [(row, col, weight)] and the sample count."""
    off = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (float(v) * scale - off for v in roi[1:])
    rw, rh = x2 - x1, y2 - y1
    if not aligned:
        rw, rh = max(rw, 1.0), max(rh, 1.0)
    bh, bw = rh / ph_n, rw / pw_n
    gh = sampling_ratio if sampling_ratio > 0 else math.ceil(rh / ph_n)
    gw = sampling_ratio if sampling_ratio > 0 else math.ceil(rw / pw_n)
    for ph in range(ph_n):
        for pw in range(pw_n):
            taps = []
            for iy in range(gh):
                for ix in range(gw):
                    taps += bilinear(y1 + ph * bh + (iy + 0.5) * bh / gh, x1 + pw * bw + (ix + 0.5) * bw / gw, H, W)
            yield ph, pw, taps, max(gh * gw, 1)


def c_round(v):
    return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)


def pool_bins(roi, scale, ph_n, pw_n, plus_one, limit_h, limit_w):
    """For every bin (ph, pw): its pixel rows and columns, as the pooling kernels snap them."""
    x1, y1, x2, y2 = (c_round(float(v) * scale) for v in roi[1:])
    rw, rh = max(x2 - x1 + plus_one, 1), max(y2 - y1 + plus_one, 1)
    for ph in range(ph_n):
        for pw in range(pw_n):
            hs = min(max(math.floor(ph * rh / ph_n) + y1, 0), limit_h)
            he = min(max(math.ceil((ph + 1) * rh / ph_n) + y1, 0), limit_h)
            ws = min(max(math.floor(pw * rw / pw_n) + x1, 0), limit_w)
            we = min(max(math.ceil((pw + 1) * rw / pw_n) + x1, 0), limit_w)
            yield ph, pw, range(hs, he), range(ws, we)


def linear_reference(op, rois, ph_n, pw_n, scale, sampling_ratio, aligned, backward=False):
    """Matrix (outputs x inputs) of the linear ops (roi_align, ps_roi_align, ps_roi_pool) on a (N, C, H, W)
    input; for ps_roi_pool, `backward` gives the matrix torchvision's backward kernel transposes."""
    ps = op.startswith("ps_")
    c_out = C // (ph_n * pw_n) if ps else C
    a = np.zeros((len(rois), c_out, ph_n, pw_n, N, C, H, W))
    for k, roi in enumerate(rois):
        b = int(roi[0])
        if op == "ps_roi_pool":
            lim = (H, W) if backward else (H - 1, W - 1)
            bins = ((ph, pw, [(y, x, 1.0) for y in ys for x in xs], len(ys) * len(xs))
                    for ph, pw, ys, xs in pool_bins(roi, scale, ph_n, pw_n, 0, *lim))
        else:
            bins = align_bins(roi, scale, ph_n, pw_n, sampling_ratio, aligned or ps)
        for ph, pw, taps, count in bins:
            for co in range(c_out):
                ci = (co * ph_n + ph) * pw_n + pw if ps else co
                for y, x, wt in taps:
                    a[k, co, ph, pw, b, ci, y, x] += wt / count
    return a.reshape(len(rois) * c_out * ph_n * pw_n, -1)


def roi_pool_reference(x, rois, ph_n, pw_n, scale):
    """roi_pool's values and the (output -> input) argmax of each, -1 for empty bins."""
    out = np.zeros((len(rois), C, ph_n, pw_n), x.dtype)
    arg = -np.ones(out.shape, np.int64)
    for k, roi in enumerate(rois):
        b = int(roi[0])
        for ph, pw, ys, xs in pool_bins(roi, scale, ph_n, pw_n, 1, H, W):
            for c in range(C):
                best, where = (0.0 if not (len(ys) and len(xs)) else -np.finfo(np.float32).max), -1
                for y in ys:
                    for xx in xs:
                        if x[b, c, y, xx] > best:
                            best, where = x[b, c, y, xx], ((b * C + c) * H + y) * W + xx
                out[k, c, ph, pw], arg[k, c, ph, pw] = best, where
    return out, arg


# ---------------------------------------------------------------------- cases
def make_rois(seed, k=5, lo=-2.0, hi=12.0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(lo, hi - 3, (k, 2))
    wh = rng.uniform(0.3, 7, (k, 2))
    return np.concatenate([np.sort(rng.integers(0, N, (k, 1)), 0), xy, xy + wh], 1).astype(dtype)


def as_list(rois):
    """The (K, 5) rois (sorted by image) as torchvision's per-image list of (L, 4) boxes."""
    return [ember.from_numpy(np.ascontiguousarray(rois[rois[:, 0] == i, 1:])) for i in range(N)]


CASES = [  # (op, output_size, spatial_scale, sampling_ratio, aligned)
    ("roi_align", (3, 2), 1.0, -1, False), ("roi_align", 2, 0.5, 2, False), ("roi_align", (2, 3), 1.0, 3, True),
    ("roi_align", 3, 0.75, -1, True), ("roi_align", 1, 1.0, 1, False),
    ("ps_roi_align", 2, 1.0, -1, None), ("ps_roi_align", (2, 2), 0.5, 2, None), ("ps_roi_align", (1, 2), 1.0, 3, None),
    ("roi_pool", (3, 2), 1.0, None, None), ("roi_pool", 2, 0.5, None, None), ("roi_pool", 4, 1.3, None, None),
    ("ps_roi_pool", 2, 1.0, None, None), ("ps_roi_pool", (1, 2), 0.5, None, None),
    ("ps_roi_pool", (2, 4), 1.0, None, None),
]


def call(op, x, boxes, size, scale, sr, aligned):
    args = {"roi_align": (sr, aligned), "ps_roi_align": (sr,)}.get(op, ())
    return getattr(ops, op)(x, boxes, size, scale, *args)


# roi_pool also by its NumPy path, which it takes until the compiled loops are built
PATHS = [case + ("compiled",) for case in CASES] + [case + ("numpy",) for case in CASES if case[0] == "roi_pool"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op,size,scale,sr,aligned,path", PATHS)
def test_values_and_gradients_equal_the_kernels(op, size, scale, sr, aligned, path, dtype, monkeypatch):
    if path == "numpy":
        monkeypatch.setattr(sys.modules["ember.vision.ops.roi_pool"]._loops, "fits", lambda *arrays: False)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    rois = make_rois(2, dtype=dtype)
    ph_n, pw_n = size if isinstance(size, tuple) else (size, size)
    for boxes in (ember.from_numpy(rois.copy()), as_list(rois)):
        ex = ember.tensor(x, requires_grad=True)
        out = call(op, ex, boxes, size, scale, sr, aligned)
        g = rng.standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(ember.from_numpy(g))
        if op == "roi_pool":
            want, arg = roi_pool_reference(x, rois, ph_n, pw_n, scale)
            grad = np.zeros(x.size)
            np.add.at(grad, arg[arg >= 0], g[arg >= 0])
        else:
            fwd = linear_reference(op, rois, ph_n, pw_n, scale, sr, aligned)
            bwd = linear_reference(op, rois, ph_n, pw_n, scale, sr, aligned, backward=True) \
                if op == "ps_roi_pool" else fwd
            want, grad = (fwd @ x.ravel().astype(np.float64)).reshape(out.shape), bwd.T @ g.ravel()
        assert out.dtype == ex.dtype and tuple(out.shape) == want.shape
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=tol, atol=tol)
        np.testing.assert_allclose(ex.grad.numpy().ravel(), grad, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size,scale,sr,aligned", [(c[1], c[2], c[3], c[4]) for c in CASES if c[0] == "roi_align"])
def test_roi_align_equals_torchvisions(size, scale, sr, aligned, dtype, monkeypatch):
    monkeypatch.setattr(_tv_roi_align_module, "_roi_align", _tv_eager_roi_align)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    rois = make_rois(4, lo=0, hi=8, dtype=dtype)  # samples inside the map: the pure-Python version agrees there
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    got = ops.roi_align(ex, as_list(rois), size, scale, sr, aligned)
    want = tops.roi_align(tx, [torch.from_numpy(rois[rois[:, 0] == i, 1:]) for i in range(N)], size, scale, sr, aligned)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=tol, atol=tol)
    g = rng.standard_normal(tuple(want.shape)).astype(dtype)
    got.backward(ember.from_numpy(g))
    want.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)


def test_roi_align_second_order_gradient_and_half(monkeypatch):
    monkeypatch.setattr(_tv_roi_align_module, "_roi_align", _tv_eager_roi_align)
    x = np.random.default_rng(6).standard_normal((1, 2, 6, 6))
    rois = np.array([[0, 0.5, 1.0, 4.2, 5.0], [0, 2.0, 0.3, 5.1, 2.2]])
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (eg,) = ember.autograd.grad(ops.roi_align(ex, ember.tensor(rois), 2, 1.0, 2).pow(3).sum(), ex, create_graph=True)
    (tg,) = torch.autograd.grad(tops.roi_align(tx, torch.tensor(rois), 2, 1.0, 2).pow(3).sum(), tx, create_graph=True)
    (egg,), (tgg,) = ember.autograd.grad(eg.pow(2).sum(), ex), torch.autograd.grad(tg.pow(2).sum(), tx)
    np.testing.assert_allclose(egg.numpy(), tgg.numpy(), rtol=1e-10, atol=1e-12)
    half = ops.roi_align(ex.detach().half(), ember.tensor(rois).half(), 2, 1.0, 2)
    assert half.dtype == ember.float16
    np.testing.assert_allclose(half.float().numpy(), tops.roi_align(tx.detach(), torch.tensor(rois), 2, 1.0, 2).numpy(),
                               atol=1e-2)


MODULES = [("RoIAlign", ((3, 2), 0.5, 2), ((3, 2), 0.5, 2)), ("RoIAlign", (2, 1.0, -1, True), (2, 1.0, -1, True)),
           ("RoIPool", ((2, 2), 0.25), ((2, 2), 0.25)), ("PSRoIAlign", (2, 1.0, 2), (2, 1.0, 2)),
           ("PSRoIPool", (2, 0.5), (2, 0.5))]


@pytest.mark.parametrize("name,args,_", MODULES)
def test_modules_print_as_torchvisions_and_call_the_functions(name, args, _):
    e, t = getattr(ops, name)(*args), getattr(tops, name)(*args)
    assert repr(e) == repr(t)
    x = ember.randn(N, C, H, W)
    rois = ember.from_numpy(make_rois(5))
    fn = {"RoIAlign": ops.roi_align, "RoIPool": ops.roi_pool, "PSRoIAlign": ops.ps_roi_align,
          "PSRoIPool": ops.ps_roi_pool}[name]
    assert ember.equal(e(x, rois), fn(x, rois, *args))


@pytest.mark.parametrize("op", ["roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool"])
def test_errors_as_torchvision(op):
    x = ember.randn(N, C, H, W)
    for bad in (ember.zeros(3, 4), [ember.zeros(2, 5)], ember.zeros(3, 5).numpy()):
        with pytest.raises(AssertionError) as want:
            tops._utils.check_roi_boxes_shape(torch.from_numpy(bad.numpy()) if isinstance(bad, ember.Tensor) else
                                              [torch.zeros(2, 5)] if isinstance(bad, list) else bad)
        with pytest.raises(AssertionError) as got:
            getattr(ops, op)(x, bad, 2)
        assert str(got.value) == str(want.value)
    with pytest.raises(RuntimeError, match="dtype"):  # the kernels check this (torchvision's C++ TORCH_CHECK)
        getattr(ops, op)(x, ember.zeros(1, 5, dtype=ember.float64), 2)
    if op.startswith("ps_"):
        with pytest.raises(RuntimeError, match="multiple of pooling height"):
            getattr(ops, op)(x, ember.zeros(1, 5), 3)


@pytest.mark.parametrize("op", ["roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool", "roi_pool by NumPy"])
def test_no_regions(op, monkeypatch):
    if op.endswith("NumPy"):
        op = "roi_pool"
        monkeypatch.setattr(sys.modules["ember.vision.ops.roi_pool"]._loops, "fits", lambda *arrays: False)
    x = ember.randn(N, C, H, W, requires_grad=True)
    out = getattr(ops, op)(x, ember.zeros(0, 5), 2)
    assert tuple(out.shape) == (0, C // 4 if op.startswith("ps_") else C, 2, 2)
    out.sum().backward()
    assert x.grad.abs().sum().item() == 0
