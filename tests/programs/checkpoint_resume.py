"""Checkpoint and resume: model, optimizer, LR scheduler and RNG state saved mid-run with
torch.save; a second model resumed from the file continues exactly as the uninterrupted run."""
# corpus: expect same>=1
import torch
import torch.nn as nn


def make():
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
    return model, optimizer, scheduler


def train_steps(model, optimizer, scheduler, steps):
    losses = []
    for _ in range(steps):
        x = torch.randn(16, 10)
        y = (x[:, 0] > 0).long() + (x[:, 1] > 1).long()
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


torch.manual_seed(0)
model, optimizer, scheduler = make()
first = train_steps(model, optimizer, scheduler, 10)
torch.save({"epoch": 10, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
            "scheduler_state_dict": scheduler.state_dict(), "rng_state": torch.get_rng_state(), "loss": first[-1]},
           "checkpoint.tar")
straight = train_steps(model, optimizer, scheduler, 10)

model2, optimizer2, scheduler2 = make()
checkpoint = torch.load("checkpoint.tar", weights_only=True)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
scheduler2.load_state_dict(checkpoint["scheduler_state_dict"])
torch.set_rng_state(checkpoint["rng_state"])
print("resumed at epoch", checkpoint["epoch"], "lr", f"{scheduler2.get_last_lr()[0]:.6f}")
print(sorted(checkpoint["optimizer_state_dict"]["state"][0]), checkpoint["optimizer_state_dict"]["param_groups"][0]["lr"] > 0)
resumed = train_steps(model2, optimizer2, scheduler2, 10)
same = all(abs(a - b) < 1e-6 for a, b in zip(straight, resumed))
print("losses", [f"{v:.4f}" for v in resumed[:3]])
print("identical weights", all(torch.equal(p, q) for p, q in zip(model.parameters(), model2.parameters())))
print(f"final same={int(same)} loss={resumed[-1]:.4f}")
