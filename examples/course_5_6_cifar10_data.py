# Course (seed 000), lessons 5-6: CIFAR-10 from torchvision, plotted as arrays, then through a DataLoader.
# Run: ember run examples/course_5_6_cifar10_data.py   (download=True fetches CIFAR-10 into ./data)
# --- settings (not in the course): DATA_ROOT=DIR reads DIR/cifar-10-batches-py instead of ./data --
import os
DATA_ROOT = os.environ.get("DATA_ROOT", "./data")
# ------------------------------------------------------------------------------------------------

# Lesson 5: load the data with torchvision
import matplotlib.pyplot as plt
import torchvision

trainset = torchvision.datasets.CIFAR10(root=DATA_ROOT, train=True, download=True)
testset = torchvision.datasets.CIFAR10(root=DATA_ROOT, train=False, download=True)

fig, ax = plt.subplots(4, 6, sharex=True, sharey=True, figsize=(12,8))
for i in range(0, 24):
    row, col = i//6, i%6
    ax[row][col].imshow(trainset.data[i])
plt.show()

print(len(trainset), len(testset))  # (added) lesson 5's task: how many images in each set

# Lesson 6: the same through a DataLoader
import matplotlib.pyplot as plt
import torchvision
import torch
from torchvision.datasets import CIFAR10

transform = torchvision.transforms.Compose([torchvision.transforms.ToTensor()])
trainset = CIFAR10(root=DATA_ROOT, train=True, download=True, transform=transform)
testset = CIFAR10(root=DATA_ROOT, train=False, download=True, transform=transform)

batch_size = 24
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=True)

fig, ax = plt.subplots(4, 6, sharex=True, sharey=True, figsize=(12,8))
for images, labels in trainloader:
    for i in range(batch_size):
        row, col = i//6, i%6
        ax[row][col].imshow(images[i].numpy().transpose([1,2,0]))
    break  # take only the first batch
plt.show()
print(images.shape, images.dtype, labels.shape, labels.dtype)  # (added) what one batch holds
