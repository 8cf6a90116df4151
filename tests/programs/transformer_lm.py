"""A Transformer language model: nn.TransformerEncoder with a causal mask from
nn.Transformer.generate_square_subsequent_mask, sinusoidal positional encoding, MultiheadAttention
inside, Adam with a LambdaLR warm-up, greedy generation at the end."""
# corpus: tolerance acc=0.15
# corpus: expect acc>=0.6
import math

import torch
import torch.nn as nn

torch.manual_seed(0)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=500):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0)])


class TransformerModel(nn.Module):
    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.1):
        super().__init__()
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        layer = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)

    def forward(self, src, src_mask=None):
        src = self.pos_encoder(self.embedding(src) * math.sqrt(self.d_model))
        return self.linear(self.transformer_encoder(src, src_mask, is_causal=src_mask is not None))


# sequences counting up modulo the vocabulary from a random start: the next token is learnable
ntokens, seq_len, batch = 16, 10, 32
model = TransformerModel(ntokens, 32, 4, 64, 2)
print(sum(p.numel() for p in model.parameters()), "parameters")
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 20))
mask = nn.Transformer.generate_square_subsequent_mask(seq_len)
print(mask[:3, :3])


def make_batch():
    start = torch.randint(0, ntokens, (1, batch))
    data = (start + torch.arange(seq_len + 1).unsqueeze(1)) % ntokens
    return data[:-1], data[1:]


for step in range(150):
    model.train()
    x, y = make_batch()
    output = model(x, mask)
    loss = criterion(output.view(-1, ntokens), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    scheduler.step()
    if step % 50 == 0:
        print(f"step {step:3d} loss {loss.item():.3f} lr {scheduler.get_last_lr()[0]:.5f}")
model.eval()
with torch.no_grad():
    x, y = make_batch()
    acc = (model(x, mask).argmax(-1) == y).float().mean().item()
    seq = torch.tensor([[3], [4]])
    for _ in range(5):
        nxt = model(seq, nn.Transformer.generate_square_subsequent_mask(seq.size(0)))[-1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt.t()], 0)
print("generated shape", tuple(seq.shape))
print(f"final acc={acc:.3f}")
