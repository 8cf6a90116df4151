"""Convolutions, F.pad and unfold/fold against PyTorch through the shared harness (weights copied
from the torch module; output, grad_fn name, input and parameter gradients compared), plus
higher-order gradients, torch's errors and printed text."""
import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, check_against_torch, check_function, raises_like, assert_close


def f64(nn):
    return torch.float64 if nn is torch.nn else ember.float64


MODULES = [
    # (id, build(nn), input specs)
    ("conv2d-seed-mnist", lambda nn: nn.Conv2d(1, 16, 3, 1), [N(2, 1, 12, 12)]),
    ("conv2d-seed-cifar", lambda nn: nn.Conv2d(3, 32, kernel_size=(3, 3), stride=1, padding=1), [N(2, 3, 8, 8)]),
    ("conv2d-stride-pad", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2)), [N(2, 4, 9, 7)]),
    ("conv2d-dilation-groups", lambda nn: nn.Conv2d(4, 6, 3, dilation=(2, 1), groups=2), [N(2, 4, 9, 7)]),
    ("conv2d-depthwise", lambda nn: nn.Conv2d(4, 8, 3, padding=1, groups=4, bias=False), [N(2, 4, 6, 6)]),
    ("conv2d-groups-long-patch", lambda nn: nn.Conv2d(16, 8, 3, padding=1, groups=2), [N(3, 16, 5, 5)]),
    ("conv2d-long-patch", lambda nn: nn.Conv2d(8, 4, 3, stride=2), [N(3, 8, 7, 7)]),
    ("conv2d-same-even", lambda nn: nn.Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2)), [N(2, 3, 7, 8)]),
    ("conv2d-valid", lambda nn: nn.Conv2d(3, 4, 3, padding="valid"), [N(2, 3, 6, 5)]),
    ("conv2d-unbatched", lambda nn: nn.Conv2d(3, 4, 3, padding=1), [N(3, 6, 5)]),
    ("conv2d-1x1", lambda nn: nn.Conv2d(5, 3, 1), [N(2, 5, 4, 4)]),
    ("conv2d-kernel-equals-input", lambda nn: nn.Conv2d(2, 3, 5), [N(2, 2, 5, 5)]),
    ("conv2d-big-stride", lambda nn: nn.Conv2d(2, 3, 2, stride=3, padding=1), [N(2, 2, 8, 7)]),
    ("conv2d-double", lambda nn: nn.Conv2d(2, 3, 3, padding=1, dtype=f64(nn)), [N(2, 2, 5, 5, dtype="float64")]),
    ("conv2d-batch-of-1", lambda nn: nn.Conv2d(3, 4, 3), [N(1, 3, 6, 6)]),
    ("conv1d", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1), [N(3, 4, 10)]),
    ("conv1d-same-groups", lambda nn: nn.Conv1d(4, 4, 4, padding="same", groups=2, bias=False), [N(3, 4, 9)]),
    ("conv1d-unbatched", lambda nn: nn.Conv1d(2, 3, 2, dilation=3), [N(2, 9)]),
    ("conv3d", lambda nn: nn.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=1), [N(2, 2, 4, 5, 4)]),
    # images so small that stride 1 takes the compact layout (see ember._kernels.conv._layout)
    ("conv2d-2x2-images", lambda nn: nn.Conv2d(4, 6, 3, padding=1), [N(3, 4, 2, 2)]),
    ("conv3d-2x2x2-images", lambda nn: nn.Conv3d(2, 3, 3, padding=1), [N(2, 2, 2, 2, 2)]),
    ("convT2d-2x2-images", lambda nn: nn.ConvTranspose2d(4, 3, 3, padding=1), [N(2, 4, 2, 2)]),
    # seed-sized batches: many chunks of the batch, shared between threads (in float64, so that sums
    # over 20,000 products compare tightly)
    ("conv2d-seed-mnist-batch", lambda nn: nn.Conv2d(16, 32, 3, 1, dtype=f64(nn)),
     [N(40, 16, 26, 26, dtype="float64")]),
    ("conv2d-seed-cifar-batch", lambda nn: nn.Conv2d(32, 32, 3, padding=1, dtype=f64(nn)),
     [N(24, 32, 16, 16, dtype="float64")]),
    ("conv2d-stride2-batch", lambda nn: nn.Conv2d(8, 8, 3, stride=2, padding=1, dtype=f64(nn)),
     [N(30, 8, 20, 20, dtype="float64")]),
    ("conv3d-groups-dilation", lambda nn: nn.Conv3d(2, 4, 2, dilation=2, groups=2), [N(1, 2, 5, 5, 5)]),
]
# the same seed-sized batches in float32 (the compiled loops of stride-1 float32 convolutions, on a CPU
# with AVX-512): sums of up to 20,000 float32 products, compared at float32's resolution for them
# the weight gradient takes shifted_gemm_t from 32 output channels on, shifted_gemm_p below
SEED_FLOAT32 = [
    ("conv2d-seed-mnist-batch-float32", lambda nn: nn.Conv2d(16, 32, 3, 1), [N(40, 16, 26, 26)]),
    ("conv2d-seed-cifar-batch-float32", lambda nn: nn.Conv2d(32, 32, 3, padding=1), [N(24, 32, 16, 16)]),
    ("conv2d-odd-channels-batch-float32", lambda nn: nn.Conv2d(5, 7, (3, 2), padding=(2, 1), dilation=(1, 2)),
     [N(33, 5, 11, 13)]),
    ("convT2d-batch-float32", lambda nn: nn.ConvTranspose2d(16, 6, 3, padding=1), [N(36, 16, 12, 12)]),
    ("conv1d-batch-float32", lambda nn: nn.Conv1d(6, 10, 5, padding=2), [N(64, 6, 300)]),
    ("conv1d-40-channels-batch-float32", lambda nn: nn.Conv1d(6, 40, 5, padding=2), [N(16, 6, 300)]),
    # the seed's first layer: an input that needs no gradient (the weight's and the bias's only)
    ("conv2d-seed-first-layer-float32", lambda nn: nn.Conv2d(1, 16, 3, 1), [N(32, 1, 28, 28, grad=False)]),
    ("conv3d-batch-float32", lambda nn: nn.Conv3d(3, 5, 3, padding=1), [N(6, 3, 5, 6, 7)]),
    ("conv3d-33-channels-batch-float32", lambda nn: nn.Conv3d(3, 33, 3, padding=1), [N(4, 3, 5, 6, 7)]),
]
for _mode in ("reflect", "replicate", "circular"):
    MODULES += [
        (f"conv2d-{_mode}", lambda nn, m=_mode: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode=m), [N(2, 3, 6, 7)]),
        (f"conv2d-{_mode}-same", lambda nn, m=_mode: nn.Conv2d(3, 4, (2, 3), padding="same", padding_mode=m),
         [N(2, 3, 5, 6)]),
        (f"conv1d-{_mode}", lambda nn, m=_mode: nn.Conv1d(2, 3, 3, padding=2, padding_mode=m), [N(2, 2, 6)]),
        (f"conv3d-{_mode}", lambda nn, m=_mode: nn.Conv3d(2, 2, 3, padding=1, padding_mode=m), [N(1, 2, 4, 4, 3)]),
    ]
