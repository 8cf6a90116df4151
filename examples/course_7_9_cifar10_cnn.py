# Course (seed 000), lessons 7-9: a CNN for CIFAR-10, its training loop (lesson 8), run on the
# accelerator when there is one (lesson 9's device code; lesson 8 is the same without it).
# Run: ember run examples/course_7_9_cifar10_cnn.py   (download=True fetches CIFAR-10 into ./data)
# --- settings (not in the course): DATA_ROOT=DIR for DIR/cifar-10-batches-py, EPOCHS=N ---------
import os
DATA_ROOT = os.environ.get("DATA_ROOT", "./data")
EPOCHS = int(os.environ.get("EPOCHS", 20))
# ------------------------------------------------------------------------------------------------

# Lesson 6: the data
import torchvision
import torch
from torchvision.datasets import CIFAR10

transform = torchvision.transforms.Compose([torchvision.transforms.ToTensor()])
trainset = CIFAR10(root=DATA_ROOT, train=True, download=True, transform=transform)
testset = CIFAR10(root=DATA_ROOT, train=False, download=True, transform=transform)

batch_size = 24
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=True)

# Lesson 7: the convolutional network
import torch.nn as nn

model = nn.Sequential(
    nn.Conv2d(3, 32, kernel_size=(3,3), stride=1, padding=1),
    nn.ReLU(),
    nn.Dropout(0.3),
    nn.Conv2d(32, 32, kernel_size=(3,3), stride=1, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=(2, 2)),
    nn.Flatten(),
    nn.Linear(8192, 512),
    nn.ReLU(),
    nn.Dropout(0.5),
    nn.Linear(512, 10)
)
print(model)

# Lessons 8 and 9: train it, on the GPU if there is one
import torch.nn as nn
import torch.optim as optim

device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')
print(device)  # (added)
model.to(device)

loss_fn = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

n_epochs = EPOCHS
for epoch in range(n_epochs):
    model.train()
    for inputs, labels in trainloader:
        y_pred = model(inputs.to(device))
        loss = loss_fn(y_pred, labels.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    acc = 0
    count = 0
    model.eval()
    with torch.no_grad():
        for inputs, labels in testloader:
            y_pred = model(inputs.to(device))
            acc += (torch.argmax(y_pred, 1) == labels.to(device)).float().sum()
            count += len(labels)
    acc /= count
    print("Epoch %d: model accuracy %.2f%%" % (epoch, acc*100))
