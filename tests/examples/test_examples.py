"""The tutorials' programs in examples/ run under `ember run` and print what PyTorch prints.

Where a program runs without torchvision (not installed beside PyTorch here), it also runs under
PyTorch and the two outputs must agree line by line with floats masked (random values differ:
Ember's random streams are its own). Training runs are kept short (EPOCHS, small datasets)."""
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ember
from ember.demo import SAMPLE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def skeleton(text):
    """The output with every float and address masked and spaces folded: what must not depend on random values."""
    text = re.sub(r"0x[0-9a-f]+", "0x?", text)
    text = re.sub(r"-?\d+\.\d*(?:e[+-]?\d+)?|nan|inf", "#", text)
    return [" ".join(line.split()) for line in text.splitlines()]


def numbers_after(label, text):
    """Every number printed right after `label` in `text`."""
    return [float(x) for x in re.findall(re.escape(label) + r"\s*(-?[\d.]+(?:e[+-]?\d+)?|nan)", text)]


def test_course_1_intro(run_example):
    ours, theirs = run_example("course_1_intro").stdout, run_example("course_1_intro", "torch").stdout
    assert ours.splitlines() == [theirs.splitlines()[0], ember.__version__]


@pytest.mark.parametrize("name", ["exercises_1_tensors", "exercises_3_networks"])
def test_exercises_print_what_pytorch_prints(run_example, name):
    ours, theirs = run_example(name).stdout, run_example(name, "torch").stdout
    assert skeleton(ours) == skeleton(theirs)


def test_course_2_4_pima_mlp(run_example):
    ours, theirs = run_example("course_2_4_pima_mlp", EPOCHS=20), run_example("course_2_4_pima_mlp", "torch", EPOCHS=20)
    assert skeleton(ours.stdout) == skeleton(theirs.stdout)
    losses = numbers_after("latest loss", ours.stdout)
    assert len(losses) == 20 and all(math.isfinite(x) and 0 < x < 5 for x in losses)
    # about 0.70-0.74 after 20 epochs with PyTorch; 0.65 is the share of the majority class
    assert 0.6 <= numbers_after("Accuracy", ours.stdout)[0] <= 1


