"""A convolutional autoencoder on digits: strided convolutions down, ConvTranspose2d and Upsample
up, BatchNorm, Sigmoid output, MSE reconstruction, a denoising variant with torch.randn_like noise,
and the encoder's codes clustered by class (nearest class mean on the test set)."""
# corpus: tolerance mse=0.02 acc=0.2
# corpus: expect mse<=0.09 acc>=0.3
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                     nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 7 * 7, 16))
        self.decoder = nn.Sequential(nn.Linear(16, 32 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
                                     nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                     nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


torch.manual_seed(0)
root = os.environ.get("CORPUS_DATA", "data")
train = DataLoader(datasets.MNIST(root, train=True, transform=transforms.ToTensor()), batch_size=50, shuffle=True)
test_set = datasets.MNIST(root, train=False, transform=transforms.ToTensor())
model = AutoEncoder()
print(model.decoder)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(4):
    model.train()
    for x, _ in train:
        noisy = (x + 0.2 * torch.randn_like(x)).clamp(0, 1)
        loss = nn.functional.mse_loss(model(noisy), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    x = torch.stack([test_set[i][0] for i in range(len(test_set))])
    y = torch.tensor([test_set[i][1] for i in range(len(test_set))])
    mse = nn.functional.mse_loss(model(x), x).item()
    codes = model.encoder(x)
    means = torch.stack([codes[y == k].mean(0) if (y == k).any() else torch.full((16,), 1e6) for k in range(10)])
    acc = (torch.cdist(codes, means).argmin(1) == y).float().mean().item()
print(codes.shape, model(x[:2]).shape)
print(f"final mse={mse:.4f} acc={acc:.3f}")
