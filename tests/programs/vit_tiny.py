"""A tiny Vision Transformer on digits: patch embedding by a strided Conv2d, a learnable class token
and position embedding, nn.TransformerEncoder with batch_first, norm_first and GELU, the class token's
LayerNorm'd output to a linear head; AdamW, CosineAnnealingLR with a LinearLR warm-up chained by
SequentialLR, truncated-normal init."""
# corpus: tolerance acc=0.15
# corpus: expect acc>=0.6
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class ViT(nn.Module):
    def __init__(self, patch=7, dim=32, depth=2, heads=4, classes=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)
        n = (28 // patch) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, dim * 2, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        return self.head(self.norm(self.encoder(x))[:, 0])


torch.manual_seed(0)
root = os.environ.get("CORPUS_DATA", "data")
tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
train_loader = DataLoader(datasets.MNIST(root, train=True, transform=tf), batch_size=50, shuffle=True)
test_loader = DataLoader(datasets.MNIST(root, train=False, transform=tf), batch_size=100)
model = ViT()
print(model.encoder.layers[0])
epochs = 5
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=len(train_loader))
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=(epochs - 1) * len(train_loader))
scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[len(train_loader)])
for epoch in range(epochs):
    model.train()
    for x, y in train_loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    print(f"epoch {epoch} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.6f}")
model.eval()
with torch.no_grad():
    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
print(f"final acc={correct / len(test_loader.dataset):.3f}")
