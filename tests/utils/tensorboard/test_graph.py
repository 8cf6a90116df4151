"""add_graph: the module scopes, inputs and outputs of one traced forward, beside PyTorch's traced graph."""
import re

import numpy as np
import pytest
import torch

import ember
from benchmarks.seed_convnet import seed_convnet
from ember import demo
from tests.utils.tensorboard.conftest import WRITERS, load

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")  # torch's add_graph traces


def net(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 3)
            self.seq = nn.Sequential(nn.ReLU(), nn.Linear(3, 2))

        def forward(self, x):
            return F.softmax(self.seq(self.fc1(x)) * 2, dim=1)

    return Net(), lib.randn(5, 4)


def two_inputs(lib):
    nn = lib.nn

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 2)
            self.b = nn.Sequential(nn.Linear(4, 2), nn.Tanh())

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    return Two(), (lib.randn(5, 3), lib.randn(5, 4))


def convnet(lib):
    return seed_convnet(lib, lib.nn, lib.nn.functional), lib.randn(2, 1, 28, 28)


def batchnorm_cnn(lib):
    nn = lib.nn
    features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True), nn.MaxPool2d(2))
    return nn.Sequential(features, nn.Flatten(), nn.Linear(4 * 4 * 4, 3)), lib.randn(2, 3, 8, 8)


def no_parameters(lib):
    return lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Sigmoid()), lib.randn(3, 2)


MODELS = [net, two_inputs, convnet, batchnorm_cnn, no_parameters]
_SCOPE = re.compile(r"[^/\[\]]+\[[^/\]]+\]")


def scopes(graph):
    """Every module scope path named in the graph: 'Net', 'Net/Sequential[seq]', 'Net/Sequential[seq]/ReLU[0]', ..."""
    found = set()
    for node in graph.node:
        parts = node.name.split("/")
        if parts[0] in ("input", "output"):
            continue
        found.add(parts[0])
        for i in range(1, len(parts)):
            if not _SCOPE.fullmatch(parts[i]):
                break
            found.add("/".join(parts[:i + 1]))
    return found


def shapes(node):
    return [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]


def io_nodes(graph):
    """{input or output name: shapes}; torch's tracer may suffix a name ('input/input.1') to keep it unique."""
    return {re.sub(r"^(input/.*)\.\d+$", r"\1", n.name): shapes(n) for n in graph.node if n.op == "IO Node"}


def write_graphs(tmp_path, build):
    graphs = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        model, inputs = build(lib)
        with WRITERS[lib](str(tmp_path / lib.__name__)) as w:
            w.add_graph(model, inputs)
        acc = load(tmp_path / lib.__name__)
        assert acc.Tags()["graph"] and acc.Tags()["run_metadata"] == ["step1"]
        graphs[lib] = acc.Graph()
    return graphs[torch], graphs[ember]


@pytest.mark.filterwarnings("ignore:dropout2d")
@pytest.mark.parametrize("build", MODELS, ids=[m.__name__ for m in MODELS])
def test_graph_has_pytorch_module_scopes_inputs_and_outputs(build, tmp_path):
    theirs, mine = write_graphs(tmp_path, build)
    assert scopes(mine) == scopes(theirs)
    assert io_nodes(mine) == io_nodes(theirs)
    names = {n.name for n in mine.node}
    for node in mine.node:
        assert all(i in names for i in node.input), node  # every edge ends at a node of the graph
        if node.op.startswith("aten::"):
            assert shapes(node), node  # every op knows its output shapes


def test_graph_ops_and_shapes_of_one_forward(tmp_path):
    _, graph = write_graphs(tmp_path, net)
    nodes = {n.name: n for n in graph.node}
    assert {name: (n.op, list(n.input), shapes(n)) for name, n in nodes.items() if n.op.startswith("aten::")} == {
        # torch's addmm(bias, input, weight.t()), the graph F.linear records
        "Net/Linear[fc1]/t": ("aten::t", ["Net/Linear[fc1]/weight"], [[4, 3]]),
        "Net/Linear[fc1]/addmm": ("aten::addmm", ["Net/Linear[fc1]/bias", "input/x", "Net/Linear[fc1]/t"],
                                  [[5, 3]]),
        "Net/Sequential[seq]/ReLU[0]/relu": ("aten::relu", ["Net/Linear[fc1]/addmm"], [[5, 3]]),
        "Net/Sequential[seq]/Linear[1]/t": ("aten::t", ["Net/Sequential[seq]/Linear[1]/weight"], [[3, 2]]),
        "Net/Sequential[seq]/Linear[1]/addmm": ("aten::addmm", ["Net/Sequential[seq]/Linear[1]/bias",
                                                                "Net/Sequential[seq]/ReLU[0]/relu",
                                                                "Net/Sequential[seq]/Linear[1]/t"], [[5, 2]]),
        "Net/mul": ("aten::mul", ["Net/Sequential[seq]/Linear[1]/addmm"], [[5, 2]]),
        "Net/softmax": ("aten::softmax", ["Net/mul"], [[5, 2]]),
    }
    assert (nodes["Net/Linear[fc1]/weight"].op, shapes(nodes["Net/Linear[fc1]/weight"])) == ("prim::GetAttr", [[3, 4]])
    assert list(nodes["output/output.1"].input) == ["Net/softmax"]


