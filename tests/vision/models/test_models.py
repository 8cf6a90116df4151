"""Every classification architecture against torchvision 0.28's, built in the test: state_dict keys,
shapes and dtypes, printed form, default initialisation (per-tensor statistics), and eval-mode
outputs after copying torchvision's weights into Ember's model."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torchvision.models as tvm

import ember
from ember.vision import models

# the smallest input each family accepts (and what keeps a forward pass cheap)
INPUT = {"alexnet": 63, "vgg": 32, "resnet": 32, "resnext": 32, "wide_resnet": 32, "squeezenet": 32,
         "densenet": 32, "inception": 75, "googlenet": 32, "mobilenet": 32, "shufflenet": 32, "mnasnet": 32,
         "efficientnet": 32, "regnet": 32, "convnext": 32, "vit": 32, "swin": 64, "maxvit": 224}
# builder arguments both sides get, to keep the big models small where the architecture allows
KWARGS = {"vit": {"image_size": 32}, "vit_h_14": {"image_size": 28}}  # a multiple of the patch size
# the default run checks structure and initialisation of the models up to this size, and the forward pass of
# one model per family (the others' blocks run in the tiny configurations below); `pytest -m slow` checks all
SLOW_PARAMS = 15_000_000
SLOW_INIT = {"convnext_tiny", "swin_t", "swin_v2_t", "inception_v3", "maxvit_t"}  # torch's trunc_normal_ is slow
FORWARD = {"resnet18", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small", "shufflenet_v2_x0_5", "mnasnet0_5",
           "efficientnet_b0", "regnet_y_400mf", "regnet_x_400mf"}  # densenet, googlenet: in test_api.py
NO_FORWARD_PARAMS = 10**9  # all get a forward pass with -m slow (the four biggest take ~20 min together)


def family(name):
    return next(k for k in sorted(INPUT, key=len, reverse=True) if name.startswith(k))


def num_params(name):
    return tvm.get_model_weights(name).DEFAULT.meta["num_params"]


NAMES = tvm.list_models(module=tvm)


def marked(names, default):
    return [n if default(n) else pytest.param(n, marks=pytest.mark.slow) for n in names]


def to_ember(state):
    """torch's state_dict as Ember tensors, with its per-module metadata (versions)."""
    out = OrderedDict((k, ember.from_numpy(v.detach().numpy().copy())) for k, v in state.items())
    out._metadata = state._metadata
    return out