def test_python_examples_x_runs_on_ember_too(tmp_path):
    """`python examples/x.py` finds examples/torch.py, the stand-in, before PyTorch."""
    result = subprocess.run([sys.executable, str(EXAMPLES / "course_1_intro.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ember.__version__


def test_exercises_2_autograd(run_example):
    out = run_example("exercises_2_autograd", PRETRAINED=0).stdout.splitlines()
    assert out[0] == str(torch.Size([1, 1000]))
    corner, no_grad = out[1], out[2]
    assert no_grad == "None"
    assert out[3].startswith("tensor(") and "grad_fn=<DivBackward1>" in out[3]   # 5: the loss
    assert out[4].startswith("<DivBackward1 object at 0x")                     # 6: its grad_fn
    assert out[5] == corner                                                    # 8: backward leaves w alone
    assert out[6].startswith("tensor([") and out[6] != corner                 # 9: w.grad is there
    assert out[7:10] == ["None", "True", "False"]                              # 10-12
    a = torch.ones(1, requires_grad=True)
    b = a * a
    b.backward()
    with pytest.raises(RuntimeError) as second:
        b.backward()
    assert out[10] == f"RuntimeError: {second.value}"                          # 13
    assert out[11] != corner and out[11].startswith("tensor([")                # 15: the step moved w
    assert out[12] == out[3]                                                   # 16: the loss did not move
    assert out[13] == "None"                                                   # 18: zero_grad sets None
    assert out[14] == "19 ran" and out[15] == f"20 RuntimeError: {str(second.value).split('.')[0]}"
    assert out[16:18] == ["21 ran", "22 ran"]
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    (3 * a ** 3 - b ** 2).backward(gradient=torch.tensor([1., 1.]))
    assert out[18] == f"{a.grad} {b.grad}"                                     # 23
    assert out[19] == "False True"                                             # 24
    assert out[20] == str(torch.full((3,), 4.))                                # 25
    assert out[21] == f"True {torch.Size([64, 3, 7, 7])}"                      # 26


def test_course_5_6_cifar10_data(run_example, cifar10_root):
    out = run_example("course_5_6_cifar10_data", DATA_ROOT=cifar10_root(60, 30)).stdout.splitlines()
    assert out[-2] == "60 30"
    assert out[-1] == f"{torch.Size([24, 3, 32, 32])} {torch.float32} {torch.Size([24])} {torch.int64}"


def test_course_7_9_cifar10_cnn(run_example, cifar10_root):
    # too few steps here to judge learning with the lesson's lr=0.001: the book and blog tests judge that
    out = run_example("course_7_9_cifar10_cnn", DATA_ROOT=cifar10_root(120, 48), EPOCHS=2).stdout
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, kernel_size=(3, 3), stride=1, padding=1), torch.nn.ReLU(), torch.nn.Dropout(0.3),
        torch.nn.Conv2d(32, 32, kernel_size=(3, 3), stride=1, padding=1), torch.nn.ReLU(),
        torch.nn.MaxPool2d(kernel_size=(2, 2)), torch.nn.Flatten(), torch.nn.Linear(8192, 512), torch.nn.ReLU(),
        torch.nn.Dropout(0.5), torch.nn.Linear(512, 10))
    assert out.startswith(f"{model}\n{torch.device('cpu')}\n")
    accuracies = re.findall(r"^Epoch (\d+): model accuracy (\d+\.\d\d)%$", out, re.M)
    assert [epoch for epoch, _ in accuracies] == ["0", "1"]
    # accuracy = correct / 48 exactly: the counting and the division are right
    assert all(abs(float(a) * 48 / 100 - round(float(a) * 48 / 100)) < 0.01 for _, a in accuracies)


def test_book_mnist_convnet(run_example, mnist_root):
    out = run_example("book_mnist_convnet", DATA_ROOT=mnist_root(640, 500), EPOCHS=1).stdout
    logs = re.findall(r"^epoch: 1 \[(\d+)/640 \((\d+)%\)\]\t training loss: ([\d.]+)$", out, re.M)
    assert [(int(n), int(p)) for n, p, _ in logs] == [(0, 0), (320, 50)]
    test = re.search(r"^Test dataset: Overall Loss: ([\d.]+), Overall Accuracy: (\d+)/500 \((\d+)%\)$", out, re.M)
    assert test, out
    assert int(test[2]) >= 250  # PyTorch: 66-78% after these 20 steps (6 seeds); chance is 10%
    assert re.search(r"^Model prediction is : \d\nGround truth is : \d$", out, re.M)


def test_blog_mnist_mlp(run_example):
    out = run_example("blog_mnist_mlp", DATA_ROOT=SAMPLE, EPOCHS=2).stdout  # the 4,000 / 1,000 shipped digits

    class NeuralNetwork(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = torch.nn.Flatten()
            for i, (n_in, n_out) in enumerate([(784, 256), (256, 128), (128, 64), (64, 32)], 1):
                setattr(self, f"hidden{i}", torch.nn.Linear(n_in, n_out))
            self.out = torch.nn.Linear(32, 10)

    expected = (f"Shape of x [N, C, H, W]:{torch.Size([64, 1, 28, 28])}\n"
                f"Shape of y:{torch.Size([64])} {torch.int64}\nUsing cpu device\n{NeuralNetwork()}\n")
    assert out.startswith(expected)
    assert re.findall(r"^Epoch (\d+) $", out, re.M) == ["1", "2"] and "\nDone!\n" in out
    accuracies = numbers_after("Accuracy:", out)
    losses = numbers_after("Avg loss:", out)
    assert len(accuracies) == len(losses) == 2 and all(math.isfinite(x) for x in losses)
    # the example is unseeded, as in the blog: after these 189 steps PyTorch gave 37-54% (5 seeds), Ember 22-65%
    # (10 runs, 2026-12-07, one of them 21.6% in CI); chance is 10%, and the first test comes before training
    assert accuracies[1] >= 15 and losses[1] < losses[0]
