"""`ember demo`: train the book chapter's MNIST ConvNet on the digits that ship with Ember.

The recipe is seed 001's: Conv2d(1,16,3,1) -> Conv2d(16,32,3,1) -> max_pool2d -> Dropout2d(0.10)
-> Linear(4608,64) -> Dropout2d(0.25) -> Linear(64,10) -> log_softmax, trained with
Adadelta(lr=0.5) and nll_loss in batches of 32 on images normalised with (0.1302,), (0.3069,).
It shows a progress bar, prints the test loss and accuracy after each epoch, and saves a
checkpoint (`ember.save` of the state_dict) and a PNG of the learning curves and test digits.
"""
import time
import warnings
from pathlib import Path

import ember
from ember import nn
from ember.nn import functional as F

SAMPLE = Path(__file__).resolve().parent / "data" / "mnist-5k"  # 4,000 train / 1,000 test real digits
MEAN, STD = (0.1302,), (0.3069,)
GRID_ROWS, GRID_COLS = 4, 6


class ConvNet(nn.Module):
    """The book chapter's MNIST classifier (its layer names, so checkpoints match the seed's)."""

    def __init__(self):
        super().__init__()
        self.cn1 = nn.Conv2d(1, 16, 3, 1)
        self.cn2 = nn.Conv2d(16, 32, 3, 1)
        self.dp1 = nn.Dropout2d(0.10)
        self.dp2 = nn.Dropout2d(0.25)
        self.fc1 = nn.Linear(4608, 64)  # 32 channels x 12 x 12 after the pooling
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.cn1(x))
        x = F.relu(self.cn2(x))
        x = self.dp1(F.max_pool2d(x, 2))
        x = ember.flatten(x, 1)
        x = self.dp2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def load_mnist(root, limit=None):
    """MNIST train and test sets under `root` (torchvision's layout: root/MNIST/raw/...)."""
    from ember.utils.data import Subset
    from ember.vision import datasets, transforms
    raw = Path(root) / "MNIST" / "raw"
    if not raw.is_dir():
        raise SystemExit(f"ember demo: no MNIST at {raw}; --data DIR wants torchvision's layout, "
                         "DIR/MNIST/raw/train-images-idx3-ubyte[.gz] and the other three official files")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    train_set = datasets.MNIST(str(root), train=True, transform=transform)
    test_set = datasets.MNIST(str(root), train=False, transform=transform)
    if limit:  # a quick run (tests): the first `limit` digits of each set
        train_set = Subset(train_set, range(min(limit, len(train_set))))
        test_set = Subset(test_set, range(min(limit, len(test_set))))
    return train_set, test_set


