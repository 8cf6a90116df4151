"""Functions the multiprocessing tests run in child processes (importable by a spawned child; Ember only)."""
import numpy as np

import ember


def regression_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = x @ np.array([[1.5], [-2.0], [0.5], [3.0], [-1.0]], np.float32) + 0.5
    return ember.from_numpy(x), ember.from_numpy(y)


def loss_of(model):
    x, y = regression_data()
    with ember.no_grad():
        return ember.nn.functional.mse_loss(model(x), y).item()


def hogwild_train(rank, model, steps):
    """One Hogwild worker: its own optimizer and batches, updating the shared weights in place."""
    x, y = regression_data()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05)
    for step in range(steps):
        batch = slice((step * 8 + rank * 32) % 64, (step * 8 + rank * 32) % 64 + 8)
        optimizer.zero_grad()
        ember.nn.functional.mse_loss(model(x[batch]), y[batch]).backward()
        optimizer.step()


def add_rank(rank, tensor):
    tensor[rank] += rank + 1


def echo_incremented(inbox, outbox):
    """Take tensors from inbox, add 1 in place, and say which storage they arrived in."""
    while (t := inbox.get()) is not None:
        t.add_(1)
        outbox.put((t.is_shared(), t.shape, t.stride(), t.storage_offset(), t.dtype))


def fail_on_rank_one(rank):
    if rank == 1:
        raise ValueError("rank one failed")
