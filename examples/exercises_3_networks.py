# Exercise set (seed 003), part 3: a one-hidden-layer network, named_parameters, LeNet.
# Run: ember run examples/exercises_3_networks.py
import torch
import torch.nn as nn
import torch.nn.functional as F


# 27. One hidden layer: 32x32 grayscale in, flattened, 100 features, ReLU, 10 classes
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(32 * 32, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


# 28. A forward pass in two lines
net = Net()
print(net(torch.rand(1, 1, 32, 32)).shape)
# 29. How many parameter tensors? Weight and bias of two layers: 4
print(len(list(net.parameters())))
# 30. Their names
print([name for name, param in net.named_parameters()])
# 31. Which layer is list(net.parameters())[1]? fc1's bias, of shape (100,)
print(list(net.parameters())[1].shape)


# 32. LeNet: conv 5x5 to 6 channels, 2x2 subsampling, conv 5x5 to 16, subsampling, 120, 84, 10
class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = LeNet()
print(net)
print(net(torch.rand(1, 1, 32, 32)).shape)


# 33. The same with nn.MaxPool2d
class LeNetPool(LeNet):
    def __init__(self):
        super(LeNetPool, self).__init__()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = F.relu(self.pool(self.conv1(x)))
        x = F.relu(self.pool(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = LeNetPool()
print(net)
print(net(torch.rand(1, 1, 32, 32)).shape)


# 34. Wider: conv1 gives 12 channels, so conv2 takes 12
class WideLeNet(LeNetPool):
    def __init__(self):
        super(WideLeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 12, 5)
        self.conv2 = nn.Conv2d(12, 16, 5)


net = WideLeNet()
print(net(torch.rand(1, 1, 32, 32)).shape)
print([(name, tuple(param.shape)) for name, param in net.named_parameters()])
