"""Sequence to sequence with attention: a GRU encoder and an additive-attention GRU decoder learn to
reverse digit strings; teacher forcing, SOS/EOS tokens, greedy decoding, attention weights shown."""
# corpus: tolerance acc=0.3
# corpus: expect acc>=0.4
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

SOS, EOS, VOCAB, MAXLEN = 0, 1, 12, 7
torch.manual_seed(0)
random.seed(0)


def pair():
    seq = [random.randint(2, VOCAB - 1) for _ in range(random.randint(3, 5))]
    return seq + [EOS], seq[::-1] + [EOS]


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        return self.gru(self.embedding(input))


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa, self.Ua, self.Va = nn.Linear(hidden_size, hidden_size), nn.Linear(hidden_size, hidden_size), nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys))).squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        return torch.bmm(weights, keys), weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, target=None):
        batch = encoder_outputs.size(0)
        decoder_input = torch.empty(batch, 1, dtype=torch.long).fill_(SOS)
        hidden, outputs, attentions = encoder_hidden, [], []
        for i in range(MAXLEN):
            embedded = self.embedding(decoder_input)
            context, attn = self.attention(hidden.permute(1, 0, 2), encoder_outputs)
            output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
            output = self.out(output)
            outputs.append(output)
            attentions.append(attn)
            if target is not None:
                decoder_input = target[:, i].unsqueeze(1)
            else:
                _, topi = output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        return F.log_softmax(torch.cat(outputs, dim=1), dim=-1), hidden, torch.cat(attentions, dim=1)


def batch(n):
    pairs = [pair() for _ in range(n)]
    x = torch.full((n, MAXLEN), EOS, dtype=torch.long)
    y = torch.full((n, MAXLEN), EOS, dtype=torch.long)
    for i, (a, b) in enumerate(pairs):
        x[i, :len(a)] = torch.tensor(a)
        y[i, :len(b)] = torch.tensor(b)
    return x, y


hidden = 48
encoder, decoder = EncoderRNN(VOCAB, hidden), AttnDecoderRNN(hidden, VOCAB)
enc_opt = torch.optim.Adam(encoder.parameters(), lr=0.005)
dec_opt = torch.optim.Adam(decoder.parameters(), lr=0.005)
criterion = nn.NLLLoss()
for step in range(1, 251):
    x, y = batch(32)
    enc_opt.zero_grad()
    dec_opt.zero_grad()
    enc_out, enc_hidden = encoder(x)
    dec_out, _, _ = decoder(enc_out, enc_hidden, y)
    loss = criterion(dec_out.view(-1, VOCAB), y.view(-1))
    loss.backward()
    enc_opt.step()
    dec_opt.step()
    if step % 100 == 0:
        print(f"step {step} loss {loss.item():.4f}")
encoder.eval()
decoder.eval()
with torch.no_grad():
    x, y = batch(200)
    out, _, attn = decoder(*encoder(x))
    acc = (out.argmax(-1) == y).all(dim=1).float().mean().item()
print("attention", tuple(attn.shape), torch.allclose(attn.sum(-1), torch.ones(200, MAXLEN)))
print(f"final acc={acc:.3f}")
