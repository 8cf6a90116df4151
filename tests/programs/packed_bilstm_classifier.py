"""Variable-length sequence classification with a bidirectional, two-layer LSTM over packed
sequences: pad_sequence, pack_padded_sequence (enforce_sorted=False), pad_packed_sequence, the final
hidden states of both directions concatenated, a ReduceLROnPlateau scheduler, gradient clipping."""
# corpus: tolerance acc=0.15
# corpus: expect acc>=0.75
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(3)


def make(n):
    seqs, labels = [], []
    for _ in range(n):
        length = int(torch.randint(2, 15, ()))
        seq = torch.randn(length, 3)
        labels.append(int(seq[:, 0].sum() > 0))
        seqs.append(seq)
    return seqs, torch.tensor(labels)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 16, num_layers=2, bidirectional=True, batch_first=True, dropout=0.1)
        self.fc = nn.Linear(32, 2)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        unpacked, out_lengths = pad_packed_sequence(out, batch_first=True)
        return self.fc(torch.cat([h[-2], h[-1]], dim=1)), unpacked, out_lengths


train_x, train_y = make(300)
test_x, test_y = make(200)
model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
for epoch in range(5):
    model.train()
    perm = torch.randperm(len(train_x))
    total = 0.0
    for i in range(0, len(perm), 32):
        idx = perm[i:i + 32]
        seqs = [train_x[j] for j in idx]
        lengths = torch.tensor([len(s) for s in seqs])
        logits, _, _ = model(pad_sequence(seqs, batch_first=True), lengths)
        loss = nn.functional.cross_entropy(logits, train_y[idx])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        total += loss.item() * len(idx)
    scheduler.step(total / len(perm))
    print(f"epoch {epoch} loss {total / len(perm):.4f}")
model.eval()
with torch.no_grad():
    lengths = torch.tensor([len(s) for s in test_x])
    logits, unpacked, out_lengths = model(pad_sequence(test_x, batch_first=True), lengths)
print(unpacked.shape[0], unpacked.shape[2], torch.equal(out_lengths, lengths), out_lengths.dtype)
print(f"final acc={(logits.argmax(1) == test_y).float().mean().item():.3f}")
