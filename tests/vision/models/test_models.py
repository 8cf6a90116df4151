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
KWARGS = {"vit": {"image_size": 32}}
# too big to run in the default suite (checked with `pytest -m slow`); the biggest get no forward pass at all
SLOW_PARAMS = 30_000_000
NO_FORWARD_PARAMS = 200_000_000


def family(name):
    return next(k for k in sorted(INPUT, key=len, reverse=True) if name.startswith(k))


def num_params(name):
    return tvm.get_model_weights(name).DEFAULT.meta["num_params"]


NAMES = tvm.list_models(module=tvm)
PARAMS = [pytest.param(n, marks=pytest.mark.slow) if num_params(n) > SLOW_PARAMS or family(n) == "maxvit" else n
          for n in NAMES]


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
        # the tails tell normal from uniform draws of one std (1% quantile -2.33 vs -1.70 std)
        (e1, e99), (t1, t99) = np.percentile(e, [1, 99]), np.percentile(t, [1, 99])
        assert max(abs(e1 - t1), abs(e99 - t99)) <= 0.1 * (t99 - t1), f"{key}: 1-99% {e1, e99} vs {t1, t99}"


@pytest.mark.parametrize("name", PARAMS)
def test_model_equals_torchvisions(name):
    kwargs = KWARGS.get(family(name), {})
    torch.manual_seed(0)
    t = tvm.get_model(name, **kwargs)
    e = models.get_model(name, **kwargs)
    # structure: keys, shapes, dtypes, printed form
    te, tt = e.state_dict(), t.state_dict()
    assert list(te) == list(tt)
    assert [tuple(v.shape) for v in te.values()] == [tuple(v.shape) for v in tt.values()]
    assert [str(v.dtype) for v in te.values()] == [str(v.dtype) for v in tt.values()]
    assert repr(e) == repr(t)
    # default initialisation
    for key in tt:
        assert_same_distribution(key, te[key].numpy(), tt[key].numpy())
    if num_params(name) > NO_FORWARD_PARAMS:
        return
    # eval outputs from torchvision's weights
    randomise(t).eval()
    e.load_state_dict(to_ember(t.state_dict()))
    e.eval()
    size = INPUT[family(name)]
    x = np.random.default_rng(1).standard_normal((1, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        want = t(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = e(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4 * np.abs(want).max())


def test_every_torchvision_classification_model_is_here():
    assert set(NAMES) <= set(models.list_models())
    for name in NAMES:
        assert models.get_model_weights(name).__name__ == tvm.get_model_weights(name).__name__