MODULES += [
    ("convT2d", lambda nn: nn.ConvTranspose2d(4, 3, 3), [N(2, 4, 5, 6)]),
    ("convT2d-stride-outpad", lambda nn: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
     [N(2, 4, 5, 6)]),
    ("convT2d-groups-dilation", lambda nn: nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0),
                                                              output_padding=(0, 1), groups=2, dilation=(1, 2)),
     [N(2, 4, 5, 6)]),
    ("convT2d-nobias-unbatched", lambda nn: nn.ConvTranspose2d(3, 2, 2, stride=2, bias=False), [N(3, 4, 4)]),
    ("convT1d", lambda nn: nn.ConvTranspose1d(4, 3, 3, stride=3, padding=1, output_padding=2), [N(2, 4, 5)]),
    ("convT1d-dilation", lambda nn: nn.ConvTranspose1d(2, 4, 3, dilation=2, groups=2), [N(2, 2, 5)]),
    # stride 1 with output_padding: the last rows of the output are reached by no kernel offset
    ("convT2d-stride1-outpad", lambda nn: nn.ConvTranspose2d(2, 3, 3, dilation=2, padding=1, output_padding=1),
     [N(3, 2, 5, 4)]),
    ("convT3d", lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2), [N(1, 2, 3, 3, 2)]),
    ("zeropad2d", lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), [N(2, 3, 4, 4)]),
    ("constantpad1d-crop", lambda nn: nn.ConstantPad1d((-1, 2), 1.5), [N(2, 3, 5)]),
    ("constantpad3d", lambda nn: nn.ConstantPad3d(1, -2.0), [N(1, 2, 2, 3, 2)]),
    ("reflectionpad1d", lambda nn: nn.ReflectionPad1d((2, 3)), [N(2, 3, 5)]),
    ("reflectionpad2d", lambda nn: nn.ReflectionPad2d(2), [N(2, 3, 4, 5)]),
    ("reflectionpad3d", lambda nn: nn.ReflectionPad3d((1, 0, 2, 1, 1, 1)), [N(1, 2, 3, 4, 3)]),
    ("replicationpad1d", lambda nn: nn.ReplicationPad1d((3, 1)), [N(3, 5)]),
    ("replicationpad2d", lambda nn: nn.ReplicationPad2d((1, 4, 2, 0)), [N(2, 3, 4, 5)]),
    ("replicationpad3d", lambda nn: nn.ReplicationPad3d(1), [N(1, 2, 3, 4, 3)]),
    ("circularpad2d", lambda nn: nn.CircularPad2d((1, 2, 3, 0)), [N(2, 3, 4, 5)]),
    ("unfold", lambda nn: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [N(2, 3, 6, 7)]),
    ("fold", lambda nn: nn.Fold((5, 6), (2, 3), padding=(1, 0), stride=(2, 1)), [N(2, 12, 12)]),
]


