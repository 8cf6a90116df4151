"""PyTorch's Hogwild pattern as a user writes it: spawned processes train one shared model."""
import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F

TRUE_W = [[1.0], [-2.0], [0.5], [3.0]]


def train(rank, model):
    torch.manual_seed(rank)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.randn(256, 4)
    y = x @ torch.tensor(TRUE_W)
    for _ in range(100):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    torch.manual_seed(0)
    model = nn.Linear(4, 1, bias=False)
    model.share_memory()
    x = torch.randn(256, 4)
    y = x @ torch.tensor(TRUE_W)
    print("loss before > 1:", F.mse_loss(model(x), y).item() > 1)
    processes = [mp.Process(target=train, args=(rank, model)) for rank in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    print("loss after < 0.01:", F.mse_loss(model(x), y).item() < 0.01, "exit codes:", [p.exitcode for p in processes])
    print("weights:", [round(w, 2) for w in model.weight.view(-1).tolist()])
