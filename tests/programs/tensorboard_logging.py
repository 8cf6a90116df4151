"""Logging a training run to TensorBoard with torch.utils.tensorboard.SummaryWriter: scalars per
step, grouped scalars, a histogram of the weights, an image grid of inputs, text, the graph, and
hparams with their final metrics; the event files read back at the end."""
# corpus: tolerance loss=0.3
# corpus: expect loss<=0.7
import os

import torch
import torch.nn as nn
import torchvision
from torch.utils.tensorboard import SummaryWriter

torch.manual_seed(0)
x = torch.randn(256, 1, 8, 8)
y = (x.mean(dim=(1, 2, 3)) > 0).long()
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
with SummaryWriter(log_dir="runs/experiment_1") as writer:
    writer.add_image("inputs", torchvision.utils.make_grid(x[:16], normalize=True))
    writer.add_graph(model, x[:4])
    writer.add_text("notes", "a tiny run", 0)
    for step in range(40):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        writer.add_scalar("Loss/train", loss.item(), step)
        if step % 10 == 0:
            writer.add_scalars("run", {"loss": loss.item(), "half": loss.item() / 2}, step)
            writer.add_histogram("fc1.weight", model[1].weight, step)
    acc = (model(x).argmax(1) == y).float().mean().item()
    writer.add_hparams({"lr": 0.1, "batch": 256}, {"hparam/accuracy": acc})
    print("log dir", writer.get_logdir())
files = sorted(os.listdir("runs/experiment_1"))
print("event files", sum(f.startswith("events.out.tfevents") for f in files), "sub-runs", sum(os.path.isdir(os.path.join("runs/experiment_1", f)) for f in files))
print(f"final loss={loss.item():.4f}")
