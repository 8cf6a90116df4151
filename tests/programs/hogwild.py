"""Hogwild training: the model's parameters in shared memory, several processes from
torch.multiprocessing train it at once with their own optimizers, the parent evaluates the result."""
# corpus: tolerance loss=0.05
# corpus: expect loss<=0.05
import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


def data(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, generator=g)
    return x, (x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]])) * 0.5


def train(rank, model, steps):
    torch.manual_seed(100 + rank)
    x, y = data(rank)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    for _ in range(steps):
        for i in range(0, 256, 32):
            optimizer.zero_grad()
            F.mse_loss(model(x[i:i + 32]), y[i:i + 32]).backward()
            optimizer.step()


if __name__ == "__main__":
    torch.manual_seed(1)
    mp.set_start_method("fork", force=True)
    model = Net()
    model.share_memory()
    print("shared", all(p.is_shared() for p in model.parameters()))
    x, y = data(99)
    before = F.mse_loss(model(x), y).item()
    processes = []
    for rank in range(2):
        p = mp.Process(target=train, args=(rank, model, 20))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    print("exit codes", [p.exitcode for p in processes])
    with torch.no_grad():
        after = F.mse_loss(model(x), y).item()
    print(f"before {before:.4f} after {after:.4f} improved {after < before / 5}")
    print(f"final loss={after:.4f}")
