"""The segmentation models (ember.vision.models.segmentation) against torchvision 0.28's, built in the test:
weights enums, registry, state_dict keys and shapes, printed form, and eval outputs from torchvision's
(randomised) state_dict at small inputs; the heads on a small ResNet in the default run, the full ResNet
models with `pytest -m slow`; `weights=` from a checkpoint file and the builders' errors."""
import numpy as np
import pytest
import torch
import torchvision.models as tvm
import torchvision.models.segmentation as tseg
from torchvision.models._utils import IntermediateLayerGetter as TGetter

import ember
from ember.vision import models
from ember.vision.models import segmentation as eseg
from ember.vision.models._utils import IntermediateLayerGetter as EGetter

from .test_models import randomise, to_ember

BUILDERS = tvm.list_models(module=tseg)
SMALL = {"lraspp_mobilenet_v3_large"}  # the others take seconds to build and run in torch


def same_outputs(t, e, size=32, seed=1):
    randomise(t).eval()
    e.load_state_dict(to_ember(t.state_dict()))
    e.eval()
    x = np.random.default_rng(seed).standard_normal((1, 3, size, size + 3)).astype(np.float32)
    with torch.no_grad():
        want = t(torch.from_numpy(x))
    with ember.no_grad():
        got = e(ember.from_numpy(x))
    assert list(got) == list(want)
    for k in want:
        w = want[k].numpy()
        np.testing.assert_allclose(got[k].numpy(), w, rtol=1e-3, atol=1e-4 * np.abs(w).max())


def test_registry_and_weights_enums_equal_torchvisions():
    assert models.list_models(module=eseg) == BUILDERS
    assert not set(BUILDERS) & set(models.list_models(module=models))
    for name in BUILDERS:
        t, e = tvm.get_model_weights(name), models.get_model_weights(name)
        assert e.__name__ == t.__name__ and e is getattr(eseg, t.__name__)
        assert list(e.__members__) == list(t.__members__)
        for member, tw in t.__members__.items():
            ew = e[member]
            assert repr(ew) == repr(tw) and ew.url == tw.url
            assert ew.meta == {k: (list(v) if k == "categories" else v) for k, v in tw.meta.items() if k != "_docs"}
            assert ew.transforms.func.__name__ == tw.transforms.func.__name__ == "SemanticSegmentation"
            assert ew.transforms.keywords == tw.transforms.keywords


@pytest.mark.parametrize("name", [n if n in SMALL else pytest.param(n, marks=pytest.mark.slow) for n in BUILDERS])
@pytest.mark.parametrize("aux_loss", [False, True])
def test_models_equal_torchvisions(name, aux_loss):
    if name.startswith("lraspp") and aux_loss:
        for lib in (tvm, models):
            with pytest.raises(NotImplementedError, match="does not use auxiliary loss"):
                lib.get_model(name, weights_backbone=None, aux_loss=True)
        return
    torch.manual_seed(0)
    t = tvm.get_model(name, weights_backbone=None, num_classes=5, aux_loss=aux_loss)
    e = models.get_model(name, weights_backbone=None, num_classes=5, aux_loss=aux_loss)
    assert type(e).__name__ == type(t).__name__ and repr(e) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    same_outputs(t, e)


@pytest.mark.parametrize("head", ["fcn", "deeplabv3"])
def test_heads_on_a_small_backbone(head):
    """FCN and DeepLabV3 with their heads (and the auxiliary head) on a two-convolution backbone, cheap enough to
    run by default (the full models run with -m slow)."""
    def assemble(lib, seg, getter):
        layers = lib.nn.Sequential(lib.nn.Conv2d(3, 6, 3, stride=2, padding=1), lib.nn.Conv2d(6, 8, 3, padding=2,
                                                                                                dilation=2))
        features = getter(layers, {"1": "out", "0": "aux"})
        if head == "fcn":
            return seg.FCN(features, seg.fcn.FCNHead(8, 4), seg.fcn.FCNHead(6, 4))
        return seg.DeepLabV3(features, seg.deeplabv3.DeepLabHead(8, 4, (2, 3)), seg.fcn.FCNHead(6, 4))
    torch.manual_seed(0)
    t, e = assemble(torch, tseg, TGetter), assemble(ember, eseg, EGetter)
    assert repr(e) == repr(t)
    same_outputs(t, e, size=12)


def test_intermediate_layer_getter_as_torchvisions():
    t = TGetter(tvm.resnet18(), {"layer1": "feat1", "layer3": "feat2"})
    e = EGetter(models.resnet18(), {"layer1": "feat1", "layer3": "feat2"})
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    for lib, getter in ((torch, TGetter), (ember, EGetter)):
        with pytest.raises(ValueError, match="return_layers are not present in model"):
            getter(lib.nn.Sequential(lib.nn.ReLU()), {"layer9": "x"})


def test_weights_from_a_checkpoint_file_and_errors(tmp_path, hub):
    torch.manual_seed(0)
    t = randomise(tvm.get_model("lraspp_mobilenet_v3_large", weights_backbone=None, num_classes=3)).eval()
    path = tmp_path / "lraspp.pth"
    torch.save(t.state_dict(), path)
    e = eseg.lraspp_mobilenet_v3_large(weights=str(path)).eval()  # the classes come from the checkpoint
    x = np.random.default_rng(2).standard_normal((1, 3, 32, 32)).astype(np.float32)
    with torch.no_grad(), ember.no_grad():
        np.testing.assert_allclose(e(ember.from_numpy(x))["out"].numpy(), t(torch.from_numpy(x))["out"].numpy(),
                                   rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError) as want:
        tseg.fcn_resnet50(weights="DEFAULT", num_classes=10)
    with pytest.raises(ValueError) as got:
        eseg.fcn_resnet50(weights="DEFAULT", num_classes=10)
    assert str(got.value) == str(want.value)
    with pytest.raises(RuntimeError, match="lraspp_mobilenet_v3_large-d234d4ea.pth"):
        eseg.lraspp_mobilenet_v3_large(weights="DEFAULT")
    with pytest.raises(RuntimeError, match="mobilenet_v3_large-8738ca79.pth"):  # the backbone's, by default
        eseg.lraspp_mobilenet_v3_large()
