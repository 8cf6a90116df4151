"""`ember demo`: the book chapter's ConvNet on the MNIST sample shipped inside the package.

CI runs a quick version (--limit: the first digits only, one epoch); the full default run
(2 epochs on 4,000 digits, >= 94% as PyTorch gets) is checked by hand."""
import re

import torch
from PIL import Image

from ember.demo import SAMPLE, load_mnist


def test_shipped_sample_is_4000_train_1000_test_balanced():
    train_set, test_set = load_mnist(SAMPLE)
    assert (len(train_set), len(test_set)) == (4000, 1000)
    assert torch.bincount(torch.as_tensor(train_set.targets.tolist())).tolist() == [400] * 10
    assert torch.bincount(torch.as_tensor(test_set.targets.tolist())).tolist() == [100] * 10
    assert (SAMPLE / "README.md").read_text().count("LeCun") == 1


def test_quick_demo_trains_saves_a_pytorch_checkpoint_and_a_png(ember, tmp_path):
    result = ember("demo", "--epochs", "1", "--limit", "400", "--out", "out", "--seed", "1")
    assert result.returncode == 0, result.stderr
    match = re.search(r"^epoch 1: test loss ([\d.]+), accuracy (\d+)/400 \(([\d.]+)%\), [\d.]+ s$", result.stdout, re.M)
    assert match, result.stdout
    assert int(match[2]) >= 120  # after these 13 steps PyTorch gets 41-56% (6 seeds); chance is 10%
    assert "epoch 1/1" in result.stderr and "loss=" in result.stderr  # the tqdm bar with the running loss
    reference = {"cn1": torch.nn.Conv2d(1, 16, 3, 1), "cn2": torch.nn.Conv2d(16, 32, 3, 1),
                 "fc1": torch.nn.Linear(4608, 64), "fc2": torch.nn.Linear(64, 10)}
    expected = {f"{layer}.{key}": value.shape for layer, module in reference.items()
                for key, value in module.state_dict().items()}
    state = torch.load(tmp_path / "out" / "mnist_convnet.pt", weights_only=True)  # PyTorch reads Ember's file
    assert {key: value.shape for key, value in state.items()} == expected
    assert list(state) == list(expected)
    assert all(torch.isfinite(value).all() for value in state.values())
    with Image.open(tmp_path / "out" / "mnist_convnet.png") as png:
        assert png.format == "PNG" and png.size == (1200, 500)


def test_data_without_mnist_is_a_clear_error(ember, tmp_path):
    result = ember("demo", "--data", str(tmp_path / "nowhere"))
    assert result.returncode != 0
    assert f"no MNIST at {tmp_path / 'nowhere' / 'MNIST' / 'raw'}" in result.stderr


def test_quick_demo_logs_its_run_for_tensorboard(ember, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import STORE_EVERYTHING_SIZE_GUIDANCE, EventAccumulator
    result = ember("demo", "--epochs", "1", "--limit", "100", "--out", "out", "--tensorboard", "tb")
    assert result.returncode == 0, result.stderr
    assert "tensorboard --logdir tb" in result.stdout
    acc = EventAccumulator(str(tmp_path / "tb"), size_guidance=STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    assert [s.step for s in acc.Scalars("loss/train")] == [0, 1, 2, 3]  # 100 digits in batches of 32
    assert all(0 < s.value < 10 for s in acc.Scalars("loss/train"))
    match = re.search(r"^epoch 1: test loss ([\d.]+), accuracy (\d+)/100", result.stdout, re.M)
    (loss,), (accuracy,) = acc.Scalars("loss/test"), acc.Scalars("accuracy/test")
    assert (loss.step, accuracy.step) == (1, 1)
    assert f"{loss.value:.4f}" == match[1] and round(accuracy.value * 100) == int(match[2])
    (digits,) = acc.Images("test digits")
    assert (digits.width, digits.height) == (8 * 28, 3 * 28)  # 24 digits, 8 to a row
    (figure,) = acc.Images("curves and predictions")
    assert (figure.width, figure.height) == (1200, 500)
    ops = {node.name: node.op for node in acc.Graph().node}
    assert ops["ConvNet/Conv2d[cn1]/convolution"] == "aten::convolution"
    assert ops["ConvNet/Linear[fc2]/addmm"] == "aten::addmm" and ops["output/output.1"] == "IO Node"
