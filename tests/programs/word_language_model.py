"""A word-level language model (RNN_TANH, LSTM or GRU by --model) on a generated corpus: embedding,
tied decoder weights, truncated BPTT with repackaged hidden state, clip_grad_norm_, lr annealing,
and the whole model saved with torch.save(model) and loaded back for the test perplexity."""
# corpus: tolerance ppl=3
# corpus: expect ppl<=8
import argparse
import math

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="LSTM")
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--bptt", type=int, default=12)
parser.add_argument("--clip", type=float, default=0.25)
parser.add_argument("--save", default="model.pt")
args = parser.parse_args()
torch.manual_seed(1111)

# a tiny grammar: sentences drawn from templates, so the next word is often predictable
nouns, verbs, adjs = ["cat", "dog", "bird", "fish"], ["sees", "likes", "chases"], ["big", "small", "red"]
g = torch.Generator().manual_seed(0)
def pick(words):
    return words[torch.randint(len(words), (1,), generator=g).item()]
words = []
for _ in range(700):
    words += ["the", pick(adjs), pick(nouns), pick(verbs), "the", pick(nouns), "<eos>"]
vocab = sorted(set(words))
idx = {w: i for i, w in enumerate(vocab)}
ids = torch.tensor([idx[w] for w in words], dtype=torch.long)
train_ids, test_ids = ids[:4000], ids[4000:]


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ("LSTM", "GRU"):
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity="tanh", dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.decoder.weight = self.encoder.weight  # tied
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.drop(self.encoder(input)), hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.decoder.out_features)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def repackage_hidden(h):
    return h.detach() if isinstance(h, torch.Tensor) else tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


train_data, test_data = batchify(train_ids, 20), batchify(test_ids, 10)
model = RNNModel(args.model, len(vocab), 32, 32, 2)
criterion = nn.NLLLoss()
lr = 5.0


def evaluate(data):
    model.eval()
    total, hidden = 0.0, model.init_hidden(data.size(1))
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, args.bptt):
            x, y = get_batch(data, i)
            output, hidden = model(x, hidden)
            hidden = repackage_hidden(hidden)
            total += len(x) * criterion(output, y).item()
    return total / (len(data) - 1)


best = None
for epoch in range(1, args.epochs + 1):
    model.train()
    hidden = model.init_hidden(20)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        x, y = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(x, hidden)
        loss = criterion(output, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
    val = evaluate(test_data)
    print(f"| end of epoch {epoch:3d} | valid loss {val:5.2f} | valid ppl {math.exp(val):8.2f} | lr {lr:.2f}")
    if best is None or val < best:
        with open(args.save, "wb") as f:
            torch.save(model, f)
        best = val
    else:
        lr /= 4.0
with open(args.save, "rb") as f:
    model = torch.load(f, weights_only=False)
    model.rnn.flatten_parameters()
print(type(model).__name__, type(model.rnn).__name__)
test_loss = evaluate(test_data)
print(f"final ppl={math.exp(test_loss):.3f}")
