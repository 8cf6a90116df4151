"""From raw tensors to torch.nn, step by step as the "what is torch.nn really" tutorial goes: a
logistic regression with hand-made weights, log_softmax and NLL by hand, then F.cross_entropy,
nn.Module with nn.Parameter, nn.Linear, optim.SGD, TensorDataset + DataLoader, and a CNN with
nn.Sequential and a Lambda layer, each fitted on the same digits."""
# corpus: tolerance acc=0.1
# corpus: expect acc>=0.75
import gzip
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

raw = os.path.join(os.environ.get("CORPUS_DATA", "data"), "MNIST", "raw")
with gzip.open(os.path.join(raw, "train-images-idx3-ubyte.gz")) as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
with gzip.open(os.path.join(raw, "train-labels-idx1-ubyte.gz")) as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
x_train, y_train, x_valid, y_valid = map(torch.tensor, (images[:800], labels[:800], images[800:], labels[800:]))
n, c = x_train.shape
print(x_train.shape, y_train.min(), y_train.max())

torch.manual_seed(0)
weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    return (torch.argmax(out, dim=1) == yb).float().mean()


bs, lr = 64, 0.5
print("start loss", f"{nll(model(x_train[:bs]), y_train[:bs]):.4f}")
for epoch in range(2):
    for i in range((n - 1) // bs + 1):
        xb, yb = x_train[i * bs:i * bs + bs], y_train[i * bs:i * bs + bs]
        loss = nll(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print("by hand", f"{loss:.4f}", f"{accuracy(model(x_valid), y_valid):.4f}")
print("F.cross_entropy agrees", torch.allclose(F.cross_entropy(xb @ weights + bias, yb), nll(model(xb), yb), atol=1e-5))


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        print(epoch, f"{np.sum(np.multiply(losses, nums)) / np.sum(nums):.4f}")


train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=bs, shuffle=True)
valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=bs * 2)
logistic = Mnist_Logistic()
fit(2, logistic, F.cross_entropy, optim.SGD(logistic.parameters(), lr=lr), train_dl, valid_dl)


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


cnn = nn.Sequential(Lambda(lambda x: x.view(-1, 1, 28, 28)),
                    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
                    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
                    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), Lambda(lambda x: x.view(x.size(0), -1)))
fit(4, cnn, F.cross_entropy, optim.SGD(cnn.parameters(), lr=0.2, momentum=0.9), train_dl, valid_dl)
with torch.no_grad():
    acc = max(accuracy(logistic(x_valid), y_valid), accuracy(cnn(x_valid), y_valid)).item()
print(f"final acc={acc:.3f}")
