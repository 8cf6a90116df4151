"""The seed ConvNet's test accuracy on the MNIST sample shipped with Ember, PyTorch beside Ember.

    python benchmarks/mnist_accuracy.py --frameworks ember,torch --seeds 0,1,2 [--epochs 2]

The book chapter's training (ConvNet, Adadelta lr 0.5, nll_loss, batch 32, shuffled) on the 4,000 training
digits, tested on the 1,000 test digits. Both frameworks get the same normalised arrays (read with Ember, as
torchvision may not be installed), each (framework, seed) runs in its own process. Random streams differ
between the frameworks, so compare the spread over seeds, not seed by seed.
"""
import argparse
import importlib
import json
import subprocess
import sys
import warnings

from seed_convnet import seed_convnet


def accuracy(fw, seed, epochs):
    import numpy as np
    from ember.demo import SAMPLE, MEAN, STD
    from ember.vision import datasets
    torch = importlib.import_module(fw)
    nn, F = importlib.import_module(fw + ".nn"), importlib.import_module(fw + ".nn.functional")
    data = importlib.import_module(fw + ".utils.data")
    warnings.filterwarnings("ignore", "dropout2d: Received a 2-D input")  # the seed's dp2, as in PyTorch

    def dataset(train):
        d = datasets.MNIST(str(SAMPLE), train=train)
        x = (d.data.numpy().astype(np.float32) / 255 - MEAN[0]) / STD[0]
        return data.TensorDataset(torch.from_numpy(x[:, None]), torch.from_numpy(d.targets.numpy().astype(np.int64)))

    torch.manual_seed(seed)
    train, test = dataset(True), dataset(False)
    model = seed_convnet(torch, nn, F)
    opt = torch.optim.Adadelta(model.parameters(), lr=0.5)
    for _ in range(epochs):
        model.train()
        for x, y in data.DataLoader(train, batch_size=32, shuffle=True):
            opt.zero_grad()
            F.nll_loss(model(x), y).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x).argmax(1) == y).sum()) for x, y in data.DataLoader(test, batch_size=500))
    return 100.0 * correct / len(test)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frameworks", default="ember,torch")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # framework seed: run in this process
    a = ap.parse_args()
    if a.one:
        print(json.dumps(accuracy(a.one[0], int(a.one[1]), a.epochs)))
        return
    for fw in a.frameworks.split(","):
        accs = []
        for seed in a.seeds.split(","):
            p = subprocess.run([sys.executable, __file__, "--one", fw, seed, "--epochs", str(a.epochs)],
                               capture_output=True, text=True, check=True)
            accs.append(json.loads(p.stdout.strip().splitlines()[-1]))
        print(f"{fw:6s} " + " ".join(f"{v:.1f}%" for v in accs) + f"   mean {sum(accs) / len(accs):.2f}%", flush=True)


if __name__ == "__main__":
    main()
