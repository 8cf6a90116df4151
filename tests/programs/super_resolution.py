"""Super-resolution by sub-pixel convolution: a small ESPCN-style network upscales 14x14 digits to
28x28 with nn.PixelShuffle; orthogonal init with a gain, PSNR on the test images, and a
PixelUnshuffle round trip."""
# corpus: tolerance psnr=2.0
# corpus: expect psnr>=15
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 32, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(32, 32, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        return self.pixel_shuffle(self.conv3(x))


torch.manual_seed(123)
root = os.environ.get("CORPUS_DATA", "data")
train = DataLoader(datasets.MNIST(root, train=True, transform=transforms.ToTensor()), batch_size=50, shuffle=True)
test = DataLoader(datasets.MNIST(root, train=False, transform=transforms.ToTensor()), batch_size=100)
model = Net(upscale_factor=2)
print(model)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
for epoch in range(1, 4):
    epoch_loss = 0
    for target, _ in train:
        input = F.avg_pool2d(target, 2)
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()
    print(f"===> Epoch {epoch} Complete: Avg. Loss: {epoch_loss / len(train):.4f}")
avg_psnr = 0
with torch.no_grad():
    for target, _ in test:
        mse = criterion(model(F.avg_pool2d(target, 2)), target)
        avg_psnr += 10 * math.log10(1 / mse.item())
shuffled = nn.PixelShuffle(3)(torch.arange(2 * 18 * 4 * 5.).view(2, 18, 4, 5))
print(shuffled.shape, torch.equal(nn.PixelUnshuffle(3)(shuffled), torch.arange(2 * 18 * 4 * 5.).view(2, 18, 4, 5)))
print(f"===> Avg. PSNR: {avg_psnr / len(test):.4f} dB")
print(f"final psnr={avg_psnr / len(test):.3f}")
