"""The issue's program: REINFORCE with a Categorical policy learns a small corridor task under
Ember as it does under PyTorch (same code, the library passed in)."""
import numpy as np
import pytest
import torch

import ember

LENGTH, HORIZON, BATCH, ITERATIONS = 5, 10, 32, 25


def run(lib, seed=0):
    """Train a policy to walk right along a corridor of LENGTH cells (actions: left, right, stay;
    +1 on reaching the end, -0.05 a step); return the mean episode return of each iteration."""
    lib.manual_seed(seed)
    nn, F = lib.nn, lib.nn.functional
    policy = nn.Sequential(nn.Linear(LENGTH + 1, 16), nn.Tanh(), nn.Linear(16, 3))
    optimizer = lib.optim.Adam(policy.parameters(), lr=0.05)
    history = []
    for _ in range(ITERATIONS):
        position = np.zeros(BATCH, dtype=np.int64)
        alive = np.ones(BATCH, dtype=bool)
        log_probs, rewards, masks = [], [], []
        for _ in range(HORIZON):
            state = F.one_hot(lib.tensor(position), LENGTH + 1).float()
            dist = lib.distributions.Categorical(logits=policy(state))
            action = dist.sample()
            log_probs.append(dist.log_prob(action))
            step = np.array([-1, 1, 0])[action.numpy()]
            position = np.clip(position + step * alive, 0, LENGTH)
            reward = np.where(alive, -0.05 + (position == LENGTH), 0.0)
            masks.append(alive.copy())
            rewards.append(reward)
            alive = alive & (position != LENGTH)
        returns = np.cumsum(np.array(rewards)[::-1], axis=0)[::-1]  # reward-to-go
        episode_return = returns[0]
        history.append(float(episode_return.mean()))
        advantage = (returns - returns.mean(axis=1, keepdims=True)) * np.array(masks)
        loss = -(lib.stack(log_probs) * lib.tensor(advantage.astype(np.float32))).sum() / BATCH
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return history


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_reinforce_learns(lib):
    history = run(lib)
    start, end = np.mean(history[:5]), np.mean(history[-5:])
    assert start < 0.2, history[:5]
    assert end > 0.6, history[-5:]  # walking straight right earns 1 - 5 * 0.05 = 0.75