def randomise(model, seed=0):
    """Random running statistics, norm parameters, biases and whatever starts constant (a zero classifier, a
    zero class token), so that the outputs test every tensor."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if not v.is_floating_point():
                continue
            if k.endswith("running_var"):
                v.copy_(torch.rand(v.shape, generator=g) + 0.5)
            elif v.ndim == 1 or v.numel() == 1 or v.std() == 0:
                v.add_(torch.randn(v.shape, generator=g) * 0.1)
    return model


def assert_same_distribution(key, e, t):
    """Ember's default initial tensor `e` looks drawn from the same distribution as torchvision's `t`."""
    e, t = e.ravel()[:100_000].astype(np.float64), t.ravel()[:100_000].astype(np.float64)  # enough for the stats
    if t.std() == 0:
        assert np.all(e == t.flat[0]), f"{key}: torchvision's is constant {t.flat[0]}, Ember's is not"
        return
    assert e.std() > 0, f"{key}: Ember's is constant"
    if t.size >= 1000:
        assert abs(e.std() / t.std() - 1) < 0.15, f"{key}: std {e.std()} vs torchvision's {t.std()}"
        assert abs(e.mean() - t.mean()) < 0.15 * t.std() + 1e-7, f"{key}: mean {e.mean()} vs {t.mean()}"
    if t.size >= 10000:
        # the tails tell normal from uniform draws of one std (1% quantile -2.33 vs -1.70 std)
        (e1, e99), (t1, t99) = np.percentile(e, [1, 99]), np.percentile(t, [1, 99])
        assert max(abs(e1 - t1), abs(e99 - t99)) <= 0.1 * (t99 - t1), f"{key}: 1-99% {e1, e99} vs {t1, t99}"


def build_both(name, **kwargs):
    kwargs = {**KWARGS.get(family(name), {}), **KWARGS.get(name, {}), **kwargs}
    torch.manual_seed(0)
    ember.manual_seed(0)
    return tvm.get_model(name, **kwargs), models.get_model(name, **kwargs)


@pytest.mark.parametrize("name", marked(NAMES, lambda n: num_params(n) <= SLOW_PARAMS and n not in SLOW_INIT))
def test_structure_and_initialisation_equal_torchvisions(name):
    t, e = build_both(name)
    te, tt = e.state_dict(), t.state_dict()
    assert list(te) == list(tt)
    assert [tuple(v.shape) for v in te.values()] == [tuple(v.shape) for v in tt.values()]
    assert [str(v.dtype) for v in te.values()] == [str(v.dtype) for v in tt.values()]
    assert repr(e) == repr(t)
    for key in tt:
        assert_same_distribution(key, te[key].numpy(), tt[key].numpy())


def assert_same_outputs(t, e, x):
    """Ember's model `e` with torchvision's `t`'s (randomised) weights gives t's eval outputs on x."""
    randomise(t).eval()
    e.load_state_dict(to_ember(t.state_dict()))
    e.eval()
    with torch.no_grad():
        want = t(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = e(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * np.abs(want).max())


@pytest.mark.parametrize("name", marked([n for n in NAMES if num_params(n) <= NO_FORWARD_PARAMS],
                                        lambda n: n in FORWARD))
def test_eval_outputs_equal_torchvisions(name):
    t, e = build_both(name)
    size = KWARGS.get(name, {}).get("image_size", INPUT[family(name)])
    assert_same_outputs(t, e, np.random.default_rng(1).standard_normal((1, 3, size, size)).astype(np.float32))


def test_every_torchvision_classification_model_is_here():
    assert set(NAMES) <= set(models.list_models())
    for name in NAMES:
        assert models.get_model_weights(name).__name__ == tvm.get_model_weights(name).__name__


# ---------------------------------------------------------------------- tiny configurations of the big families
def _tiny(module, name, *args, **kwargs):
    """A class of torchvision's module and Ember's same class, each built with the same small arguments (the
    arguments may be callables taking the library's module, for blocks and configs)."""
    import importlib
    tmod, emod = importlib.import_module(f"torchvision.models.{module}"), getattr(models, module)

    def make(mod):
        resolve = lambda a: a(mod) if callable(a) and not isinstance(a, type) else a  # noqa: E731
        return getattr(mod, name)(*[resolve(a) for a in args], **{k: resolve(v) for k, v in kwargs.items()})
    torch.manual_seed(0)
    return make(tmod), make(emod)


TINY = {
    "convnext": (lambda: _tiny("convnext", "ConvNeXt", lambda m: [m.CNBlockConfig(8, 16, 2), m.CNBlockConfig(16, None, 1)],
                               layer_scale=0.5, num_classes=5), 16),
    "swin": (lambda: _tiny("swin_transformer", "SwinTransformer", [2, 2], 8, [2, 2], [2, 4], [3, 3], num_classes=5), 28),
    "swin_v2": (lambda: _tiny("swin_transformer", "SwinTransformer", [2, 2], 8, [2, 2], [2, 4], [3, 3], num_classes=5,
                              block=lambda m: m.SwinTransformerBlockV2,
                              downsample_layer=lambda m: m.PatchMergingV2), 28),
    "vit": (lambda: _tiny("vision_transformer", "VisionTransformer", 16, 4, 2, 2, 8, 16, num_classes=5), 16),
    "vit_representation": (lambda: _tiny("vision_transformer", "VisionTransformer", 16, 8, 1, 2, 8, 16, num_classes=5,
                                         representation_size=6), 16),
    "maxvit": (lambda: _tiny("maxvit", "MaxVit", (56, 56), 8, 7, [8, 16], [2, 1], 4, 0.1, num_classes=5), 56),
    "efficientnet_fused": (lambda: _tiny("efficientnet", "EfficientNet", lambda m: [
        m.FusedMBConvConfig(1, 3, 1, 8, 8, 2), m.FusedMBConvConfig(4, 3, 2, 8, 16, 1), m.MBConvConfig(4, 3, 2, 16, 16, 2)],
        0.2, num_classes=5), 16),
    "densenet": (lambda: _tiny("densenet", "DenseNet", 4, (2, 1, 1, 1), 8, num_classes=5), 32),
    "mobilenet_v3_dilated": (lambda: _tiny("mobilenetv3", "MobileNetV3", lambda m: m._mobilenet_v3_conf(
        "mobilenet_v3_small", width_mult=0.5, reduced_tail=True, dilated=True)[0], 64, num_classes=5), 32),
}


@pytest.mark.parametrize("config", list(TINY))
def test_tiny_configurations_equal_torchvisions(config):
    make, size = TINY[config]
    t, e = make()
    assert repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert_same_outputs(t, e, np.random.default_rng(2).standard_normal((2, 3, size, size)).astype(np.float32))
