"""The weights enums, the registry and `weights=` loading against torchvision 0.28: every enum's members,
url, meta and preprocessing; checkpoints written by torch into a temporary hub cache and read by Ember."""
import math

import numpy as np
import pytest
import torch
import torchvision.models as tvm
from PIL import Image

import ember
from ember.vision import models

ENUMS = sorted({tvm.get_model_weights(n).__name__: n for n in tvm.list_models(module=tvm)}.items())


def same(a, b):
    """Equal, with NaN equal to NaN (vgg16's feature weights have no accuracy)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


@pytest.mark.parametrize("enum_name,builder", ENUMS)
def test_weights_enum_equals_torchvisions(enum_name, builder):
    t, e = tvm.get_model_weights(builder), models.get_model_weights(builder)
    assert e.__name__ == enum_name and e is getattr(models, enum_name)
    assert list(e.__members__) == list(t.__members__)
    assert e.DEFAULT is e[t.DEFAULT.name]
    for name, tw in t.__members__.items():
        ew = e[name]
        assert repr(ew) == repr(tw) and ew.url == tw.url
        assert same(ew.meta, {k: v for k, v in tw.meta.items() if k != "_docs"})
        assert repr(ew.transforms()) == repr(tw.transforms())
        assert models.get_weight(f"{enum_name}.{name}") is ew


def test_registry_equals_torchvisions():
    assert set(tvm.list_models(module=tvm)) <= set(models.list_models())
    assert set(models.list_models()) - set(tvm.list_models(module=tvm)) == \
        {"lenet"} | set(tvm.list_models(module=tvm.segmentation))
    assert models.list_models(include="resnet*", exclude="*50*") == tvm.list_models(include="resnet*",
                                                                                    exclude="*50*")
    assert models.get_model_weights(models.vgg16) is models.VGG16_Weights
    assert isinstance(models.get_model("mobilenet_v3_small", num_classes=7), models.MobileNetV3)
    with pytest.raises(ValueError, match="Unknown model nonet"):
        models.get_model("nonet")


@pytest.mark.parametrize("weights", ["ResNet50_Weights.IMAGENET1K_V2", "EfficientNet_B3_Weights.IMAGENET1K_V1",
                                     "EfficientNet_V2_L_Weights.IMAGENET1K_V1", "ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1"])
def test_preset_transforms_equal_torchvisions_on_an_image(weights):
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (150, 120, 3)).astype(np.uint8))
    small = {"crop_size": 56, "resize_size": 64}  # the preset's interpolation, mean and std; a cheap size
    tw = tvm.get_weight(weights)
    t = tw.transforms.func(**{**tw.transforms.keywords, **small})
    e = models.get_weight(weights).transforms.func(**{**models.get_weight(weights).transforms.keywords, **small})
    want, got = t(img), e(img)
    assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == tuple(want.shape) == (3, 56, 56)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-5)


@pytest.mark.parametrize("weights", ["FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1",
                                     "LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1"])
def test_segmentation_preset_equals_torchvisions(weights):
    img = Image.fromarray(np.random.default_rng(1).integers(0, 256, (70, 90, 3)).astype(np.uint8))
    t = tvm.get_weight(weights).transforms(resize_size=48)
    e = models.get_weight(weights).transforms(resize_size=48)
    assert repr(e) == repr(t)
    np.testing.assert_allclose(e(img).numpy(), t(img).numpy(), atol=2e-5)


# ---------------------------------------------------------------------- weights= from the hub cache
def saved_in_hub(hub, name, weights, convert=lambda state: state, **kwargs):
    """A torchvision model with random weights, its state_dict saved by torch where the hub keeps `weights`."""
    torch.manual_seed(1)
    t = tvm.get_model(name, **kwargs)
    with torch.no_grad():
        for k, v in t.state_dict().items():
            if v.is_floating_point():
                v.copy_(torch.rand(v.shape) + 0.5 if k.endswith("running_var") else torch.randn(v.shape) * 0.1)
    torch.save(convert(t.state_dict()), hub / tvm.get_weight(weights).url.rsplit("/", 1)[1])
    return t.eval()


def outputs(model, x, module=ember):
    with module.no_grad():
        return model.eval()(module.from_numpy(x.copy())).numpy()


X = np.random.default_rng(3).standard_normal((1, 3, 32, 32)).astype(np.float32)


@pytest.mark.parametrize("name,weights", [("resnet18", "ResNet18_Weights.IMAGENET1K_V1"),
                                          ("mobilenet_v3_small", "MobileNet_V3_Small_Weights.DEFAULT"),
                                          ("squeezenet1_1", "SqueezeNet1_1_Weights.IMAGENET1K_V1")])
def test_weights_load_torchvisions_checkpoint_from_the_hub_cache(hub, name, weights):
    t = saved_in_hub(hub, name, weights)
    e = models.get_model(name, weights=models.get_weight(weights))
    np.testing.assert_allclose(outputs(e, X), outputs(t, X, torch), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        models.get_model(name, weights=weights.split(".")[1], num_classes=10)


def test_densenet_checkpoints_with_the_published_key_names_load(hub):
    def published(state):  # the released files say "denselayer1.norm.1" for "denselayer1.norm1", and predate
        import re          # num_batches_tracked
        return {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v for k, v in state.items()
                if not k.endswith("num_batches_tracked")}
    t = saved_in_hub(hub, "densenet121", "DenseNet121_Weights.IMAGENET1K_V1", published)
    assert "features.denseblock1.denselayer1.norm.1.weight" in torch.load(hub / "densenet121-a639ec97.pth")
    e = models.densenet121(weights="DEFAULT")
    np.testing.assert_allclose(outputs(e, X), outputs(t, X, torch), rtol=1e-4, atol=1e-5)


def test_googlenet_weights_drop_the_auxiliary_heads_and_transform_the_input(hub):
    saved_in_hub(hub, "googlenet", "GoogLeNet_Weights.IMAGENET1K_V1", init_weights=False)
    e = models.googlenet(weights=models.GoogLeNet_Weights.DEFAULT)
    t = tvm.googlenet(weights=None, aux_logits=True, transform_input=True, init_weights=False)
    t.load_state_dict(torch.load(hub / "googlenet-1378be20.pth"))
    t.aux_logits, t.aux1, t.aux2 = False, None, None
    assert e.transform_input and not e.aux_logits and e.aux1 is None and repr(e) == repr(t)
    np.testing.assert_allclose(outputs(e, X), outputs(t, X, torch), rtol=1e-4, atol=1e-5)
    with pytest.warns(UserWarning, match="auxiliary heads in the pretrained googlenet model are NOT pretrained"):
        assert models.googlenet(weights="DEFAULT", aux_logits=True).aux1 is not None


@pytest.mark.parametrize("name,size", [("googlenet", 32), pytest.param("inception_v3", 299, marks=pytest.mark.slow)])
def test_train_mode_returns_the_auxiliary_logits_as_torchvision(name, size):
    torch.manual_seed(0)
    t = tvm.get_model(name, init_weights=False, num_classes=10).train()
    e = models.get_model(name, init_weights=False, num_classes=10).train()
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    got, want = e(ember.from_numpy(x)), t(torch.from_numpy(x))
    assert type(got).__name__ == type(want).__name__ and got._fields == want._fields
    assert [tuple(v.shape) for v in got] == [tuple(v.shape) for v in want]
    assert isinstance(e.eval()(ember.from_numpy(x)), ember.Tensor)


def test_without_the_file_and_offline_the_error_says_where_to_put_it(hub):
    with pytest.raises(RuntimeError) as info:
        models.efficientnet_b0(weights="DEFAULT")
    msg = str(info.value)
    assert "EfficientNet_B0_Weights.IMAGENET1K_V1 are not in the hub cache and could not be downloaded" in msg
    assert "https://download.pytorch.org/models/efficientnet_b0_rwightman-7f5810bc.pth" in msg
    assert str(hub / "efficientnet_b0_rwightman-7f5810bc.pth") in msg
    assert list(hub.iterdir()) == []  # nothing half-written


def test_enum_members_come_from_torchvision_generated_data():
    w = models.ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1
    assert w.meta["min_size"] == (384, 384) and len(w.meta["categories"]) == 1000
    assert w.meta["categories"][:2] == ["tench", "goldfish"]
    assert models.VGG16_Weights.IMAGENET1K_FEATURES.meta["categories"] is None
    assert models.vgg16(weights=None, num_classes=3).classifier[-1].out_features == 3
