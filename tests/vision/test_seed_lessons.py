"""The seed course's lessons 5 and 6 (load CIFAR-10 with torchvision, count the images, plot the
first 24; then a shuffled DataLoader of batch 24 over ToTensor images), run unchanged with
`ember run` on a small CIFAR-10 in the official format built in tmp_path."""
import os
import subprocess
import sys

from tests.vision.conftest import make_cifar

LESSON_5 = '''
import matplotlib.pyplot as plt
import torchvision

trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True)
testset = torchvision.datasets.CIFAR10(root='./data', train=False, download=True)

fig, ax = plt.subplots(4, 6, sharex=True, sharey=True, figsize=(12,8))
for i in range(0, 24):
    row, col = i//6, i%6
    ax[row][col].imshow(trainset.data[i])
plt.show()

# the lesson's exercise: count the images in each set
print("train images:", len(trainset), trainset.data.shape)
print("test images:", len(testset), testset.data.shape)
'''

LESSON_6 = '''
import matplotlib.pyplot as plt
import torchvision
import torch
from torchvision.datasets import CIFAR10

transform = torchvision.transforms.Compose([torchvision.transforms.ToTensor()])
trainset = CIFAR10(root='./data', train=True, download=True, transform=transform)
testset = CIFAR10(root='./data', train=False, download=True, transform=transform)

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
'''

# appended by the test, to see what the lesson produced
CHECK_5 = '''
import numpy as np
shown = [a.images[0].get_array() for a in fig.axes if a.images]
print("plotted:", len(shown), all(np.array_equal(s, trainset.data[i]) for i, s in enumerate(shown)))
'''
CHECK_6 = '''
import numpy as np
shown = [np.asarray(a.images[0].get_array()) for a in fig.axes if a.images]
print("batch:", tuple(images.shape), images.dtype, labels.dtype, len(trainloader), len(testloader))
first = [np.asarray(trainset.data[i], dtype=np.float32) / 255 for i in range(24)]
in_order = all(np.allclose(s, f) for s, f in zip(shown, first))
from_dataset = all(any(np.allclose(s, np.asarray(d, dtype=np.float32) / 255) for d in trainset.data) for s in shown)
print("plotted:", len(shown), "shuffled:", not in_order, "from the dataset:", from_dataset)
'''


def run_lesson(tmp_path, code):
    make_cifar(tmp_path / "data", per_batch=12)  # 60 training and 12 test images
    script = tmp_path / "lesson.py"
    script.write_text(code)
    # no real download can happen: every URL would go through a proxy that is not there
    env = dict(os.environ, MPLBACKEND="Agg", HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               NO_PROXY="", PYTHONWARNINGS="ignore")
    p = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Downloading" not in p.stdout
    return p.stdout.splitlines()


def test_lesson_5_counts_and_plots_the_first_24_images(tmp_path):
    out = run_lesson(tmp_path, LESSON_5 + CHECK_5)
    assert "train images: 60 (60, 32, 32, 3)" in out and "test images: 12 (12, 32, 32, 3)" in out
    assert "plotted: 24 True" in out


def test_lesson_6_plots_a_shuffled_batch_of_24(tmp_path):
    out = run_lesson(tmp_path, LESSON_6 + CHECK_6)
    assert "batch: (24, 3, 32, 32) torch.float32 torch.int64 3 1" in out
    assert "plotted: 24 shuffled: True from the dataset: True" in out
