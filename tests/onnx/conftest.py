"""The seed models in Ember (and their PyTorch twins) and a harness: export, check, run with onnxruntime."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.demo import ConvNet  # noqa: F401 - the seed's MNIST ConvNet (cn1/cn2/dp1/dp2/fc1/fc2)


def pima_mlp():
    return nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())


def cifar_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 32, kernel_size=(3, 3), stride=1, padding=1), nn.ReLU(), nn.Dropout(0.3),
        nn.Conv2d(32, 32, kernel_size=(3, 3), stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=(2, 2)),
        nn.Flatten(), nn.Linear(8192, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))


class MnistMLP(nn.Module):
    """The blog post's 784-256-128-64-32-10 MLP with torch.sigmoid (seed 002)."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.l1, self.l2, self.l3 = nn.Linear(784, 256), nn.Linear(256, 128), nn.Linear(128, 64)
        self.l4, self.out = nn.Linear(64, 32), nn.Linear(32, 10)

    def forward(self, x):
        x = self.flatten(x)
        for layer in (self.l1, self.l2, self.l3, self.l4):
            x = ember.sigmoid(layer(x))
        return self.out(x)


class LeNet(nn.Module):
    """The exercise set's LeNet (seed 003): conv, F.max_pool2d, view, F.relu."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 4 * 4, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 4 * 4)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def resnet18():
    from ember.vision.models import resnet18 as build
    model = build()
    model.eval()
    for m in model.modules():  # non-trivial running statistics, so BatchNormalization is really checked
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model


def outputs_of(model, x):
    with ember.no_grad():
        out = model(x)
    return [o.numpy() for o in (out if isinstance(out, (tuple, list)) else (out,))]


def export_and_run(model, x, path, other_batches=(), **kwargs):
    """Export `model` on example `x`, check the file, and compare onnxruntime's outputs with Ember's
    (in eval mode) on x and on inputs of `other_batches` sizes; returns the loaded ONNX model."""
    ember.onnx.export(model, (x,), str(path), **kwargs)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    model.eval()
    for batch in (x.shape[0],) + tuple(other_batches):
        xb = x if batch == x.shape[0] else ember.randn(batch, *x.shape[1:])
        got = session.run(None, {name: xb.numpy()})
        want = outputs_of(model, xb)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    return proto


@pytest.fixture
def onnx_path(tmp_path):
    return tmp_path / "model.onnx"
