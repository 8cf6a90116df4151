"""A PyTorch program that pickles whole models (`save PATH`) or loads them and checks them (`check PATH`).

test_whole_module.py runs it under PyTorch and under `ember run`, each side loading the other's file."""
import sys

import torch
from torch import nn


class Net(nn.Module):
    """A model class of the program itself (pickled as __main__.Net)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Linear(64, 3)
        self.scale = 0.5
        self.register_buffer("offset", torch.arange(3.0))

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).flatten(1)) * self.scale + self.offset


def models():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    return {
        "linear": (nn.Linear(4, 3), torch.randn(2, 4)),
        "conv": (nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.randn(1, 2, 6, 6)),
        "lstm": (nn.LSTM(4, 5, num_layers=2, batch_first=True), torch.randn(2, 3, 4)),
        "gru": (nn.GRU(3, 4, bidirectional=True), torch.randn(5, 2, 3)),
        "transformer": (nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), torch.randn(2, 5, 8)),
        "sequential": (nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2)),
                       torch.randn(5, 4)),
        "net": (Net(), torch.randn(2, 1, 4, 4)),
    }


def first(out):
    return out[0] if isinstance(out, tuple) else out


def save(path):
    entries = {}
    for name, (model, x) in models().items():
        model.eval()
        entries[name] = (model, x, first(model(x)).detach())
    torch.save(entries, path)


def check(path):
    try:
        torch.load(path)  # weights_only=True by default: a whole module is refused
    except Exception as e:
        print(type(e).__name__, "names", [w for w in str(e).split() if w.startswith("torch.nn.modules")][:1])
    entries = torch.load(path, weights_only=False)
    for name, (model, x, expected) in entries.items():
        got = first(model(x))
        close = torch.allclose(got, expected, atol=1e-5)
        model.train()
        first(model(x)).sum().backward()
        grads = all(p.grad is not None for p in model.parameters())
        print(name, type(model).__name__, tuple(got.shape), "same output" if close else "DIFFERENT output",
              "gradients" if grads else "NO gradients")
    allowed = [nn.Linear, nn.Conv2d, nn.ReLU, nn.Sequential, Net]
    with torch.serialization.safe_globals(allowed):
        net = torch.load(path + ".net")
    print("safe_globals:", type(net).__name__, torch.equal(net(entries["net"][1]), entries["net"][0](entries["net"][1])))


if __name__ == "__main__":
    if sys.argv[1] == "save":
        save(sys.argv[2])
        torch.save(models()["net"][0], sys.argv[2] + ".net")
    else:
        check(sys.argv[2])
