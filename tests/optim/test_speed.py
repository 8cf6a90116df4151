"""The optimizer step is cheap: one Adam step over the Pima MLP's and the CIFAR CNN's parameters takes no longer
than torch's, measured side by side (best of interleaved repeats, so load on the machine hits both alike).

Run as a script for the table of all seed workloads and their optimizers:
    python tests/optim/test_speed.py"""
import timeit

import numpy as np
import pytest
import torch

import ember

SHAPES = {
    "pima_mlp": [(12, 8), (12,), (8, 12), (8,), (1, 8), (1,)],
    "mnist_cnn": [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (64, 4608), (64,), (10, 64), (10,)],
    "cifar_cnn": [(32, 3, 3, 3), (32,), (32, 32, 3, 3), (32,), (512, 8192), (512,), (10, 512), (10,)],
}
OPTIMIZERS = {"Adam": dict(lr=1e-3), "SGD": dict(lr=1e-3, momentum=0.9), "Adadelta": dict(lr=0.5)}
# the workloads' own pairings (bench/seed_workloads.py) plus Adam everywhere
PAIRS = [("pima_mlp", "Adam"), ("cifar_cnn", "Adam"), ("mnist_cnn", "Adam"), ("mnist_cnn", "Adadelta"),
         ("cifar_cnn", "SGD"), ("cifar_cnn", "Adadelta"), ("mnist_cnn", "SGD")]


def make_optimizer(lib, workload, name):
    """The workload's parameters with fixed gradients, and an optimizer that has taken its first step."""
    rng = np.random.default_rng(0)
    params = []
    for shape in SHAPES[workload]:
        p = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 0.1, requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 0.01)
        params.append(p)
    opt = getattr(lib.optim, name)(params, **OPTIMIZERS[name])
    opt.step()
    return opt


def step_times(workload, name, rounds=5):
    """Seconds per step for (torch, ember): the best of `rounds` interleaved timings."""
    t_opt, e_opt = make_optimizer(torch, workload, name), make_optimizer(ember, workload, name)
    number = 100 if workload == "pima_mlp" else 5
    t_best = e_best = float("inf")
    for _ in range(rounds):
        t_best = min(t_best, timeit.timeit(t_opt.step, number=number) / number)
        e_best = min(e_best, timeit.timeit(e_opt.step, number=number) / number)
    return t_best, e_best


@pytest.mark.parametrize("workload", ["pima_mlp", "cifar_cnn"])
def test_adam_step_not_slower_than_torch(workload):
    t, e = step_times(workload, "Adam")
    print(f"Adam step, {workload}: torch {t * 1e3:.3f} ms, ember {e * 1e3:.3f} ms")
    assert e <= t, f"ember {e * 1e3:.3f} ms > torch {t * 1e3:.3f} ms"


if __name__ == "__main__":
    for workload, name in PAIRS:
        t, e = step_times(workload, name, rounds=7)
        print(f"{workload:10s} {name:9s} torch {t * 1e3:8.3f} ms   ember {e * 1e3:8.3f} ms   ratio {e / t:.2f}")
