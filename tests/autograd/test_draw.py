"""ember.autograd.draw_graph: the SVG's nodes and edges are the graph PyTorch builds for the same
computation (grad_fn names from its next_functions walk, parameters by name and shape); the PNG is
a real image."""
import collections
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch

import ember

SVG = "{http://www.w3.org/2000/svg}"


def conv_net(lib):
    nn = lib.nn
    lib.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 3, 2, bias=False), nn.Tanh(),
                      nn.Flatten())
    return m(lib.randn(5, 1, 6, 6)).mean(), dict(m.named_parameters())


def mlp(lib):
    nn = lib.nn
    lib.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3, bias=False), nn.Sigmoid(), nn.Linear(3, 1))
    return nn.functional.mse_loss(m(lib.randn(6, 4)), lib.ones(6, 1)), dict(m.named_parameters())


def elementwise(lib):
    a, b = lib.randn(3, 4, requires_grad=True), lib.randn(4, requires_grad=True)
    return (a * b + a.exp() - b.sigmoid()).pow(2).sum(1).mean(), {"a": a, "b": b}


def matmul(lib):
    a, w = lib.randn(3, 4, requires_grad=True), lib.randn(4, 3, requires_grad=True)
    return (lib.relu(a @ w) * 2).log_softmax(1).sum(), {"a": a, "w": w}


def shared_input(lib):
    x = lib.randn(4, requires_grad=True)
    y = x.exp()
    return (y * y + y.sin()).sum(), {"x": x}


def torch_graph(loss, params):
    """Node labels and (from, to) label pairs of the graph behind `loss`, walked as torchviz walks it."""
    names = {id(p): name for name, p in params.items()}
    labels, edges, seen, stack = collections.Counter(), collections.Counter(), set(), [loss.grad_fn]

    def label(fn):
        if hasattr(fn, "variable"):
            return (names[id(fn.variable)] + " " + str(tuple(fn.variable.shape))).replace(",)", ")")
        return fn.name()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        labels[label(fn)] += 1
        for child, _ in fn.next_functions:
            if child is not None:
                edges[label(fn), label(child)] += 1
                stack.append(child)
    return labels, edges


def svg_graph(path):
    """The same from the SVG: each node's text lines (the saved-shapes line left out) and its edges."""
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    nodes, boxes, kinds = {}, {}, {}
    for g in root.iter(SVG + "g"):
        classes = g.get("class", "").split()
        if classes and classes[0] == "node":
            key = g.find(SVG + "title").text
            lines = [t.text for t in g.findall(SVG + "text") if not t.text.startswith("saved ")]
            nodes[key] = " ".join(lines)
            rect = g.find(SVG + "rect")
            boxes[key] = float(rect.get("y")), float(rect.get("height"))
            kinds[key] = classes[1]
    edges = [g.find(SVG + "title").text.split("->") for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    return nodes, edges, boxes, kinds


@pytest.mark.parametrize("build", [conv_net, mlp, elementwise, matmul, shared_input])
def test_svg_is_pytorchs_graph(tmp_path, build):
    expected_labels, expected_edges = torch_graph(*build(torch))
    loss, params = build(ember)
    ember.autograd.draw_graph(loss, tmp_path / "g.svg", params=params)
    nodes, edges, boxes, kinds = svg_graph(tmp_path / "g.svg")
    roots = [k for k, kind in kinds.items() if kind == "tensor"]
    assert len(roots) == 1 and nodes[roots[0]] == "tensor ()"
    graph_edges = [(a, b) for a, b in edges if a != roots[0]]
    assert collections.Counter(v for k, v in nodes.items() if k != roots[0]) == expected_labels
    assert collections.Counter((nodes[a], nodes[b]) for a, b in graph_edges) == expected_edges
    assert [nodes[b] for a, b in edges if a == roots[0]] == [loss.grad_fn.name()]
    # layered: every arrow goes from a box down to a box below it, the way the gradient flows
    assert all(boxes[a][0] + boxes[a][1] < boxes[b][0] for a, b in edges)


def test_saved_tensor_shapes_and_unnamed_leaves(tmp_path):
    a = ember.randn(3, 4, requires_grad=True)
    w = ember.randn(4, 2, requires_grad=True)
    ember.autograd.draw_graph((a @ w).sum(), tmp_path / "g.svg", params={"w": w})
    nodes, _, _, _ = svg_graph(tmp_path / "g.svg")
    assert sorted(nodes.values()) == sorted(["tensor ()", "SumBackward0", "MmBackward0", "(3, 4)", "w (4, 2)"])
    text = (tmp_path / "g.svg").read_text()
    assert "saved (3, 4), (4, 2)" in text  # mm keeps both operands for backward


def test_png_is_an_image_of_the_graph(tmp_path):
    import matplotlib.image
    small, params = matmul(ember)
    ember.autograd.draw_graph(small, tmp_path / "small.png", params=params)
    big, params = conv_net(ember)
    ember.autograd.draw_graph(big, tmp_path / "big.png", params=params)
    assert (tmp_path / "big.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image, other = matplotlib.image.imread(tmp_path / "big.png"), matplotlib.image.imread(tmp_path / "small.png")
    assert image.ndim == 3 and 200 <= image.shape[1] <= 2000 and 300 <= image.shape[0] <= 3000
    assert image.shape[0] > other.shape[0]  # a deeper graph is a taller picture
    assert np.ptp(image[..., :3]) > 0.5  # something is drawn on it


def test_a_tensor_without_a_graph(tmp_path):
    ember.autograd.draw_graph(ember.ones(2), tmp_path / "g.svg")
    nodes, edges, _, _ = svg_graph(tmp_path / "g.svg")
    assert list(nodes.values()) == ["tensor (2)"] and edges == []
