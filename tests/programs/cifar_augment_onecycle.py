"""An image classifier with today's training recipe on FakeData-sized colour images made learnable
here: RandomCrop with padding, RandomHorizontalFlip, Normalize, a BatchNorm CNN with residual
blocks, SGD with nesterov momentum and weight decay, OneCycleLR stepped per batch, label smoothing,
gradient accumulation over two batches, channels_last memory format."""
# corpus: tolerance acc=0.15
# corpus: expect acc>=0.6
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


class Stripes(Dataset):
    """32x32 RGB images whose class (0-3) is the orientation/colour of their stripes, as PIL images."""
    def __init__(self, n, seed, transform):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 4, (n,), generator=g)
        base = torch.rand(n, 3, 32, 32, generator=g) * 0.4
        for i, k in enumerate(self.labels.tolist()):
            if k % 2 == 0:
                base[i, k // 2 * 2, ::4, :] += 0.6
            else:
                base[i, k // 2 * 2, :, ::4] += 0.6
        self.images = (base.clamp(0, 1) * 255).to(torch.uint8)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(transforms.functional.to_pil_image(self.images[i])), int(self.labels[i])


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


normalize = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize])
test_tf = transforms.Compose([transforms.ToTensor(), normalize])
torch.manual_seed(0)
train_loader = DataLoader(Stripes(256, 0, train_tf), batch_size=32, shuffle=True, drop_last=True)
test_loader = DataLoader(Stripes(128, 1, test_tf), batch_size=64)
model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                      Block(16), nn.MaxPool2d(2), Block(16), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(16, 4))
model = model.to(memory_format=torch.channels_last)
epochs, accum = 4, 2
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, epochs=epochs, steps_per_epoch=len(train_loader) // accum)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
for epoch in range(epochs):
    model.train()
    for i, (x, y) in enumerate(train_loader):
        loss = criterion(model(x.to(memory_format=torch.channels_last)), y) / accum
        loss.backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()
    print(f"epoch {epoch} loss {loss.item() * accum:.4f} lr {scheduler.get_last_lr()[0]:.5f}")
model.eval()
correct = 0
with torch.no_grad():
    for x, y in test_loader:
        correct += (model(x).argmax(1) == y).sum().item()
print(f"final acc={correct / 128:.3f}")
