"""`ember doctor` over the tutorials' programs and the demo (small settings): correct programs get no
finding at all; the exercise set's bug-hunt (CIFAR-10 loading and training code with its mistakes)
gets each of its mistakes named at its line.

One subprocess runs every program in turn under its own Doctor (one import of Ember, not ten)."""
import json
import os
import subprocess
import sys
import textwrap

from ember.demo import SAMPLE

from .test_examples import EXAMPLES

DRIVER = """
import io, json, os, sys
import ember
from ember import compat
from ember.doctor import Doctor
results = {}
for name, path, env in json.loads(sys.argv[1]):
    os.environ.update(env)
    # each program from one seed: the tutorials' programs are unseeded, and an unlucky start saturates the
    # Pima MLP's sigmoid enough for sigmoid-bce (CI once; none in 30 unseeded runs, nor with seeds 0-11)
    ember.manual_seed(0)
    doctor = Doctor(out=io.StringIO()).install()
    try:
        if path == "demo":
            from ember.demo import main
            main(epochs=1, limit=400, out=env["OUT"])
        else:
            compat.run_path(path)
    finally:
        doctor.uninstall()
        doctor.finish()
    results[name] = {"findings": [[f.id, os.path.basename(f.filename), f.lineno] for f in doctor.findings],
                     "backwards": doctor.backwards, "report": doctor.out.getvalue()}
print("RESULTS " + json.dumps(results))
"""


def doctor_each(programs, cwd):
    """{name: {"findings": [[id, file, line]...], "backwards": n, "report": text}} for [(name, path, env)]."""
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(programs)], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.rsplit("RESULTS ", 1)[1])


def test_no_finding_on_the_tutorials_programs_and_the_demo(tmp_path, cifar10_root, mnist_root):
    cifar, mnist = str(cifar10_root(120, 48)), str(mnist_root(640, 500))
    programs = [(name, str(EXAMPLES / f"{name}.py"), env) for name, env in [
        ("course_1_intro", {}), ("exercises_1_tensors", {}), ("exercises_3_networks", {}),
        ("exercises_2_autograd", {"PRETRAINED": "0"}), ("course_2_4_pima_mlp", {"EPOCHS": "5"}),
        ("course_5_6_cifar10_data", {"DATA_ROOT": cifar}),
        ("course_7_9_cifar10_cnn", {"DATA_ROOT": cifar, "EPOCHS": "2"}),
        ("book_mnist_convnet", {"DATA_ROOT": mnist, "EPOCHS": "1"}),
        ("blog_mnist_mlp", {"DATA_ROOT": str(SAMPLE), "EPOCHS": "1"}),
    ]] + [("demo", "demo", {"OUT": str(tmp_path / "demo")})]
    results = doctor_each(programs, tmp_path)
    assert {name: r["findings"] for name, r in results.items()} == {name: [] for name, _, _ in programs}
    # the training programs were watched: their backward passes went through the doctor
    assert all(results[name]["backwards"] > 0 for name in ("exercises_2_autograd", "course_2_4_pima_mlp",
                                                          "course_7_9_cifar10_cnn", "book_mnist_convnet",
                                                          "blog_mnist_mlp", "demo"))


BUG_HUNT = '''\
import torch
import torchvision
import torchvision.transforms as transforms
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import os
root = os.environ["DATA_ROOT"]

# the dataset loading code
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
trainset = torchvision.datasets.CIFAR10(root=root, train=False, download=False, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=False)
testset = torchvision.datasets.CIFAR10(root=root, train=False, download=False, transform=transform)
testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.softmax(self.fc3(x), dim=1)

net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

# the training code
for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):  # train-on-test-split
        inputs, labels = data
        outputs = net(inputs)
        loss = criterion(outputs, labels)  # double-softmax
        loss.backward()  # no-zero-grad, loss-graph-kept
        optimizer.step()
        running_loss += loss
    print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f}")
'''


def test_the_exercise_sets_bug_hunt(tmp_path, cifar10_root):
    script = tmp_path / "bug_hunt.py"
    script.write_text(BUG_HUNT)
    lines = BUG_HUNT.splitlines()
    results = doctor_each([("bug_hunt", str(script), {"DATA_ROOT": str(cifar10_root(20, 40))})], tmp_path)
    expected = sorted([finding, "bug_hunt.py", i]
                      for i, line in enumerate(lines, 1) if "  # " in line and "-" in line.split("  # ")[1]
                      for finding in line.split("  # ")[1].split(", "))
    assert sorted(results["bug_hunt"]["findings"]) == expected
