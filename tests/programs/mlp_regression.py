"""An MLP fits a noisy 2-d function: TensorDataset, DataLoader, MSELoss, Adam, weight decay, early stop."""
# corpus: tolerance val_mse=0.05
# corpus: expect val_mse<=0.08
import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
n = 2000
X = torch.rand(n, 2) * 4 - 2
y = (torch.sin(X[:, :1] * math.pi / 2) * torch.cos(X[:, 1:]) + 0.05 * torch.randn(n, 1))
train_set, val_set = random_split(TensorDataset(X, y), [1600, 400], generator=torch.Generator().manual_seed(42))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set, batch_size=200)

model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
loss_fn = nn.MSELoss()
best = float("inf")
for epoch in range(10):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.size(0)
    model.eval()
    with torch.no_grad():
        val = sum(loss_fn(model(xb), yb).item() * len(xb) for xb, yb in val_loader) / len(val_set)
    print(f"epoch {epoch:2d} train {total / len(train_set):.4f} val {val:.4f}")
    if val < best:
        best = val
        torch.save(model.state_dict(), "best.pt")
model.load_state_dict(torch.load("best.pt"))
print(f"params {sum(p.numel() for p in model.parameters())}")
print(f"final val_mse={best:.4f}")
