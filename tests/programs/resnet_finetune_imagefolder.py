"""Transfer learning as the tutorial does it: an ImageFolder of JPEG images (written here: two
classes told apart by colour), train/val transforms, a torchvision resnet18 with its backbone
frozen and a new fc head, SGD on the head only, StepLR, best weights kept with copy.deepcopy."""
# corpus: tolerance acc=0.15
# corpus: expect acc>=0.8
import copy
import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from PIL import Image
from torch.optim import lr_scheduler
from torchvision import datasets, models, transforms

rng = np.random.default_rng(0)
for split, n in (("train", 24), ("val", 12)):
    for cls, colour in (("ants", (200, 60, 40)), ("bees", (40, 80, 200))):
        os.makedirs(f"hymenoptera/{split}/{cls}", exist_ok=True)
        for i in range(n):
            img = np.clip(rng.normal(colour, 50, (48, 56, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(img).save(f"hymenoptera/{split}/{cls}/{i}.jpg")

data_transforms = {
    "train": transforms.Compose([transforms.RandomResizedCrop(32), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
                                 transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]),
    "val": transforms.Compose([transforms.Resize(36), transforms.CenterCrop(32), transforms.ToTensor(),
                               transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]),
}
image_datasets = {x: datasets.ImageFolder(os.path.join("hymenoptera", x), data_transforms[x]) for x in ["train", "val"]}
dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=8, shuffle=x == "train") for x in ["train", "val"]}
dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
class_names = image_datasets["train"].classes
print(class_names, dataset_sizes, image_datasets["train"].class_to_idx)

torch.manual_seed(0)
model_conv = models.resnet18(weights=None)
for param in model_conv.parameters():
    param.requires_grad = False
model_conv.fc = nn.Linear(model_conv.fc.in_features, 2)
print("trainable", [n for n, p in model_conv.named_parameters() if p.requires_grad])
criterion = nn.CrossEntropyLoss()
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=3, gamma=0.1)
best_model_wts, best_acc = copy.deepcopy(model_conv.state_dict()), 0.0
for epoch in range(4):
    for phase in ["train", "val"]:
        model_conv.train() if phase == "train" else model_conv.eval()
        running_loss, running_corrects = 0.0, 0
        for inputs, labels in dataloaders[phase]:
            optimizer_conv.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                outputs = model_conv(inputs)
                _, preds = torch.max(outputs, 1)
                loss = criterion(outputs, labels)
                if phase == "train":
                    loss.backward()
                    optimizer_conv.step()
            running_loss += loss.item() * inputs.size(0)
            running_corrects += torch.sum(preds == labels.data)
        if phase == "train":
            exp_lr_scheduler.step()
        epoch_acc = running_corrects.double() / dataset_sizes[phase]
        print(f"{phase} Loss: {running_loss / dataset_sizes[phase]:.4f} Acc: {epoch_acc:.4f}")
        if phase == "val" and epoch_acc > best_acc:
            best_acc, best_model_wts = epoch_acc, copy.deepcopy(model_conv.state_dict())
model_conv.load_state_dict(best_model_wts)
print("frozen grads are None", model_conv.conv1.weight.grad is None, type(best_acc).__name__)
print(f"final acc={best_acc.item():.3f}")
