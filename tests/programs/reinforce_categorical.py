"""REINFORCE with a Categorical policy on a small corridor walk (written here: reach the right end in
few steps), discounted returns normalised by their std, log_prob times return as the loss."""
# corpus: tolerance reward=0.35
# corpus: expect reward>=0.6
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical


class Corridor:
    """States 0..n-1 as one-hot; action 1 moves right, 0 left; reward 1 at the right end, -0.01 a step."""
    def __init__(self, n=6, seed=0):
        self.n, self.rng = n, np.random.default_rng(seed)

    def reset(self):
        self.pos, self.t = 0, 0
        return self.obs()

    def obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.pos] = 1
        return o

    def step(self, action):
        self.pos = min(self.n - 1, max(0, self.pos + (1 if action == 1 else -1)))
        self.t += 1
        done = self.pos == self.n - 1 or self.t >= 20
        return self.obs(), (1.0 if self.pos == self.n - 1 else -0.01), done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(6, 32)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs, self.rewards = [], []

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=1)


torch.manual_seed(543)
env, policy = Corridor(), Policy()
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()


def select_action(state):
    probs = policy(torch.from_numpy(state).float().unsqueeze(0))
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode(gamma=0.99):
    R, returns = 0, []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    loss = torch.cat([-lp * R for lp, R in zip(policy.saved_log_probs, returns)]).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    del policy.rewards[:], policy.saved_log_probs[:]


running = 0.0
for i_episode in range(1, 121):
    state, ep_reward = env.reset(), 0.0
    for t in range(20):
        state, reward, done = env.step(select_action(state))
        policy.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running = 0.05 * ep_reward + 0.95 * running
    finish_episode()
    if i_episode % 40 == 0:
        print(f"Episode {i_episode}\tLast reward: {ep_reward:.2f}\tAverage reward: {running:.2f}")
d = Categorical(logits=torch.tensor([[0.0, 1.0]]))
print(d.batch_shape, d.event_shape, d.entropy().shape)
print(f"final reward={running:.3f}")
