"""Data pipelines beyond TensorDataset: a variable-length text Dataset padded by a custom collate_fn
(pad_sequence), pin_memory, worker processes with persistent_workers and worker_init_fn, an
IterableDataset sharded across workers with get_worker_info, a WeightedRandomSampler, and a tiny
classifier trained from the padded batches."""
# corpus: tolerance acc=0.15 positive_share=0.08
# corpus: expect acc>=0.75
import math

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, IterableDataset, WeightedRandomSampler, get_worker_info


class Sentences(Dataset):
    """Sequences of token ids; label 1 when token 7 appears."""
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for i in range(n):
            length = int(torch.randint(3, 12, (1,), generator=g))
            seq = torch.randint(1, 10, (length,), generator=g)
            self.items.append((seq, int((seq == 7).any())))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate_batch(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True, padding_value=0), lengths, torch.tensor(labels)


class Counting(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per = int(math.ceil((self.end - self.start) / info.num_workers))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(range(lo, hi))


def seed_worker(worker_id):
    torch.manual_seed(torch.initial_seed() % 2 ** 32 + worker_id)


if __name__ == "__main__":
    torch.manual_seed(0)
    train, test = Sentences(600, 1), Sentences(200, 2)
    loader = DataLoader(train, batch_size=32, shuffle=True, collate_fn=collate_batch, num_workers=2,
                        persistent_workers=True, pin_memory=True, worker_init_fn=seed_worker, prefetch_factor=2)
    x, lengths, y = next(iter(loader))
    print(x.dtype, x.dim(), lengths.dtype, y.dtype, bool((x[torch.arange(len(x)), lengths - 1] != 0).all()))
    print("iterable, 2 workers:", sorted(DataLoader(Counting(3, 11), num_workers=2)))
    print("iterable, batched:", [b.tolist() for b in DataLoader(Counting(0, 6), batch_size=4)])
    weights = [5.0 if label else 1.0 for _, label in train.items]
    sampler = WeightedRandomSampler(weights, num_samples=400, replacement=True)
    drawn = [train.items[i][1] for i in sampler]
    print("weighted sampler draws", len(drawn))
    model = nn.Sequential(nn.EmbeddingBag(10, 16, mode="max", padding_idx=0), nn.Linear(16, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for epoch in range(6):
        for x, lengths, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")
    with torch.no_grad():
        x, lengths, y = collate_batch([test[i] for i in range(len(test))])
        acc = (model(x).argmax(1) == y).float().mean().item()
    print(f"final acc={acc:.3f} positive_share={sum(drawn) / len(drawn):.3f}")
