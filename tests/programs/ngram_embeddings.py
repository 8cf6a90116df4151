"""Word embeddings from an N-gram language model (the word-embeddings tutorial's trigram model on a
text of its own): nn.Embedding, context concatenated, log_softmax + NLLLoss, SGD; then the nearest
neighbours of a word by cosine similarity and an embedding loaded from pretrained vectors."""
# corpus: tolerance loss=0.3
# corpus: expect loss<=1.0
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

CONTEXT_SIZE, EMBEDDING_DIM = 2, 10
text = """when the winter wind blows cold across the hill the old shepherd gathers his sheep and
leads them down to the valley where the river runs slow and the grass stays green while the snow
falls on the hill and the wind blows cold the sheep sleep in the valley by the river""".split() * 3
ngrams = [([text[i - j - 1] for j in range(CONTEXT_SIZE)], text[i]) for i in range(CONTEXT_SIZE, len(text))]
vocab = sorted(set(text))
word_to_ix = {word: i for i, word in enumerate(vocab)}
print(len(ngrams), "trigrams,", len(vocab), "words; first:", ngrams[0])


class NGramLanguageModeler(nn.Module):
    def __init__(self, vocab_size, embedding_dim, context_size):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 64)
        self.linear2 = nn.Linear(64, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        return F.log_softmax(self.linear2(F.relu(self.linear1(embeds))), dim=1)


torch.manual_seed(1)
losses = []
loss_function = nn.NLLLoss()
model = NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE)
optimizer = optim.SGD(model.parameters(), lr=0.05)
for epoch in range(6):
    total_loss = 0
    for context, target in ngrams:
        context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
        model.zero_grad()
        loss = loss_function(model(context_idxs), torch.tensor([word_to_ix[target]], dtype=torch.long))
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    losses.append(total_loss / len(ngrams))
    print(f"epoch {epoch} average loss {losses[-1]:.4f}")
emb = model.embeddings.weight.detach()
sims = F.cosine_similarity(emb[word_to_ix["wind"]].unsqueeze(0), emb, dim=1)
print("neighbours of 'wind':", sims.topk(3).indices.shape, sims.dtype)
pretrained = nn.Embedding.from_pretrained(emb, freeze=True)
print(pretrained.weight.requires_grad, pretrained(torch.tensor([0, 1])).shape, torch.equal(pretrained.weight, emb))
print(f"final loss={losses[-1]:.3f}")
