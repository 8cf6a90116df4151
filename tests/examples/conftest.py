"""Fixtures for running examples/ in tests: the runner (Ember or PyTorch) and small datasets."""
import gzip
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAMPLE_MNIST = Path(__file__).resolve().parents[2] / "src" / "ember" / "data" / "mnist-5k" / "MNIST" / "raw"

# `python -c` puts the cwd (a tmp_path) first on sys.path, not examples/, so `import torch` is PyTorch
UNDER_TORCH = "import runpy, sys; sys.argv = [sys.argv[1]]; runpy.run_path(sys.argv[0], run_name='__main__')"


@pytest.fixture
def run_example(tmp_path):
    """run_example(name, framework="ember"|"torch", **env) -> CompletedProcess, run in tmp_path."""
    def run(name, framework="ember", **env):
        script = str(EXAMPLES / f"{name}.py")
        command = ([sys.executable, "-m", "ember", "run", script] if framework == "ember"
                   else [sys.executable, "-c", UNDER_TORCH, script])
        # one BLAS/OpenMP thread: pytest -n 2 already keeps both cores busy, and oversubscribed threads crawl
        env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", **{k: str(v) for k, v in env.items()}}
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{name} under {framework} failed:\n{result.stderr[-3000:]}"
        return result
    return run


def write_mnist_sample(root, n_train, n_test):
    """The first digits of the shipped sample written as torchvision leaves a download
    (root/MNIST/raw/ with the .gz files and their uncompressed copies); returns root."""
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        for kind, header in (("images-idx3-ubyte", 16), ("labels-idx1-ubyte", 8)):
            data = gzip.decompress((SAMPLE_MNIST / f"{prefix}-{kind}.gz").read_bytes())
            item = 784 if kind.startswith("images") else 1
            head = bytearray(data[:header])
            head[4:8] = struct.pack(">i", n)
            body = bytes(head) + data[header:header + n * item]
            (raw / f"{prefix}-{kind}").write_bytes(body)
            (raw / f"{prefix}-{kind}.gz").write_bytes(gzip.compress(body))
    return Path(root)


@pytest.fixture
def mnist_root(tmp_path):
    """mnist_root(n_train, n_test): write_mnist_sample into tmp_path/mnist; returns that root."""
    return lambda n_train, n_test: write_mnist_sample(tmp_path / "mnist", n_train, n_test)


def synthetic_cifar10(n, seed):
    """n 32x32 RGB images whose class k is a bright band at rows 3k..3k+2 over dim noise: quick to learn."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.normal(0.2, 0.1, (n, 3, 32, 32))
    for image, k in zip(images, labels):
        image[:, 3 * k:3 * k + 3, :] = 1.0
    return (np.clip(images, 0, 1) * 255).astype(np.uint8).reshape(n, 3072), [int(k) for k in labels]


@pytest.fixture
def cifar10_root(tmp_path):
    """cifar10_root(n_train, n_test): a SYNTHETIC dataset in CIFAR-10's python format
    (root/cifar-10-batches-py/data_batch_1..5, test_batch, batches.meta); returns root."""
    def write(n_train, n_test):
        folder = tmp_path / "cifar" / "cifar-10-batches-py"
        folder.mkdir(parents=True)
        names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        batches = [(f"data_batch_{i + 1}", n_train // 5, i) for i in range(5)] + [("test_batch", n_test, 5)]
        for name, n, seed in batches:
            data, labels = synthetic_cifar10(n, seed)
            entry = {"batch_label": name, "labels": labels, "data": data,
                     "filenames": [f"synthetic_{seed}_{i}.png" for i in range(n)]}
            (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
        meta = {"label_names": names, "num_cases_per_batch": n_train // 5, "num_vis": 3072}
        (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
        return folder.parent
    return write
