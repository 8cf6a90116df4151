"""Pooling, upsampling and pixel shuffling against PyTorch through the shared harness (output,
grad_fn name, input gradients), plus indices, ties, torch's errors and printed text."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, Spec, check_against_torch, check_function, raises_like


def ties(*shape):
    """Values of only ±1, so windows hold exact ties: the gradient must go to the first maximum only."""
    return Spec(shape, "sign", grad=True)


MODULES = [
    ("maxpool2d-seed", lambda nn: nn.MaxPool2d(kernel_size=(2, 2)), [N(2, 3, 8, 8)]),
    ("maxpool2d-odd", lambda nn: nn.MaxPool2d(2), [N(2, 3, 7, 9)]),
    ("maxpool2d-ties", lambda nn: nn.MaxPool2d(2), [ties(2, 3, 8, 8)]),
    ("maxpool2d-overlap-ties", lambda nn: nn.MaxPool2d(3, stride=1), [ties(2, 3, 6, 6)]),
    ("maxpool2d-stride-pad", lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), padding=(1, 1)), [N(2, 3, 7, 8)]),
    ("maxpool2d-dilation", lambda nn: nn.MaxPool2d(2, stride=1, dilation=2), [N(2, 3, 7, 8)]),
    ("maxpool2d-ceil", lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [N(2, 3, 8, 7)]),
    ("maxpool2d-ceil-2x2", lambda nn: nn.MaxPool2d(2, ceil_mode=True), [N(2, 3, 7, 7)]),
    ("maxpool2d-resnet-stem-double", lambda nn: nn.MaxPool2d(3, 2, 1), [N(2, 3, 9, 8, dtype="float64")]),
    ("maxpool2d-dilation-pad-ceil", lambda nn: nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True), [N(2, 3, 10, 9)]),
    ("maxpool2d-unbatched", lambda nn: nn.MaxPool2d(2), [N(3, 6, 6)]),
    ("maxpool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), [N(2, 3, 10)]),
    ("maxpool1d-dilation", lambda nn: nn.MaxPool1d(2, dilation=2), [N(2, 3, 9)]),
    ("maxpool3d", lambda nn: nn.MaxPool3d(2, stride=(1, 2, 2), padding=(1, 0, 1)), [N(1, 2, 4, 5, 4)]),
    ("avgpool2d", lambda nn: nn.AvgPool2d(2), [N(2, 3, 8, 8)]),
    ("avgpool2d-pad", lambda nn: nn.AvgPool2d(3, stride=2, padding=1), [N(2, 3, 7, 8)]),
    ("avgpool2d-exclude-pad", lambda nn: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     [N(2, 3, 7, 8)]),
    ("avgpool2d-ceil", lambda nn: nn.AvgPool2d(3, stride=2, ceil_mode=True), [N(2, 3, 8, 8)]),
    ("avgpool2d-ceil-pad", lambda nn: nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True), [N(2, 3, 5, 6)]),
    ("avgpool2d-ceil-exclude", lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     [N(2, 3, 6, 6)]),
    ("avgpool2d-divisor", lambda nn: nn.AvgPool2d(2, stride=1, divisor_override=3), [N(2, 3, 5, 5)]),
    ("avgpool2d-unbatched", lambda nn: nn.AvgPool2d(2), [N(3, 4, 4)]),
    ("avgpool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     [N(2, 3, 10)]),
    ("avgpool3d", lambda nn: nn.AvgPool3d(2, padding=1, count_include_pad=False), [N(1, 2, 4, 5, 3)]),
    ("adaptiveavg2d", lambda nn: nn.AdaptiveAvgPool2d((3, 5)), [N(2, 3, 7, 8)]),
    ("adaptiveavg2d-divisible", lambda nn: nn.AdaptiveAvgPool2d(4), [N(2, 3, 8, 8)]),
    ("adaptiveavg2d-global", lambda nn: nn.AdaptiveAvgPool2d(1), [N(2, 3, 5, 5)]),
    ("adaptiveavg2d-none", lambda nn: nn.AdaptiveAvgPool2d((None, 3)), [N(2, 3, 5, 7)]),
    ("adaptiveavg2d-grow", lambda nn: nn.AdaptiveAvgPool2d((6, 9)), [N(2, 3, 4, 5)]),
    ("adaptiveavg2d-unbatched", lambda nn: nn.AdaptiveAvgPool2d(2), [N(3, 5, 5)]),
    ("adaptiveavg1d", lambda nn: nn.AdaptiveAvgPool1d(4), [N(2, 3, 10)]),
    ("adaptiveavg3d", lambda nn: nn.AdaptiveAvgPool3d((2, 3, 1)), [N(1, 2, 5, 6, 4)]),
    ("adaptivemax2d", lambda nn: nn.AdaptiveMaxPool2d((3, 5)), [N(2, 3, 7, 8)]),
    ("adaptivemax2d-ties", lambda nn: nn.AdaptiveMaxPool2d(3), [ties(2, 3, 7, 7)]),
    ("adaptivemax2d-unbatched", lambda nn: nn.AdaptiveMaxPool2d(2), [N(3, 5, 5)]),
    ("adaptivemax1d", lambda nn: nn.AdaptiveMaxPool1d(4), [N(2, 3, 10)]),
    ("adaptivemax3d", lambda nn: nn.AdaptiveMaxPool3d(2), [N(1, 2, 5, 4, 3)]),
    ("lppool2d", lambda nn: nn.LPPool2d(2, 2), [N(2, 3, 6, 6)]),
    ("lppool1d", lambda nn: nn.LPPool1d(3, 3, stride=2), [Spec((2, 3, 9), "pos")]),
    ("upsample-nearest", lambda nn: nn.Upsample(scale_factor=2), [N(2, 3, 4, 5)]),
    ("upsample-nearest-size", lambda nn: nn.Upsample(size=(7, 3)), [N(2, 3, 4, 5)]),
    ("upsample-nearest-exact", lambda nn: nn.Upsample(scale_factor=1.7, mode="nearest-exact"), [N(2, 3, 4, 5)]),
    ("upsample-bilinear", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), [N(2, 3, 4, 5)]),
    ("upsample-bilinear-corners", lambda nn: nn.Upsample(size=(7, 9), mode="bilinear", align_corners=True),
     [N(2, 3, 4, 5)]),
    ("upsample-bilinear-down", lambda nn: nn.Upsample(scale_factor=0.6, mode="bilinear"), [N(2, 3, 8, 7)]),
    ("upsample-bicubic", lambda nn: nn.Upsample(scale_factor=1.5, mode="bicubic"), [N(2, 3, 4, 5)]),
    ("upsample-bicubic-corners", lambda nn: nn.Upsample(size=6, mode="bicubic", align_corners=True),
     [N(2, 3, 4, 5)]),
    ("upsample-linear", lambda nn: nn.Upsample(scale_factor=2.5, mode="linear"), [N(2, 3, 6)]),
    ("upsample-trilinear", lambda nn: nn.Upsample(scale_factor=(2, 1, 1.5), mode="trilinear"),
     [N(1, 2, 3, 4, 3)]),
    ("upsample-nearest3d", lambda nn: nn.Upsample(scale_factor=2), [N(1, 2, 2, 3, 2)]),
    ("upsamplingnearest2d", lambda nn: nn.UpsamplingNearest2d(scale_factor=3), [N(2, 3, 3, 4)]),
    ("upsamplingbilinear2d", lambda nn: nn.UpsamplingBilinear2d(size=(5, 6)), [N(2, 3, 3, 4)]),
    ("pixelshuffle", lambda nn: nn.PixelShuffle(2), [N(2, 8, 3, 4)]),
    ("pixelshuffle-extra-dims", lambda nn: nn.PixelShuffle(3), [N(2, 2, 9, 2, 3)]),
    ("pixelunshuffle", lambda nn: nn.PixelUnshuffle(2), [N(2, 2, 6, 4)]),
    ("channelshuffle", lambda nn: nn.ChannelShuffle(2), [N(2, 6, 3, 3)]),
]


@pytest.mark.parametrize("build,specs", [m[1:] for m in MODULES], ids=[m[0] for m in MODULES])
def test_module_matches_torch(build, specs):
    # torch's lp_pool and channel_shuffle are compositions whose last node names differ from ours
    check_against_torch(build, specs, atol=1e-4, check_name=not any(k in repr(build(torch.nn)) for k in
                                                                     ("ChannelShuffle",)))


FUNCTIONS = [
    ("max_pool2d", [N(2, 3, 8, 8)], (2,), {}),
    ("max_pool2d", [N(2, 3, 9, 7)], ((3, 2),), {"stride": 1, "padding": 1, "dilation": (1, 2)}),
    ("avg_pool2d", [N(2, 3, 8, 8)], (2,), {}),
    ("avg_pool2d", [N(2, 3, 9, 7)], (3,), {"stride": 2, "padding": 1, "ceil_mode": True, "divisor_override": 5}),
    ("adaptive_avg_pool2d", [N(2, 3, 8, 8)], ((3, 2),), {}),
    ("adaptive_max_pool2d", [N(2, 3, 8, 8)], ((3, 2),), {}),
    ("max_pool1d", [N(2, 3, 8)], (2,), {}),
    ("avg_pool1d", [N(2, 3, 8)], (3,), {"stride": 1}),
    ("interpolate", [N(2, 3, 4, 5)], (), {"scale_factor": 2, "mode": "bilinear", "align_corners": True}),
    ("interpolate", [N(2, 3, 4, 5)], (), {"size": (3, 9), "mode": "nearest"}),
    ("interpolate", [N(2, 3, 4, 5)], (), {"scale_factor": (1.5, 2.5), "mode": "bilinear",
                                          "recompute_scale_factor": True}),
    ("interpolate", [N(2, 3, 8, 6)], (), {"size": (3, 4), "mode": "area"}),
    ("interpolate", [N(2, 3, 8)], (), {"scale_factor": 0.5, "mode": "linear", "align_corners": False}),
    ("pixel_shuffle", [N(1, 12, 2, 3)], (2,), {}),
    ("pixel_unshuffle", [N(1, 3, 4, 6)], (2,), {}),
]


@pytest.mark.parametrize("name,specs,args,kwargs", FUNCTIONS, ids=[f"{f[0]}-{i}" for i, f in enumerate(FUNCTIONS)])
def test_function_matches_torch(name, specs, args, kwargs):
    check_function(name, specs, args, kwargs, atol=1e-4)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                    {"kernel_size": (2, 3), "stride": 1, "dilation": 2},
                                    {"kernel_size": 3, "stride": 2, "ceil_mode": True}])
def test_max_pool_indices_and_unpool_match_torch(kwargs):
    x = np.maximum(np.random.default_rng(2).standard_normal((2, 3, 9, 8)), 0).astype(np.float32)
    tv, ti = torch.nn.functional.max_pool2d(torch.from_numpy(x), return_indices=True, **kwargs)
    ev, ei = ember.nn.functional.max_pool2d(ember.from_numpy(x), return_indices=True, **kwargs)
    assert ei.dtype == ember.int64
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    tm, em = torch.nn.MaxPool2d(return_indices=True, **kwargs), ember.nn.MaxPool2d(return_indices=True, **kwargs)
    np.testing.assert_array_equal(em(ember.from_numpy(x))[1].numpy(), tm(torch.from_numpy(x))[1].numpy())
    if "dilation" in kwargs:  # unpooling knows no dilation
        return
    size = (9, 8)
    t_un = torch.nn.functional.max_unpool2d(tv, ti, kwargs["kernel_size"], kwargs.get("stride"),
                                            kwargs.get("padding", 0), output_size=size)
    e_un = ember.nn.functional.max_unpool2d(ev, ei, kwargs["kernel_size"], kwargs.get("stride"),
                                            kwargs.get("padding", 0), output_size=size)
    np.testing.assert_array_equal(e_un.numpy(), t_un.numpy())


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                    {"kernel_size": 3, "stride": 1}])
def test_max_pool_with_nan_matches_torch(kwargs):
    """A NaN in a window is its maximum, and of several NaNs the last one wins the index."""
    rng = np.random.default_rng(5)
    x = rng.choice(np.array([np.nan, 0.0, 1.0, 2.0], np.float32), size=(2, 3, 8, 8), p=[0.3, 0.3, 0.2, 0.2])
    tx, ex = torch.from_numpy(x).requires_grad_(), ember.from_numpy(x).requires_grad_()
    tv, ti = torch.nn.functional.max_pool2d(tx, return_indices=True, **kwargs)
    ev, ei = ember.nn.functional.max_pool2d(ex, return_indices=True, **kwargs)
    np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    g = rng.standard_normal(tuple(tv.shape)).astype(np.float32)
    tv.backward(torch.from_numpy(g))
    ev.backward(ember.from_numpy(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                                    {"kernel_size": 3, "stride": 1}, {"kernel_size": (2, 3), "dilation": 2}])
def test_max_pool_compiled_loops_with_one_nan_ties_and_infinities(dtype, kwargs):
    """The compiled pools run a loop blind to NaN first and again with the scan's NaN test on a share (of
    the ~1 MB shares across the two threads) that held one: one NaN far into the batch, infinities, ties
    of 0 and -0 (the first offset keeps its sign) all give torch's values, bits and indices; the 2x2
    backward moves the gradient's bits, inf and NaN included."""
    rng = np.random.default_rng(7)
    x = np.maximum(rng.standard_normal((6, 16, 48, 40)), 0).astype(dtype)  # 4-7 MB: split between the threads
    x[0, 0, 0, :4] = [-0.0, 0.0, 0.0, -0.0]
    x[1, 2, 5, 5], x[1, 2, 6, 6], x[2, 3, 7, 7] = np.inf, -np.inf, -np.inf
    x[5, 15, 40, 33] = np.nan
    tx, ex = torch.from_numpy(x).requires_grad_(), ember.from_numpy(x).requires_grad_()
    tv, ti = torch.nn.functional.max_pool2d(tx, return_indices=True, **kwargs)
    ev, ei = ember.nn.functional.max_pool2d(ex, return_indices=True, **kwargs)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    assert np.isnan(ev.detach().numpy()).sum() == np.isnan(tv.detach().numpy()).sum() >= 1
    np.testing.assert_array_equal(np.signbit(ev.detach().numpy()), np.signbit(tv.detach().numpy()))
    np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
    g = rng.standard_normal(tuple(tv.shape)).astype(dtype)
    g[0, 0, 0, :3] = [np.inf, np.nan, -0.0]
    tv.backward(torch.from_numpy(g))
    ev.backward(ember.from_numpy(g))
    np.testing.assert_array_equal(np.signbit(ex.grad.numpy()), np.signbit(tx.grad.numpy()))
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
@pytest.mark.parametrize("size", [(8, 8), (7, 9)])
def test_seed_max_pool_in_other_dtypes_matches_torch(dtype, size):
    """The 2×2 pool of the seeds (compiled for float32/float64, NumPy's scan for the rest), odd sizes too."""
    x = np.random.default_rng(6).standard_normal((2, 3) + size).astype(np.float32)
    tx = torch.from_numpy(x).to(getattr(torch, dtype)).requires_grad_()
    ex = ember.from_numpy(x).to(getattr(ember, dtype)).requires_grad_()
    tv, ti = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    ev, ei = ember.nn.functional.max_pool2d(ex, 2, return_indices=True)
    assert ev.dtype == getattr(ember, dtype)
    np.testing.assert_array_equal(ev.detach().float().numpy(), tv.detach().float().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    (tv * torch.arange(tv.numel()).reshape(tv.shape)).sum().backward()
    (ev * ember.arange(ev.numel()).reshape(ev.shape)).sum().backward()
    np.testing.assert_array_equal(ex.grad.float().numpy(), tx.grad.float().numpy())


def test_max_unpool_module_and_gradient():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    outs = []
    for lib in (torch, ember):
        pool, unpool = lib.nn.MaxPool2d(2, return_indices=True), lib.nn.MaxUnpool2d(2)
        v, i = pool(lib.tensor(x))
        v.requires_grad_(True)
        u = unpool(v, i)
        (u * lib.arange(u.numel()).reshape(u.shape).float()).sum().backward()
        outs.append((u, v.grad, u.grad_fn.name()))
    np.testing.assert_array_equal(outs[1][0].detach().numpy(), outs[0][0].detach().numpy())
    np.testing.assert_array_equal(outs[1][1].numpy(), outs[0][1].numpy())
    assert outs[1][2] == outs[0][2] == "MaxUnpool2DBackward0"


def test_adaptive_max_pool_indices_match_torch():
    x = np.random.default_rng(6).standard_normal((2, 3, 7, 9)).astype(np.float32)
    for size in ((3, 4), (7, 2), 1):
        tv, ti = torch.nn.functional.adaptive_max_pool2d(torch.from_numpy(x), size, return_indices=True)
        ev, ei = ember.nn.functional.adaptive_max_pool2d(ember.from_numpy(x), size, return_indices=True)
        np.testing.assert_array_equal(ei.numpy(), ti.numpy())
        np.testing.assert_array_equal(ev.numpy(), tv.numpy())


@pytest.mark.parametrize("fn", ["max_pool2d", "avg_pool2d"])
def test_second_order_gradients_match_torch(fn):
    x = np.random.default_rng(8).standard_normal((2, 2, 6, 6)).astype(np.float32)
    res = []
    for lib in (torch, ember):
        tx = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn.functional, fn)(tx * tx, 3, stride=2, padding=1)
        g, = lib.autograd.grad(y.sum(), tx, create_graph=True)
        (g * g).sum().backward()
        res.append(tx.grad.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-4, atol=1e-4)


