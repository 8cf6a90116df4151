"""ember.onnx.export: the seed models export to files onnx.checker accepts and onnxruntime runs to
Ember's outputs (within 1e-5); PyTorch with the same weights agrees with onnxruntime too."""
import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.onnx.conftest import pima_mlp, ConvNet, cifar_cnn, MnistMLP, LeNet, resnet18, export_and_run

BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}

SEED_MODELS = {  # name: (builder, example input shape)
    "pima_mlp": (pima_mlp, (10, 8)),
    "mnist_convnet": (ConvNet, (2, 1, 28, 28)),
    "cifar_cnn": (cifar_cnn, (2, 3, 32, 32)),
    "mnist_mlp": (MnistMLP, (4, 1, 28, 28)),
    "lenet": (LeNet, (2, 1, 28, 28)),
    "resnet18": (resnet18, (1, 3, 64, 64)),
}


@pytest.mark.parametrize("name", list(SEED_MODELS))
def test_seed_models_match_onnxruntime(name, onnx_path):
    ember.manual_seed(0)
    build, shape = SEED_MODELS[name]
    model = build()
    proto = export_and_run(model, ember.randn(*shape), onnx_path, other_batches=(3,),
                           input_names=["input"], output_names=["output"], dynamic_axes=BATCH)
    assert [i.name for i in proto.graph.input] == ["input"] and [o.name for o in proto.graph.output] == ["output"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_state_dict_names_become_initializers(onnx_path):
    model = ConvNet()
    proto = export_and_run(model, ember.randn(1, 1, 28, 28), onnx_path)
    names = {i.name for i in proto.graph.initializer}
    assert set(model.state_dict()) <= names
    for init in proto.graph.initializer:
        if init.name in model.state_dict():
            np.testing.assert_array_equal(onnx.numpy_helper.to_array(init), model.state_dict()[init.name].numpy())


def to_torch(model, torch_model, tmp_path):
    """torch_model with model's weights, passed through ember.save and torch.load."""
    ember.save(model.state_dict(), tmp_path / "w.pt")
    torch_model.load_state_dict(torch.load(tmp_path / "w.pt", weights_only=True))
    return torch_model.eval()


def torch_twin(name):
    tn = torch.nn
    if name == "pima_mlp":
        return tn.Sequential(tn.Linear(8, 12), tn.ReLU(), tn.Linear(12, 8), tn.ReLU(), tn.Linear(8, 1), tn.Sigmoid())
    return tn.Sequential(
        tn.Conv2d(3, 32, 3, 1, 1), tn.ReLU(), tn.Dropout(0.3), tn.Conv2d(32, 32, 3, 1, 1), tn.ReLU(),
        tn.MaxPool2d(2), tn.Flatten(), tn.Linear(8192, 512), tn.ReLU(), tn.Dropout(0.5), tn.Linear(512, 10))


@pytest.mark.parametrize("name", ["pima_mlp", "cifar_cnn"])
def test_exported_graph_agrees_with_torch(name, onnx_path, tmp_path):
    ember.manual_seed(1)
    build, shape = SEED_MODELS[name]
    model = build()
    twin = to_torch(model, torch_twin(name), tmp_path)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    export_and_run(model, ember.tensor(x), onnx_path, input_names=["input"])
    got = ort.InferenceSession(str(onnx_path)).run(None, {"input": x})[0]
    with torch.no_grad():
        np.testing.assert_allclose(got, twin(torch.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-5)


def test_fixed_shapes_without_dynamic_axes(onnx_path):
    proto = export_and_run(pima_mlp(), ember.randn(5, 8), onnx_path)
    dims = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [5, 8]
    session = ort.InferenceSession(str(onnx_path))
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        session.run(None, {"input": np.zeros((3, 8), np.float32)})


def test_dynamic_axes_list_form_names_dims_like_torch(onnx_path):
    proto = export_and_run(pima_mlp(), ember.randn(5, 8), onnx_path, other_batches=(1, 7),
                           input_names=["x"], output_names=["y"], dynamic_axes={"x": [0], "y": [0]})
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"


@pytest.mark.parametrize("opset", [13, 17, 18, 20])
def test_opset_versions(opset, onnx_path):
    proto = export_and_run(MnistMLP(), ember.randn(2, 1, 28, 28), onnx_path, opset_version=opset)
    assert proto.opset_import[0].version == opset


def test_bad_opset_is_refused(onnx_path):
    with pytest.raises(ValueError, match="opset_version"):
        ember.onnx.export(pima_mlp(), ember.randn(1, 8), str(onnx_path), opset_version=9)


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 8)
        self.bn = nn.BatchNorm1d(8)

    def forward(self, x):
        h = F.leaky_relu(self.bn(self.fc(x.reshape(x.shape[0], -1))), 0.2)
        z = ember.cat([h, ember.tanh(h) * 0.5 - 1], dim=1)
        z += 1.0
        return F.softmax(z, dim=1), (z @ z.t()).view(-1), z.transpose(0, 1).permute(1, 0).flatten()


def test_functions_and_several_outputs(onnx_path):
    model = TwoOutputs()
    model.bn.running_mean.uniform_(-1, 1)
    proto = export_and_run(model, ember.randn(4, 3, 4), onnx_path, output_names=["p"])
    assert [o.name for o in proto.graph.output] == ["p", "output_1", "output_2"]


def test_training_mode_is_restored(onnx_path):
    model = cifar_cnn()
    model.train()
    ember.onnx.export(model, ember.randn(1, 3, 32, 32), str(onnx_path))
    assert all(m.training for m in model.modules())
    assert not ember.onnx.is_in_onnx_export()


def test_export_to_a_file_object():
    buf = io.BytesIO()
    proto = ember.onnx.export(pima_mlp(), ember.randn(2, 8), buf)
    assert onnx.load_from_string(buf.getvalue()) == proto


class Cumsum(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x.cumsum(0))


class Gelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = nn.GELU()

    def forward(self, x):
        return self.act(x) + 1


@pytest.mark.parametrize("model, where", [(Cumsum, "CumsumBackward0"), (Gelu, "'act' \\(GELU\\)")])
def test_unsupported_operations_are_refused_not_baked_in(model, where, onnx_path):
    with pytest.raises(RuntimeError, match=where):
        ember.onnx.export(model(), ember.randn(3, 3), str(onnx_path))
    assert not onnx_path.exists()
