"""The book chapter's ConvNet (seed 001), written once for any module with PyTorch's API."""


def seed_convnet(torch, nn, F):
    """A fresh ConvNet built from `torch`, `torch.nn` and `torch.nn.functional` (or Ember's)."""

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.cn1, self.cn2 = nn.Conv2d(1, 16, 3, 1), nn.Conv2d(16, 32, 3, 1)
            self.dp1, self.dp2 = nn.Dropout2d(0.10), nn.Dropout2d(0.25)
            self.fc1, self.fc2 = nn.Linear(4608, 64), nn.Linear(64, 10)

        def forward(self, x):
            x = self.dp1(F.max_pool2d(F.relu(self.cn2(F.relu(self.cn1(x)))), 2))
            x = self.dp2(F.relu(self.fc1(torch.flatten(x, 1))))
            return F.log_softmax(self.fc2(x), dim=1)

    return ConvNet()