ERRORS = [
    ("max_pool2d", (1, 3, 4, 4), (2,), {"padding": 2}),
    ("max_pool2d", (1, 3, 4, 4), (5,), {}),
    ("max_pool2d", (4, 4), (2,), {}),
    ("max_pool2d", (1, 3, 4, 4), (2,), {"stride": 0}),
    ("max_pool2d", (1, 3, 4, 4), ((2, 2, 2),), {}),
    ("max_pool1d", (1, 3, 4, 4), (2,), {}),
    ("avg_pool2d", (1, 3, 4, 4), (5,), {}),
    ("avg_pool2d", (1, 3, 4, 4), (2,), {"padding": 2}),
    ("adaptive_avg_pool2d", (1, 3, 4, 4), ((2, 2, 2),), {}),
    ("adaptive_avg_pool2d", (4, 4), (2,), {}),
    ("interpolate", (1, 2, 3, 3), (), {"scale_factor": 2, "mode": "linear"}),
    ("interpolate", (1, 2, 3, 3), (), {}),
    ("interpolate", (1, 2, 3, 3), (), {"size": 3, "scale_factor": 2}),
    ("interpolate", (1, 2, 3, 3), (), {"size": 3, "align_corners": True}),
    ("pad", (1, 3, 3), ((3, 3),), {"mode": "reflect"}),
    ("pad", (1, 3, 3), ((4, 0),), {"mode": "circular"}),
    ("pad", (1, 3, 3), ((1, 2, 3),), {}),
    ("pad", (1, 3, 3), ((1, 1),), {"mode": "wrap"}),
    ("pad", (3,), ((1, 1),), {"mode": "replicate"}),
    ("pixel_shuffle", (1, 5, 2, 2), (2,), {}),
    ("pixel_unshuffle", (1, 5, 3, 2), (2,), {}),
]


