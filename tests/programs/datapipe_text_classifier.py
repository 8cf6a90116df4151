"""A character-level language-ID classifier fed by a DataPipe graph: IterableWrapper -> shuffle ->
sharding_filter -> map (encode) -> DataLoader batching with a padding collate, two worker processes."""
# corpus: tolerance acc=0.15
# corpus: expect acc>=0.8
import random

import torch
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.datapipes.iter import IterableWrapper

torch.manual_seed(0)
rng = random.Random(0)
ALPHABETS = {0: "aeiou", 1: "bcdfg", 2: "xyzwq"}  # three made-up "languages" with their own letters


def sentence(label):
    letters = ALPHABETS[label] + "  "
    return "".join(rng.choice(letters) for _ in range(rng.randint(8, 20))), label


train = [sentence(rng.randrange(3)) for _ in range(1200)]
test = [sentence(rng.randrange(3)) for _ in range(300)]
VOCAB = {c: i + 1 for i, c in enumerate(sorted(set("".join(s for s, _ in train + test))))}


def encode(item):
    text, label = item
    return torch.tensor([VOCAB[c] for c in text]), label


def pad_collate(batch):
    lengths = torch.tensor([len(x) for x, _ in batch])
    padded = nn.utils.rnn.pad_sequence([x for x, _ in batch], batch_first=True)
    return padded, lengths, torch.tensor([y for _, y in batch])


def pipe(data, shuffle):
    dp = IterableWrapper(data)
    if shuffle:
        dp = dp.shuffle(buffer_size=256)
    return dp.sharding_filter().map(encode)


print("pipe:", pipe(train, True))
print("first items:", [(len(x), y) for x, y in list(pipe(train[:3], False))])


class BagOfChars(nn.Module):
    def __init__(self, vocab, dim=16):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab + 1, dim, mode="mean", padding_idx=0)
        self.out = nn.Linear(dim, 3)

    def forward(self, padded, lengths):
        return self.out(self.embed(padded))


model = BagOfChars(len(VOCAB))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
train_loader = DataLoader(pipe(train, True), batch_size=32, collate_fn=pad_collate, num_workers=2, shuffle=True)
for epoch in range(3):
    seen, total = 0, 0.0
    for padded, lengths, labels in train_loader:
        loss = nn.functional.cross_entropy(model(padded, lengths), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(labels)
        total += loss.item() * len(labels)
    print(f"epoch {epoch} samples {seen} loss {total / seen:.4f}")

model.eval()
correct = 0
with torch.no_grad():
    for padded, lengths, labels in DataLoader(pipe(test, False), batch_size=100, collate_fn=pad_collate):
        correct += (model(padded, lengths).argmax(1) == labels).sum().item()
print(f"final acc={correct / len(test):.4f}")
