"""Bayesian linear regression by variational inference with torch.distributions: a mean-field Normal
posterior over the weights, rsample for the reparameterised ELBO, kl_divergence to the Normal prior,
a Normal likelihood's log_prob, then posterior predictive samples and an Independent distribution."""
# corpus: tolerance slope=0.3 noise=0.15
# corpus: expect slope>=1.5 slope<=2.5
import torch
import torch.nn as nn
from torch.distributions import Independent, Normal, kl_divergence

torch.manual_seed(0)
x = torch.linspace(-2, 2, 200).unsqueeze(1)
y = 2.0 * x - 0.5 + 0.3 * torch.randn_like(x)
q_mu = nn.Parameter(torch.zeros(2))
q_log_sigma = nn.Parameter(torch.full((2,), -1.0))
log_noise = nn.Parameter(torch.tensor(0.0))
prior = Normal(torch.zeros(2), torch.ones(2))
optimizer = torch.optim.Adam([q_mu, q_log_sigma, log_noise], lr=0.05)
for step in range(300):
    q = Normal(q_mu, q_log_sigma.exp())
    w = q.rsample((8,))
    pred = x @ w[:, :1].T + w[:, 1]
    log_lik = Normal(pred, log_noise.exp()).log_prob(y).sum(0).mean()
    loss = -(log_lik - kl_divergence(q, prior).sum())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step} elbo {-loss.item():.2f}")
posterior = Independent(Normal(q_mu.detach(), q_log_sigma.detach().exp()), 1)
print(posterior.batch_shape, posterior.event_shape, posterior.sample((5,)).shape, posterior.log_prob(torch.zeros(2)).shape)
print("has_rsample", Normal.has_rsample, q.rsample().requires_grad, prior.sample().requires_grad)
print(f"final slope={q_mu[0].item():.3f} noise={log_noise.exp().item():.3f}")