@pytest.mark.parametrize("build,specs", [m[1:] for m in MODULES], ids=[m[0] for m in MODULES])
def test_module_matches_torch(build, specs):
    check_against_torch(build, specs, atol=1e-4)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled-loops", "blas"])
@pytest.mark.parametrize("build,specs", [m[1:] for m in SEED_FLOAT32], ids=[m[0] for m in SEED_FLOAT32])
def test_float32_batches_match_torch(build, specs, compiled, monkeypatch):
    """Both paths of a stride-1 float32 convolution: the compiled loops (where this CPU has AVX-512)
    and the im2col + BLAS path every other CPU takes."""
    from ember._kernels import loops as _kernels
    if not compiled:
        monkeypatch.setattr(_kernels, "gemm_fits", lambda *arrays: False)
    check_against_torch(build, specs, rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize("channels_last", [False, True], ids=["contiguous", "channels-last-view"])
@pytest.mark.parametrize("d", [1, 2])
def test_float32_weight_gradient_from_the_input_itself(d, channels_last):
    """Without padding, the weight gradient of 32+ output channels reads a contiguous input where it
    lies (no padded copy); a view with the channels last takes the copy. Both against torch."""
    rng = np.random.default_rng(d)
    shape = (12, 16) + (26,) * d
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((32, 16) + (3,) * d, dtype=np.float32) * 0.1
    gy = rng.standard_normal((12, 32) + (24,) * d, dtype=np.float32)
    results = []
    for fw in (torch, ember):
        xt = fw.tensor(np.moveaxis(x, 1, -1).copy()).movedim(-1, 1) if channels_last else fw.tensor(x)
        assert xt.is_contiguous() != channels_last
        xt.requires_grad_(True)
        wt = fw.tensor(w, requires_grad=True)
        conv = fw.nn.functional.conv1d if d == 1 else fw.nn.functional.conv2d
        conv(xt, wt).backward(fw.tensor(gy))
        results.append((xt.grad.numpy(), wt.grad.numpy()))
    for t, e in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled-loops", "blas"])
def test_float32_empty_batch_matches_torch(compiled, monkeypatch):
    """A batch of no images: an empty output and input gradient, zero weight and bias gradients."""
    from ember._kernels import loops as _kernels
    if not compiled:
        monkeypatch.setattr(_kernels, "gemm_fits", lambda *arrays: False)
    results = []
    for fw in (torch, ember):
        x = fw.zeros(0, 16, 26, 26, requires_grad=True)
        w = fw.ones(32, 16, 3, 3, requires_grad=True)
        b = fw.ones(32, requires_grad=True)
        y = fw.nn.functional.conv2d(x, w, b)
        y.sum().backward()
        results.append([tuple(y.shape), tuple(x.grad.shape), w.grad.numpy(), b.grad.numpy()])
    t, e = results
    assert e[:2] == t[:2]
    np.testing.assert_array_equal(e[2], t[2])
    np.testing.assert_array_equal(e[3], t[3])


def test_generated_kernels_are_the_generators_output():
    """src/ember/_kernels/gemm.py is written by tools/gen_gemm_kernels.py: an edit by hand shows here."""
    import pathlib
    import runpy
    root = pathlib.Path(__file__).resolve().parents[2]
    gen = runpy.run_path(str(root / "tools" / "gen_gemm_kernels.py"))
    assert (root / "src" / "ember" / "_kernels" / "gemm.py").read_text(encoding="utf-8") == gen["source"]()


FUNCTIONS = [
    # (name, input specs, args, kwargs): weight and bias are inputs here, so their gradients are compared too
    ("conv2d", [N(2, 3, 7, 6), N(4, 3, 3, 2), N(4)], (), {"stride": 2, "padding": 1}),
    ("conv2d", [N(2, 4, 7, 6), N(6, 2, 2, 2)], (), {"dilation": 2, "groups": 2, "padding": "same"}),
    ("conv2d", [N(2, 3, 7, 6, grad=False), N(4, 3, 3, 3)], (), {}),
    ("conv2d", [N(2, 3, 7, 6), N(4, 3, 3, 3, grad=False)], (), {}),
    ("conv1d", [N(2, 3, 9), N(4, 3, 3), N(4)], (), {"padding": "valid", "stride": 2}),
    ("conv3d", [N(1, 2, 4, 4, 4), N(2, 2, 2, 2, 2), N(2)], (), {"padding": (1, 0, 1)}),
    ("conv_transpose2d", [N(2, 4, 4, 5), N(4, 2, 3, 3), N(2)], (), {"stride": 2, "output_padding": 1}),
    ("conv_transpose1d", [N(2, 4, 5), N(4, 3, 2)], (), {"stride": 2, "padding": 1, "groups": 1, "dilation": 2}),
    ("conv_transpose3d", [N(1, 2, 2, 3, 2), N(2, 2, 2, 2, 2)], (), {"stride": (2, 1, 2)}),
    ("pad", [N(2, 3, 4, 5)], ((1, 2, 3, 0),), {}),
    ("pad", [N(2, 3, 4, 5)], ((-1, 2, 0, -2),), {"value": 0.5}),
    ("pad", [N(2, 3, 4, 5)], ((1, 2, 3, 0),), {"mode": "reflect"}),
    ("pad", [N(2, 3, 4, 5)], ((1, 2, 3, 3),), {"mode": "replicate"}),
    ("pad", [N(3, 4, 5)], ((4, 2),), {"mode": "circular"}),
    ("pad", [N(2, 2, 3, 4, 5)], ((1, 1, 2, 0, 1, 2),), {"mode": "reflect"}),
    ("unfold", [N(2, 3, 6, 5)], ((3, 2),), {"padding": 1}),
    ("unfold", [N(3, 6, 5)], (2,), {"stride": 2}),
    ("fold", [N(2, 12, 15)], ((4, 5), (2, 3)), {"dilation": 1, "padding": (1, 1), "stride": (1, 2)}),
    ("fold", [N(12, 4)], (3, 2), {}),
]


@pytest.mark.parametrize("name,specs,args,kwargs", FUNCTIONS, ids=[f"{f[0]}-{i}" for i, f in enumerate(FUNCTIONS)])
def test_function_matches_torch(name, specs, args, kwargs):
    # circular padding is a sequence of slice copies in torch (CopySlices); the values are what matter
    check_function(name, specs, args, kwargs, atol=1e-4, check_name=kwargs.get("mode") != "circular")


@pytest.mark.parametrize("transposed", [False, True])
def test_second_order_gradients_match_torch(transposed):
    """create_graph=True: the gradient of (grad_x · v) with respect to x, w and the upstream seed."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 2) if transposed else (6, 2, 3, 2)).astype(np.float32)
    results = []
    for lib in (torch, ember):
        F = lib.nn.functional
        tx, tw = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        conv = F.conv_transpose2d if transposed else F.conv2d
        y = conv(tx, tw, stride=2, padding=1, groups=2)
        gy = lib.ones_like(y).requires_grad_(True)
        gx, gw = lib.autograd.grad(y, (tx, tw), gy, create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        results.append((y, gx, gw, tx.grad, tw.grad, gy.grad))
    for e, t in zip(results[1], results[0]):
        assert_close(e, t, rtol=1e-4, atol=1e-3)


def test_channel_mismatch_error_names_the_shapes():
    conv = ember.nn.Conv2d(1, 16, 3)
    with pytest.raises(RuntimeError) as exc:
        conv(ember.zeros(1, 3, 28, 28))
    with pytest.raises(RuntimeError) as texc:
        torch.nn.Conv2d(1, 16, 3)(torch.zeros(1, 3, 28, 28))
    message = ("Given groups=1, weight of size [16, 1, 3, 3], expected input[1, 3, 28, 28] to have 1 channels, but "
               "got 3 channels instead")
    assert str(texc.value) == message
    assert str(exc.value).startswith(message)  # Ember's Module adds the layer's place


ERRORS = [
    ("conv2d", (1, 3, 2, 2), (4, 3, 3, 3), {}),                  # kernel larger than the input
    ("conv2d", (1, 3, 2, 5), (4, 3, 3, 3), {}),
    ("conv2d", (28, 28), (4, 3, 3, 3), {}),                     # wrong rank
    ("conv2d", (1, 4, 8, 8), (4, 2, 3, 3), {"groups": 3}),
    ("conv2d", (1, 4, 8, 8), (4, 4, 3, 3), {"stride": 0}),
    ("conv2d", (1, 4, 8, 8), (4, 4, 3, 3), {"padding": -1}),
    ("conv2d", (1, 4, 8, 8), (4, 4, 3, 3), {"padding": "same", "stride": 2}),
    ("conv2d", (1, 4, 8, 8), (4, 4, 3, 3), {"padding": "full"}),
    ("conv2d", (1, 4, 8, 8), (4, 4, 3, 3), {"stride": (1, 2, 3)}),
    ("conv1d", (1, 4, 8, 8), (4, 4, 3), {}),
    ("conv_transpose2d", (1, 3, 8, 8), (4, 4, 3, 3), {}),
    ("conv_transpose2d", (1, 4, 8, 8), (4, 4, 3, 3), {"stride": 2, "output_padding": 2}),
    ("unfold", (2, 3), 2, {}),
    ("unfold", (1, 2, 3, 3), 4, {}),
]


@pytest.mark.parametrize("name,xshape,wshape,kwargs", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_input_raises_like_torch(name, xshape, wshape, kwargs):
    def call(lib):
        arg = lib.zeros(*wshape) if isinstance(wshape, tuple) else wshape
        return lambda: getattr(lib.nn.functional, name)(lib.zeros(*xshape), arg, **kwargs)
    t_exc, e_exc = raises_like(call(torch), call(ember))
    assert str(e_exc) == str(t_exc)


def test_dtype_mismatch_and_bias_errors_raise_like_torch():
    for args in (((1, 3, 8, 8), (4, 3, 3, 3), (5,)),):
        x, w, b = args
        raises_like(lambda: torch.nn.functional.conv2d(torch.zeros(*x), torch.zeros(*w), torch.zeros(*b)),
                    lambda: ember.nn.functional.conv2d(ember.zeros(*x), ember.zeros(*w), ember.zeros(*b)))
    t, e = raises_like(lambda: torch.nn.functional.conv2d(torch.zeros(1, 3, 5, 5).double(), torch.zeros(2, 3, 3, 3)),
                       lambda: ember.nn.functional.conv2d(ember.zeros(1, 3, 5, 5).double(), ember.zeros(2, 3, 3, 3)))
    assert str(e) == str(t)


@pytest.mark.parametrize("kwargs", [{"groups": 0}, {"groups": 2}, {"padding": "full"}, {"padding": "same", "stride": 2},
                                    {"padding_mode": "wrap"}])
def test_bad_constructor_arguments_raise_like_torch(kwargs):
    t, e = raises_like(lambda: torch.nn.Conv2d(3, 4, 3, **kwargs), lambda: ember.nn.Conv2d(3, 4, 3, **kwargs))
    if "padding_mode" not in kwargs and kwargs.get("padding") != "full":  # torch prints sets there, in hash order
        assert str(e) == str(t)


def test_conv_transpose_output_size_argument():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    tm = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    em = ember.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    for size in ([9, 9], [10, 10], [2, 3, 10, 9]):
        assert_close(em(ember.from_numpy(x), output_size=size), tm(torch.from_numpy(x), output_size=size))
    raises_like(lambda: tm(torch.from_numpy(x), output_size=[12, 12]), lambda: em(ember.from_numpy(x), output_size=[12, 12]))


@pytest.mark.parametrize("cls,args", [("Conv1d", (3, 8, 5)), ("Conv2d", (3, 8, 3)), ("Conv3d", (2, 4, 2)),
                                      ("ConvTranspose2d", (6, 4, 3)), ("Conv2d", (4, 8, 3, 1, 0, 1, 2))])
def test_default_init_follows_torchs_bounds(cls, args):
    """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in from the weight's dim 1 and kernel."""
    ember.manual_seed(0)
    m = getattr(ember.nn, cls)(*args)
    t = getattr(torch.nn, cls)(*args)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [(n, tuple(p.shape))
                                                                     for n, p in t.named_parameters()]
    w = m.weight.detach().numpy()
    bound = 1 / np.sqrt(np.prod(w.shape[1:]))
    assert w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound


REPRS = ["nn.Conv2d(3, 32, 3, padding=1)", "nn.Conv2d(1, 16, 3, 1)",
         "nn.Conv2d(4, 6, (3, 2), stride=2, padding=2, dilation=2, groups=2, bias=False, padding_mode='reflect')",
         "nn.Conv2d(3, 3, 3, padding='same')", "nn.Conv1d(3, 4, 3, padding='valid')", "nn.Conv3d(3, 4, 3, padding=1)",
         "nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1, groups=2)", "nn.ConvTranspose1d(3, 4, 3, 2, 1, 1)",
         "nn.ConvTranspose3d(3, 4, 3, bias=False, dilation=2)", "nn.ZeroPad2d(2)", "nn.ZeroPad2d((1, 2, 3, 4))",
         "nn.ZeroPad1d(1)", "nn.ZeroPad3d(1)", "nn.ConstantPad2d(2, 3.5)", "nn.ConstantPad1d((1, 2), 0)",
         "nn.ConstantPad3d(1, 2)", "nn.ReflectionPad2d(1)", "nn.ReflectionPad1d((1, 2))", "nn.ReplicationPad1d((1, 2))",
         "nn.ReplicationPad3d(1)", "nn.CircularPad2d(1)", "nn.Fold((4, 5), 2)", "nn.Unfold(2, padding=1)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    assert repr(eval(expr, {"nn": ember.nn})) == repr(eval(expr, {"nn": torch.nn}))


def test_float32_stays_float32_and_no_float64_leaks():
    x = ember.randn(2, 3, 6, 6, requires_grad=True)
    conv = ember.nn.Conv2d(3, 4, 3, padding=1)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == conv.weight.grad.dtype == conv.bias.grad.dtype == ember.float32
    assert y.detach().numpy().dtype == np.float32


def test_large_batch_in_chunks_matches_torch():
    """A batch larger than one chunk of the patch matrix (the chunk boundary must not show)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((37, 8, 12, 12)).astype(np.float32)
    w = rng.standard_normal((5, 8, 3, 3)).astype(np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tw, ew = torch.tensor(w, requires_grad=True), ember.tensor(w, requires_grad=True)
    from ember._kernels import conv as C
    old = C.CHUNK_BYTES, C.SHIFTED_CHUNK_BYTES
    C.CHUNK_BYTES = 8 * 9 * 144 * 4 * 3  # three images a chunk: 13 chunks, the last one short
    C.SHIFTED_CHUNK_BYTES = 1 << 15  # the compiled loops' chunks: two images or so each
    try:
        ey = ember.nn.functional.conv2d(ex, ew, padding=1)
        ty = torch.nn.functional.conv2d(tx, tw, padding=1)
        g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
        ty.backward(torch.from_numpy(g))
        ey.backward(ember.from_numpy(g))
    finally:
        C.CHUNK_BYTES, C.SHIFTED_CHUNK_BYTES = old
    assert_close(ey, ty, atol=1e-4)
    assert_close(ex.grad, tx.grad, atol=1e-4)
    assert_close(ew.grad, tw.grad, rtol=1e-4, atol=1e-3)


def test_backward_twice_needs_retain_graph():
    x = ember.randn(1, 2, 5, 5, requires_grad=True)
    y = ember.nn.functional.conv2d(x, ember.randn(3, 2, 3, 3, requires_grad=True)).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


DEEP = [  # (input, weight, stride, padding, dtype): a ResNet's deep layers, few positions and many channels
    ((16, 128, 4, 4), (256, 128, 3, 3), 1, 1, "float32"),
    ((8, 128, 9, 9), (256, 128, 3, 3), 2, 1, "float32"),  # stride 2 on an odd size
    ((16, 256, 8, 8), (512, 256, 1, 1), 2, 0, "float32"),  # the 1×1 stride-2 downsample
    ((8, 128, 5, 5), (256, 128, 3, 3), 1, 1, "float64"),
    ((16, 256, 2, 2), (512, 256, 3, 3), 1, 1, "float32"),  # 2×2 images: stride 1 in the compact layout
    ((16, 256, 2, 2), (384, 256, 3, 3), 1, 1, "float64"),
]


def test_stride_one_takes_the_compact_layout_where_too_many_wide_positions_would_be_dropped():
    from ember._kernels import conv as C
    geo = lambda n, d=2: ((n,) * d, (n,) * d, (3,) * d, (1,) * d, (1,) * d, (1,) * d)  # noqa: E731
    for forward in (False, True):
        assert isinstance(C._layout(geo(2), forward), C._Compact)  # 6 wide positions for 4 outputs
        assert isinstance(C._layout(geo(2, 3), forward), C._Compact)
        assert isinstance(C._layout(geo(16), forward), C._Wide) and isinstance(C._layout(geo(8), forward), C._Wide)
        assert isinstance(C._layout(geo(2, 1), forward), C._Wide)  # 1-d: no dropped positions
    # 3×3 and 4×4 images (13 and 22 wide positions for 9 and 16): compact for a forward's one product,
    # wide for the gradients
    for n in (3, 4):
        assert isinstance(C._layout(geo(n), True), C._Compact) and isinstance(C._layout(geo(n)), C._Wide)


@pytest.mark.parametrize("whole", [True, False], ids=["whole-batch", "chunks"])
@pytest.mark.parametrize("xs,ws,stride,padding,dtype", DEEP, ids=[f"{d[1][0]}-s{d[2]}-{d[4]}" for d in DEEP])
def test_deep_layers_match_torch(xs, ws, stride, padding, dtype, whole, monkeypatch):
    """The whole batch as one patch matrix with the GEMMs split between two threads, and the same
    layers in chunks of the batch: forward, input and weight gradients against torch."""
    from ember._kernels import conv as C
    plan, seen = C._plan, []
    monkeypatch.setattr(C, "WHOLE_BATCH_BYTES", C.WHOLE_BATCH_BYTES if whole else 0)
    monkeypatch.setattr(C, "_plan", lambda *a: seen.append(plan(*a)) or seen[-1])
    threads = ember.get_num_threads()
    ember.set_num_threads(2)
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(xs).astype(dtype), (0.05 * rng.standard_normal(ws)).astype(dtype)
    try:
        out = []
        for fw in (torch, ember):
            xt, wt = fw.tensor(x, requires_grad=True), fw.tensor(w, requires_grad=True)
            y = fw.nn.functional.conv2d(xt, wt, stride=stride, padding=padding)
            y.backward(fw.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)))
            out.append((y, xt.grad, wt.grad))
    finally:
        ember.set_num_threads(threads)
    assert [p[1] for p in seen] == [whole, whole]  # the forward's plan and the backward's
    for t, e in zip(*out):
        assert_close(e, t, rtol=1e-4, atol=1e-3)