def train_epoch(model, loader, optimizer, desc, writer=None, first_step=0):
    """One pass over `loader` behind a tqdm bar showing the running loss; returns every step's loss
    (each also logged to `writer` as loss/train at steps first_step, first_step + 1, ..., when given)."""
    from tqdm import tqdm
    model.train()
    losses, total = [], 0.0
    with tqdm(loader, desc=desc, unit="batch") as bar:
        for X, y in bar:
            optimizer.zero_grad()
            loss = F.nll_loss(model(X), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            total += losses[-1]
            if writer is not None:
                writer.add_scalar("loss/train", losses[-1], first_step + len(losses) - 1)
            bar.set_postfix(loss=f"{total / len(losses):.4f}", refresh=False)
    return losses


@ember.no_grad()
def evaluate(model, loader):
    """(mean test loss, number correct, predictions) over `loader`."""
    model.eval()
    total, correct, predictions = 0.0, 0, []
    for X, y in loader:
        out = model(X)
        total += F.nll_loss(out, y, reduction="sum").item()
        pred = out.argmax(dim=1)
        correct += (pred == y).sum().item()
        predictions.append(pred)
    return total / len(loader.dataset), correct, ember.cat(predictions)


def plot(path, steps_per_epoch, train_losses, test_losses, accuracies, test_set, predictions):
    """Save a PNG: loss and accuracy curves on the left, test digits with predicted (true) labels on the right."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend
    fig = Figure(figsize=(12, 5), dpi=100)
    left, right = fig.add_gridspec(1, 2, width_ratios=[1, 1.25], left=0.07, right=0.99, top=0.9, bottom=0.1,
                                   wspace=0.2)
    loss_grid = left.subgridspec(2, 1, height_ratios=[2, 1], hspace=0.45)
    ax = fig.add_subplot(loss_grid[0])
    x = [(i + 1) / steps_per_epoch for i in range(len(train_losses))]
    window = max(1, steps_per_epoch // 10)
    smooth = [sum(train_losses[max(0, i - window + 1):i + 1]) / min(window, i + 1) for i in range(len(train_losses))]
    ax.plot(x, train_losses, color="tab:blue", alpha=0.3, linewidth=0.8, label="train (batch)")
    ax.plot(x, smooth, color="tab:blue", label=f"train (mean of {window})")
    epochs = list(range(1, len(test_losses) + 1))
    ax.plot(epochs, test_losses, "o-", color="tab:orange", label="test")
    ax.set(yscale="log", ylabel="nll loss", title="MNIST ConvNet on Ember")
    ax.legend(fontsize=8)
    acc = fig.add_subplot(loss_grid[1], sharex=ax)
    acc.plot(epochs, [100 * a for a in accuracies], "s-", color="tab:green")
    acc.set(xlabel="epoch", ylabel="test accuracy (%)")
    digits = right.subgridspec(GRID_ROWS, GRID_COLS, hspace=0.45)
    for i in range(min(GRID_ROWS * GRID_COLS, len(test_set))):
        image, target = test_set[i]
        pred = int(predictions[i])
        cell = fig.add_subplot(digits[i // GRID_COLS, i % GRID_COLS])
        cell.imshow(image[0].numpy(), cmap="gray")
        cell.set_title(f"{pred} ({int(target)})", fontsize=9, color="green" if pred == int(target) else "red")
        cell.axis("off")
    fig.text(0.72, 0.95, "test digits: predicted (true)", ha="center", fontsize=11)
    fig.savefig(path)
    return fig


def open_tensorboard(log_dir, model, test_set):
    """A SummaryWriter on `log_dir` holding the model's graph and a grid of test digits (as the eye sees them)."""
    from ember.utils.tensorboard import SummaryWriter
    writer = SummaryWriter(log_dir)
    digits = ember.stack([test_set[i][0] for i in range(min(GRID_ROWS * GRID_COLS, len(test_set)))])
    writer.add_graph(model, digits[:1])
    writer.add_images("test digits", (digits * STD[0] + MEAN[0]).clamp(0, 1), 0)
    return writer


def main(epochs=2, data=None, out="ember-demo-out", seed=0, limit=None, tensorboard=None):
    """Train, evaluate each epoch, save checkpoint and figure; returns the final test accuracy (0..1).
    With `tensorboard` (a folder), the run is logged there too: loss per step, test loss and accuracy
    per epoch, the graph and the test digits."""
    from ember import optim
    from ember.utils.data import DataLoader
    ember.manual_seed(seed)
    train_set, test_set = load_mnist(data or SAMPLE, limit)
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=500, shuffle=False)
    model = ConvNet()
    optimizer = optim.Adadelta(model.parameters(), lr=0.5)
    source = "the MNIST sample shipped with Ember" if data is None else f"MNIST from {data}"
    print(f"Training the MNIST ConvNet on {len(train_set):,} digits from {source}, "
          f"testing on {len(test_set):,}: {epochs} epoch(s), batch 32, Adadelta(lr=0.5), seed {seed}")
    train_losses, test_losses, accuracies = [], [], []
    start = time.perf_counter()
    with warnings.catch_warnings():  # the seed's dp2 is a Dropout2d on (N, 64) features: PyTorch warns too
        warnings.filterwarnings("ignore", "dropout2d: Received a 2-D input")
        writer = open_tensorboard(tensorboard, model, test_set) if tensorboard else None
        for epoch in range(1, epochs + 1):
            train_losses += train_epoch(model, train_loader, optimizer, f"epoch {epoch}/{epochs}", writer,
                                        len(train_losses))
            test_loss, correct, predictions = evaluate(model, test_loader)
            test_losses.append(test_loss)
            accuracies.append(correct / len(test_set))
            if writer is not None:
                writer.add_scalar("loss/test", test_loss, epoch)
                writer.add_scalar("accuracy/test", accuracies[-1], epoch)
                writer.flush()
            print(f"epoch {epoch}: test loss {test_loss:.4f}, accuracy {correct}/{len(test_set)} "
                  f"({100 * accuracies[-1]:.2f}%), {time.perf_counter() - start:.1f} s", flush=True)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint, figure = out / "mnist_convnet.pt", out / "mnist_convnet.png"
    ember.save(model.state_dict(), checkpoint)
    fig = plot(figure, len(train_loader), train_losses, test_losses, accuracies, test_set, predictions)
    print(f"saved the checkpoint to {checkpoint} (load it with torch.load or ember.load) and the figure to {figure}")
    if writer is not None:
        writer.add_figure("curves and predictions", fig, epochs, close=False)  # no pyplot figure to close
        writer.close()
        print(f"logged the run to {tensorboard}: see it with `tensorboard --logdir {tensorboard}`")
    return accuracies[-1]
