"""A siamese network on digit pairs: a shared CNN embeds both images, the absolute difference of the
embeddings goes to a classifier that says "same digit or not"; BCEWithLogitsLoss, pairs built by a
custom Dataset, AdamW, evaluation accuracy."""
# corpus: tolerance acc=0.12
# corpus: expect acc>=0.7
import os
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets, transforms


class PairDataset(Dataset):
    def __init__(self, base, n, seed):
        self.base = base
        rng = random.Random(seed)
        by_label = {}
        for i, t in enumerate(base.targets.tolist()):
            by_label.setdefault(t, []).append(i)
        self.pairs = []
        for k in range(n):
            a = rng.randrange(len(base))
            la = int(base.targets[a])
            if k % 2 == 0:
                b = rng.choice(by_label[la])
            else:
                b = rng.choice(by_label[rng.choice([l for l in by_label if l != la])])
            self.pairs.append((a, b, float(k % 2 == 0)))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, i):
        a, b, same = self.pairs[i]
        return self.base[a][0], self.base[b][0], torch.tensor(same)


class SiameseNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.ReLU(),
                                 nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 64))
        self.head = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward_once(self, x):
        return self.cnn(x)

    def forward(self, a, b):
        return self.head(torch.abs(self.forward_once(a) - self.forward_once(b))).squeeze(1)


torch.manual_seed(0)
root = os.environ.get("CORPUS_DATA", "data")
tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
train_pairs = PairDataset(datasets.MNIST(root, train=True, transform=tf), 1200, seed=1)
test_pairs = PairDataset(datasets.MNIST(root, train=False, transform=tf), 300, seed=2)
loader = DataLoader(train_pairs, batch_size=32, shuffle=True)
model = SiameseNetwork()
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
criterion = nn.BCEWithLogitsLoss()
for epoch in range(3):
    model.train()
    for a, b, same in loader:
        optimizer.zero_grad()
        loss = criterion(model(a, b), same)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch} last loss {loss.item():.4f}")
model.eval()
correct = 0
with torch.no_grad():
    for a, b, same in DataLoader(test_pairs, batch_size=100):
        correct += ((torch.sigmoid(model(a, b)) > 0.5).float() == same).sum().item()
print("pair shapes", tuple(a.shape), tuple(same.shape), same.dtype)
print(f"final acc={correct / len(test_pairs):.3f}")
