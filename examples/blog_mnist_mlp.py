# Blog post (seed 002): MNIST through datasets and DataLoader, a sigmoid MLP trained with
# CrossEntropyLoss and Adam, tested after one epoch and again after more.
# Run: ember run examples/blog_mnist_mlp.py   (download=True fetches MNIST into ./data)
# --- settings (not in the post): DATA_ROOT=DIR reads DIR/MNIST/raw (ember demo's sample:
# DATA_ROOT=$(python -c "import ember.demo as d; print(d.SAMPLE)")), EPOCHS=N for the second run --
import os
DATA_ROOT = os.environ.get("DATA_ROOT", "data")
EPOCHS = int(os.environ.get("EPOCHS", 10))
# ------------------------------------------------------------------------------------------------

import torch
from torch import nn
from torchvision import datasets
from torchvision.transforms import ToTensor

"""-----下载训练集数据集-----"""
training_data = datasets.MNIST(root=DATA_ROOT, train=True, download=True, transform=ToTensor())
"""-----下载测试集数据集-----"""
test_data = datasets.MNIST(root=DATA_ROOT, train=False, download=True, transform=ToTensor())

"""-----展现手写字图片-----"""
from matplotlib import pyplot as plt
figure = plt.figure()
first = min(59000, len(training_data) - 9)  # (changed) the post shows images 59000-59008 of the full set
for i in range(9):
    img, label = training_data[i + first]
    figure.add_subplot(3, 3, i + 1)
    plt.title(label)
    plt.axis("off")
    plt.imshow(img.squeeze(), cmap="gray")
    a = img.squeeze()
plt.show()

from torch.utils.data import DataLoader
train_dataloder = DataLoader(training_data, batch_size=64)
test_datalodar = DataLoader(test_data, batch_size=64)
for x, y in test_datalodar:
    print(f"Shape of x [N, C, H, W]:{x.shape}")
    print(f"Shape of y:{y.shape} {y.dtype}")
    break

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden1 = nn.Linear(28*28, 256)
        self.hidden2 = nn.Linear(256, 128)
        self.hidden3 = nn.Linear(128, 64)
        self.hidden4 = nn.Linear(64, 32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        x = self.flatten(x)
        x = self.hidden1(x)
        x = torch.sigmoid(x)
        x = self.hidden2(x)
        x = torch.sigmoid(x)
        x = self.hidden3(x)
        x = torch.sigmoid(x)
        x = self.hidden4(x)
        x = torch.sigmoid(x)
        x = self.out(x)
        return x


model = NeuralNetwork().to(device)
print(model)

optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = nn.CrossEntropyLoss()


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    batch_size_num = 1
    for x, y in dataloader:
        x, y = x.to(device), y.to(device)
        pred = model.forward(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        if batch_size_num % 200 == 0:
            print(f"loss:{loss_value:>7f} [number:{batch_size_num}]")
        batch_size_num += 1


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for x, y in dataloader:
            x, y = x.to(device), y.to(device)
            pred = model.forward(x)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
            a = (pred.argmax(1) == y)
            b = (pred.argmax(1) == y).type(torch.float)
    test_loss /= num_batches
    correct /= size
    correct = round(correct, 4)
    print(f"Test result: \n Accuracy:{(100*correct)}%,Avg loss:{test_loss}")


train(train_dataloder, model, loss_fn, optimizer)
test(test_datalodar, model, loss_fn)

"""-----调整学习率-----"""
epochs = EPOCHS
for t in range(epochs):
    print(f"Epoch {t+1} \n-------------------------")
    train(train_dataloder, model, loss_fn, optimizer)
print("Done!")
test(test_datalodar, model, loss_fn)
