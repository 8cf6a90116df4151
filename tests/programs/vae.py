"""A variational autoencoder on MNIST digits: reparameterisation, summed BCE + KL, save_image."""
# corpus: tolerance loss=20
# corpus: expect loss<=270
import os

import torch
import torch.nn.functional as F
from torch import nn, optim
from torchvision import datasets, transforms
from torchvision.utils import save_image

torch.manual_seed(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
root = os.environ.get("CORPUS_DATA", "data")
train_loader = torch.utils.data.DataLoader(
    datasets.MNIST(root, train=True, download=False, transform=transforms.ToTensor()), batch_size=100, shuffle=True)
test_loader = torch.utils.data.DataLoader(
    datasets.MNIST(root, train=False, transform=transforms.ToTensor()), batch_size=100)


class VAE(nn.Module):
    def __init__(self, latent=8):
        super().__init__()
        self.fc1 = nn.Linear(784, 200)
        self.fc21 = nn.Linear(200, latent)
        self.fc22 = nn.Linear(200, latent)
        self.fc3 = nn.Linear(latent, 200)
        self.fc4 = nn.Linear(200, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


model = VAE().to(device)
optimizer = optim.Adam(model.parameters(), lr=1e-3)
os.makedirs("results", exist_ok=True)
for epoch in range(1, 5):
    model.train()
    train_loss = 0
    for data, _ in train_loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon, mu, logvar = model(data)
        loss = loss_function(recon, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}")
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            recon, mu, logvar = model(data)
            test_loss += loss_function(recon, data, mu, logvar).item()
            if i == 0:
                comparison = torch.cat([data[:8], recon.view(100, 1, 28, 28)[:8]])
                save_image(comparison.cpu(), f"results/reconstruction_{epoch}.png", nrow=8)
    test_loss /= len(test_loader.dataset)
    print(f"====> Test set loss: {test_loss:.4f}")
    with torch.no_grad():
        sample = model.decode(torch.randn(64, 8).to(device)).cpu()
        save_image(sample.view(64, 1, 28, 28), f"results/sample_{epoch}.png")
print(sorted(os.listdir("results"))[:2], os.path.getsize("results/sample_4.png") > 1000)
print(f"final loss={test_loss:.2f}")
