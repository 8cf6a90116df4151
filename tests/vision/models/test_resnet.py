"""ResNet and LeNet against the same architectures built here with torch.nn, following
torchvision's published ResNet structure and PyTorch's tutorial LeNet: state_dict keys and
shapes, printed form, outputs from shared weights, parameter counts, and how `weights=` is served."""
import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
from ember.vision import models


# ---------------------------------------------------------------------- the reference architectures, in torch
class TBasic(tnn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class TBottleneck(tnn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.conv2 = tnn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.conv3 = tnn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = tnn.BatchNorm2d(planes * 4)
        self.relu = tnn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn3(self.conv3(self.relu(self.bn2(self.conv2(out)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class TResNet(tnn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        self.layer1 = self._layer(block, 64, layers[0], 1)
        self.layer2 = self._layer(block, 128, layers[1], 2)
        self.layer3 = self._layer(block, 256, layers[2], 2)
        self.layer4 = self._layer(block, 512, layers[3], 2)
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512 * block.expansion, num_classes)

    def _layer(self, block, planes, n, stride):
        down = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            down = tnn.Sequential(tnn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                                  tnn.BatchNorm2d(planes * block.expansion))
        blocks = [block(self.inplanes, planes, stride, down)]
        self.inplanes = planes * block.expansion
        return tnn.Sequential(*blocks, *[block(self.inplanes, planes) for _ in range(1, n)])

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class TLeNet(tnn.Module):
    """The tutorial's Net."""

    def __init__(self):
        super().__init__()
        self.conv1 = tnn.Conv2d(1, 6, 5)
        self.conv2 = tnn.Conv2d(6, 16, 5)
        self.fc1 = tnn.Linear(16 * 5 * 5, 120)
        self.fc2 = tnn.Linear(120, 84)
        self.fc3 = tnn.Linear(84, 10)

    def forward(self, x):
        x = TF.max_pool2d(TF.relu(self.conv1(x)), (2, 2))
        x = TF.max_pool2d(TF.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(TF.relu(self.fc2(TF.relu(self.fc1(x)))))


ARCHS = {"resnet18": (TBasic, [2, 2, 2, 2], 11689512), "resnet34": (TBasic, [3, 4, 6, 3], 21797672),
         "resnet50": (TBottleneck, [3, 4, 6, 3], 25557032)}


def torch_model(name, **kwargs):
    if name == "lenet":
        return TLeNet()
    block, layers, _ = ARCHS[name]
    return TResNet(block, layers, **kwargs)


def randomised(model, seed=0):
    """The torch model with random weights and BatchNorm statistics, so that outputs test every parameter."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if v.is_floating_point():
                v.copy_(torch.rand(v.shape, generator=g) * 0.5 + 0.5 if "running_var" in k or k.endswith("bn3.weight")
                        else torch.randn(v.shape, generator=g) * (0.05 if "conv" in k or "downsample.0" in k else 0.2))
    return model.eval()


def to_ember(state):
    return {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in state.items()}


@pytest.mark.parametrize("name", list(ARCHS) + ["lenet"])
def test_state_dict_keys_and_shapes_equal_torchvisions(name):
    e = getattr(models, name)().state_dict()
    t = torch_model(name).state_dict()
    assert list(e) == list(t)
    assert [tuple(v.shape) for v in e.values()] == [tuple(v.shape) for v in t.values()]
    assert [str(v.dtype) for v in e.values()] == [str(v.dtype) for v in t.values()]


@pytest.mark.parametrize("name", list(ARCHS) + ["lenet"])
def test_printed_model_equals_torchs(name):
    assert repr(getattr(models, name)()) == repr(torch_model(name)).replace("TResNet", "ResNet").replace(
        "TBasic", "BasicBlock").replace("TBottleneck", "Bottleneck").replace("TLeNet", "LeNet")


@pytest.mark.parametrize("name", list(ARCHS))
def test_parameter_count_is_torchvisions_published_one(name):
    model = getattr(models, name)()
    assert sum(p.numel() for p in model.parameters()) == ARCHS[name][2]
    assert getattr(models, f"ResNet{name[6:]}_Weights").DEFAULT.meta["num_params"] == ARCHS[name][2]


@pytest.mark.parametrize("name,size", [("resnet18", 64), ("resnet50", 40), ("lenet", 32)])
def test_outputs_from_shared_weights_equal_torchs(name, size):
    t = randomised(torch_model(name))
    e = getattr(models, name)()
    e.load_state_dict(to_ember(t.state_dict()))
    e.eval()
    x = np.random.default_rng(1).standard_normal((2, 1 if name == "lenet" else 3, size, size)).astype(np.float32)
    with torch.no_grad():
        want = t(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = e(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_seed_exercise_resnet18_forward_and_backward():
    """Seed 003: preds = model(torch.rand(1, 3, 64, 64)) has shape (1, 1000); backward fills conv1.weight.grad."""
    model = models.resnet18()
    data, labels = ember.rand(1, 3, 64, 64), ember.rand(1, 1000)
    preds = model(data)
    assert preds.shape == ember.Size([1, 1000])
    assert model.conv1.weight.grad is None
    loss = ember.nn.CrossEntropyLoss()(preds, labels)
    loss.backward()
    assert model.conv1.weight.grad.shape == ember.Size([64, 3, 7, 7]) and model.fc.bias.grad.abs().sum() > 0


def test_initialisation_as_torchvision():
    ember.manual_seed(0)
    m = models.resnet18(zero_init_residual=True, num_classes=10)
    w = m.conv1.weight.detach().numpy()
    # kaiming normal, fan_out, relu: std = sqrt(2 / (64 * 7 * 7))
    assert abs(w.std() / np.sqrt(2 / (64 * 49)) - 1) < 0.05 and abs(w.mean()) < 0.01
    assert m.bn1.weight.tolist() == [1.0] * 64 and m.bn1.bias.tolist() == [0.0] * 64
    assert m.layer1[0].bn2.weight.sum().item() == 0 and m.layer1[0].bn1.weight.sum().item() == 64
    assert m.fc.weight.shape == ember.Size([10, 512])
    assert models.resnet50(zero_init_residual=True).layer2[0].bn3.weight.abs().sum().item() == 0


# ---------------------------------------------------------------------- weights=
@pytest.mark.parametrize("weights", [models.ResNet18_Weights.DEFAULT, models.ResNet18_Weights.IMAGENET1K_V1,
                                     "IMAGENET1K_V1", "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1"])
def test_hub_weights_offline_the_error_says_what_to_do(hub, weights):
    with pytest.raises(RuntimeError) as info:
        models.resnet18(weights=weights)
    msg = str(info.value)
    assert "ResNet18_Weights.IMAGENET1K_V1 are not in the hub cache and could not be downloaded" in msg
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in msg
    assert str(hub / "resnet18-f37072fd.pth") in msg and "weights='/path/to/resnet18-f37072fd.pth'" in msg


def test_legacy_pretrained_flag(hub):
    with pytest.warns(UserWarning) as record:
        with pytest.raises(RuntimeError, match="could not be downloaded"):
            models.resnet18(pretrained=True)
    assert [str(w.message)[:40] for w in record] == ["The parameter 'pretrained' is deprecated",
                                                     "Arguments other than a weight enum or `N"]
    assert "equivalent to passing `weights=ResNet18_Weights.IMAGENET1K_V1`" in str(record[1].message)
    with pytest.warns(UserWarning, match="The parameter 'pretrained' is deprecated"):
        assert isinstance(models.resnet18(pretrained=False), models.ResNet)


def test_weights_from_a_local_checkpoint_and_the_hub_cache(hub, tmp_path):
    t = randomised(torch_model("resnet18"), seed=3)
    path = tmp_path / "resnet18.pth"
    torch.save(t.state_dict(), path)
    x = np.random.default_rng(2).standard_normal((1, 3, 48, 48)).astype(np.float32)
    with torch.no_grad():
        want = t(torch.from_numpy(x)).numpy()

    def check(model):
        with ember.no_grad():
            np.testing.assert_allclose(model.eval()(ember.from_numpy(x)).numpy(), want, rtol=1e-4,
                                       atol=1e-4 * np.abs(want).max())
    check(models.resnet18(weights=path))  # a pathlib.Path; the other checks pass strings
    torch.save({"epoch": 3, "model": t.state_dict()}, tmp_path / "training.pth")
    check(models.resnet18(weights=str(tmp_path / "training.pth")))
    torch.save(t.state_dict(), hub / "resnet18-f37072fd.pth")
    check(models.resnet18(weights=models.ResNet18_Weights.DEFAULT))
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
        models.resnet18(weights="DEFAULT", num_classes=10)


def test_lenet_weights_from_an_ember_checkpoint(tmp_path):
    src = models.lenet()
    ember.save(src.state_dict(), str(tmp_path / "lenet.pt"))
    loaded = models.lenet(weights=str(tmp_path / "lenet.pt"))
    x = ember.rand(1, 1, 32, 32)
    assert ember.equal(loaded(x), src(x)) and loaded(x).shape == ember.Size([1, 10])


def test_bad_weights_arguments():
    with pytest.raises(FileNotFoundError, match="neither a checkpoint file nor one of ResNet18_Weights"):
        models.resnet18(weights="/nowhere/resnet18.pth")
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received ResNet50_Weights"):
        models.resnet18(weights=models.ResNet50_Weights.DEFAULT)


def test_weights_enums_and_model_registry():
    assert models.ResNet18_Weights.DEFAULT is models.ResNet18_Weights.IMAGENET1K_V1
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert repr(models.ResNet50_Weights.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    assert models.get_weight("ResNet34_Weights.IMAGENET1K_V1") is models.ResNet34_Weights.IMAGENET1K_V1
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert {"resnet18", "resnet34", "resnet50", "lenet"} <= set(models.list_models())
    assert isinstance(models.get_model("resnet18", num_classes=7), models.ResNet)
    preprocess = models.ResNet18_Weights.DEFAULT.transforms()
    assert repr(preprocess) == ("ImageClassification(\n    crop_size=[224]\n    resize_size=[256]\n"
                                "    mean=[0.485, 0.456, 0.406]\n    std=[0.229, 0.224, 0.225]\n"
                                "    interpolation=InterpolationMode.BILINEAR\n)")
    from PIL import Image
    out = preprocess(Image.fromarray(np.zeros((300, 400, 3), np.uint8)))
    assert out.shape == ember.Size([3, 224, 224]) and abs(out[0, 0, 0].item() + 0.485 / 0.229) < 1e-5