@pytest.mark.parametrize("name,shape,args,kwargs", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_input_raises_like_torch(name, shape, args, kwargs):
    t, e = raises_like(lambda: getattr(torch.nn.functional, name)(torch.zeros(*shape), *args, **kwargs),
                       lambda: getattr(ember.nn.functional, name)(ember.zeros(*shape), *args, **kwargs))
    assert str(e) == str(t)


REPRS = ["nn.MaxPool2d(2)", "nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True)",
         "nn.MaxPool1d(3)", "nn.MaxPool3d(2)", "nn.AvgPool2d(2)", "nn.AvgPool2d(3, 2, 1, True, False, 4)",
         "nn.AvgPool1d(3)", "nn.AvgPool3d(2)", "nn.AdaptiveAvgPool2d((3, None))", "nn.AdaptiveAvgPool1d(3)",
         "nn.AdaptiveMaxPool2d(3, return_indices=True)", "nn.AdaptiveMaxPool3d(2)", "nn.LPPool2d(2, 3)",
         "nn.LPPool1d(2, 3, 2)", "nn.MaxUnpool2d(2)", "nn.MaxUnpool1d(3, 2, 1)", "nn.Upsample(scale_factor=2)",
         "nn.Upsample(size=(3, 4), mode='bilinear', align_corners=True)", "nn.Upsample(scale_factor=(2, 3))",
         "nn.UpsamplingNearest2d(scale_factor=2)", "nn.UpsamplingBilinear2d(size=4)", "nn.PixelShuffle(2)",
         "nn.PixelUnshuffle(3)", "nn.ChannelShuffle(2)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    assert repr(eval(expr, {"nn": ember.nn})) == repr(eval(expr, {"nn": torch.nn}))


def test_seed_model_prints_like_torch():
    def build(nn):
        return nn.Sequential(nn.Conv2d(3, 32, kernel_size=(3, 3), stride=1, padding=1), nn.ReLU(), nn.Dropout(0.3),
                             nn.Conv2d(32, 32, kernel_size=(3, 3), stride=1, padding=1), nn.ReLU(),
                             nn.MaxPool2d(kernel_size=(2, 2)), nn.Flatten(), nn.Linear(8192, 512), nn.ReLU(),
                             nn.Dropout(0.5), nn.Linear(512, 10))
    assert repr(build(ember.nn)) == repr(build(torch.nn))
