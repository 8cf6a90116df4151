"""A two-layer graph convolutional network written with index_add_ (message passing by scatter-sum)
on a synthetic two-community graph; symmetric degree normalisation, node classification with masks."""
# corpus: tolerance acc=0.1
# corpus: expect acc>=0.85
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)
n, feats, classes = 200, 16, 2
labels = torch.arange(n) % classes
x = torch.randn(n, feats) * 0.5 + labels.unsqueeze(1).float() * 0.3
# edges: mostly within a community
src = torch.randint(0, n, (1200,))
same = torch.rand(1200) < 0.9
dst = torch.where(same, (src + 2 * torch.randint(1, n // 2, (1200,))) % n, torch.randint(0, n, (1200,)))
edge_index = torch.cat([torch.stack([src, dst]), torch.stack([dst, src]), torch.arange(n).repeat(2, 1)], dim=1)
print("edges", edge_index.shape)


def gcn_norm(edge_index, num_nodes):
    row, col = edge_index
    deg = torch.zeros(num_nodes).index_add_(0, col, torch.ones(col.size(0)))
    inv_sqrt = deg.pow(-0.5)
    inv_sqrt[torch.isinf(inv_sqrt)] = 0
    return inv_sqrt[row] * inv_sqrt[col]


class GCNConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index, norm):
        h = self.lin(x)
        row, col = edge_index
        messages = h[row] * norm.unsqueeze(-1)
        out = torch.zeros_like(h).index_add_(0, col, messages)
        return out + self.bias


class GCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = GCNConv(feats, 32), GCNConv(32, classes)

    def forward(self, x, edge_index, norm):
        x = F.dropout(F.relu(self.conv1(x, edge_index, norm)), p=0.5, training=self.training)
        return self.conv2(x, edge_index, norm)


norm = gcn_norm(edge_index, n)
perm = torch.randperm(n)
train_mask = torch.zeros(n, dtype=torch.bool)
train_mask[perm[:40]] = True
test_mask = ~train_mask
model = GCN()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
for epoch in range(100):
    model.train()
    optimizer.zero_grad()
    out = model(x, edge_index, norm)
    loss = F.cross_entropy(out[train_mask], labels[train_mask])
    loss.backward()
    optimizer.step()
    if epoch % 25 == 0:
        print(f"Epoch {epoch:03d} loss {loss.item():.4f}")
model.eval()
pred = model(x, edge_index, norm).argmax(dim=1)
acc = (pred[test_mask] == labels[test_mask]).sum().item() / int(test_mask.sum())
# the same aggregation through scatter_add_ and a sparse-style adjacency product
h = torch.randn(n, 4)
agg1 = torch.zeros(n, 4).index_add_(0, edge_index[1], h[edge_index[0]])
agg2 = torch.zeros(n, 4).scatter_add_(0, edge_index[1].unsqueeze(1).expand(-1, 4), h[edge_index[0]])
print("scatter agrees", torch.allclose(agg1, agg2, atol=1e-5))
print(f"final acc={acc:.3f}")