@pytest.mark.filterwarnings("ignore:dropout2d")
def test_convnet_graph_names_each_layer_op(tmp_path):
    _, graph = write_graphs(tmp_path, convnet)
    ops = {n.name: n.op for n in graph.node}
    assert ops["ConvNet/Conv2d[cn1]/convolution"] == ops["ConvNet/Conv2d[cn2]/convolution"] == "aten::convolution"
    assert ops["ConvNet/Linear[fc2]/addmm"] == "aten::addmm"
    assert "aten::max_pool2d_with_indices" in ops.values() and "aten::log_softmax" in ops.values()
    pool = next(n for n in graph.node if n.op == "aten::max_pool2d_with_indices")
    assert shapes(pool)[0] == [2, 32, 12, 12]
    # Dropout in eval mode hands its input back: an alias keeps the layer in the graph, between its neighbours
    nodes = {n.name: n for n in graph.node}
    assert nodes["ConvNet/Dropout2d[dp1]/alias"].op == "aten::alias"
    assert list(nodes["ConvNet/Dropout2d[dp1]/alias"].input) == [pool.name]
    assert list(nodes["ConvNet/Linear[fc2]/addmm"].input)[1] == "ConvNet/Dropout2d[dp2]/alias"


def test_inplace_layer_is_its_op_not_an_alias(tmp_path):
    _, graph = write_graphs(tmp_path, batchnorm_cnn)
    ops = {n.name: n.op for n in graph.node}
    assert ops["Sequential/Sequential[0]/ReLU[2]/relu"] == "aten::relu"
    assert "aten::alias" not in ops.values()


def test_op_with_several_outputs_is_read_by_output_index(tmp_path):
    nn = ember.nn

    class Halves(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 6)

        def forward(self, x):
            a, b = self.fc(x).chunk(2, dim=1)
            return a * b

    with WRITERS[ember](str(tmp_path)) as w:
        w.add_graph(Halves(), ember.randn(2, 3))
    nodes = {n.name: n for n in load(tmp_path).Graph().node}
    (split,) = [n for n in nodes.values() if n.op.startswith("aten::split")]
    assert shapes(split) == [[2, 3], [2, 3]]
    assert list(nodes["Halves/mul"].input) == [split.name, split.name + ":1"]


@pytest.mark.filterwarnings("ignore:dropout2d")
def test_add_graph_leaves_the_model_as_it_was(tmp_path):
    model = demo.ConvNet()
    model.train()
    model.dp1.eval()
    x = ember.randn(1, 1, 28, 28)
    with WRITERS[ember](str(tmp_path)) as w:
        w.add_graph(model, x)
    assert [m.training for m in model.modules()] == [True, True, True, False, True, True, True]
    assert all(p.grad is None for p in model.parameters())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())
    assert not x.requires_grad and x.grad_fn is None


def test_integer_inputs_show_as_input_nodes(tmp_path):
    model = ember.nn.Sequential(ember.nn.Embedding(10, 3), ember.nn.Linear(3, 2))
    with WRITERS[ember](str(tmp_path)) as w:
        w.add_graph(model, ember.tensor(np.array([[1, 2], [3, 4]])))
    graph = load(tmp_path).Graph()
    nodes = {n.name: n for n in graph.node}
    assert shapes(nodes["input/input"]) == [[2, 2]] and shapes(nodes["output/output.1"]) == [[2, 2, 2]]
    assert "Sequential/Embedding[0]/weight" in nodes and "Sequential/Linear[1]" in scopes(graph)
