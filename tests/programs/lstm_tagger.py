"""Part-of-speech tagging with an LSTM over word embeddings (the sequence-models tutorial's tagger,
with a generated training set), log_softmax scores, NLLLoss, SGD, per-sentence training."""
# corpus: tolerance acc=0.1
# corpus: expect acc>=0.9
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

random.seed(1)
torch.manual_seed(1)
DET, NN, V = ["the", "a", "every"], ["dog", "apple", "cat", "book", "man"], ["ate", "read", "saw", "likes"]


def sentence():
    words = [random.choice(DET), random.choice(NN), random.choice(V), random.choice(DET), random.choice(NN)]
    return words, ["DET", "NN", "V", "DET", "NN"]


training_data = [sentence() for _ in range(40)]
word_to_ix = {}
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}


def prepare_sequence(seq, to_ix):
    return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        return F.log_softmax(self.hidden2tag(lstm_out.view(len(sentence), -1)), dim=1)


model = LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
with torch.no_grad():
    print("scores before", model(prepare_sequence(training_data[0][0], word_to_ix)).shape)
for epoch in range(15):
    total = 0.0
    for sent, tags in training_data:
        model.zero_grad()
        loss = loss_function(model(prepare_sequence(sent, word_to_ix)), prepare_sequence(tags, tag_to_ix))
        loss.backward()
        optimizer.step()
        total += loss.item()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1} loss {total / len(training_data):.4f}")
with torch.no_grad():
    correct = sum((model(prepare_sequence(s, word_to_ix)).argmax(1) == prepare_sequence(t, tag_to_ix)).sum().item()
                  for s, t in training_data)
print(f"final acc={correct / (5 * len(training_data)):.3f}")
