"""A program whose DataLoader fails at one place; argv: library, place, num_workers, persistent."""
import importlib
import sys
import time

lib = importlib.import_module(sys.argv[1])
place, workers, persistent = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
data = lib.utils.data


class Numbers(data.Dataset):
    def __getitem__(self, i):
        if place == "getitem" and i == 5:
            raise ValueError(f"bad sample {i}")
        if place == "main" and i >= 4:
            time.sleep(60)  # a worker busy when the program fails
        return i

    def __len__(self):
        return 16


class Stream(data.IterableDataset):
    def __iter__(self):
        yield 1
        raise KeyError("stream broke")


class BadSampler(data.Sampler):
    def __init__(self):
        pass

    def __iter__(self):
        yield 0
        yield 1
        raise IndexError("sampler ran dry")

    def __len__(self):
        return 16


def collate(batch):
    if batch[0] >= 2:
        raise TypeError("cannot collate")
    return batch


def init(worker_id):
    raise OSError("worker start-up failed")


kwargs = dict(batch_size=2, num_workers=workers, persistent_workers=persistent)
dataset = Stream() if place == "iter" else Numbers()
if place == "sampler":
    kwargs["sampler"] = BadSampler()
if place == "collate":
    kwargs["collate_fn"] = collate
if place == "init":
    kwargs["worker_init_fn"] = init
loader = data.DataLoader(dataset, **kwargs)
for epoch in range(2):
    for step, batch in enumerate(loader):
        if place == "main" and step == 1:
            raise RuntimeError("the training step failed")
print("finished")
