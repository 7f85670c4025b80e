"""An advantage actor-critic update in the style of PyTorch's reinforcement-learning example: a shared body with
action and value heads, a Categorical policy (log_prob, entropy), discounted normalized returns, smooth-L1 value
loss. The episode's states, actions and rewards are replayed from data so both libraries see the same one.
"""

from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

SavedAction = namedtuple("SavedAction", ["log_prob", "value"])
gamma, eps = 0.99, 1e-8


class Policy(nn.Module):
    def __init__(self, n_obs=4, n_actions=3, hidden=16):
        super().__init__()
        self.affine1 = nn.Linear(n_obs, hidden)
        self.action_head = nn.Linear(hidden, n_actions)
        self.value_head = nn.Linear(hidden, 1)
        self.saved_actions = []
        self.rewards = []
        self.entropies = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def select_action(model, state, replayed_action):
    state = torch.from_numpy(state)
    probs, state_value = model(state)
    m = Categorical(probs)
    sampled = m.sample()  # what a live agent would do; replayed here so both libraries take the same path
    if not 0 <= sampled.item() < probs.size(-1):
        raise ValueError("sampled action out of range")
    action = torch.tensor(replayed_action)
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    model.entropies.append(m.entropy())
    return action.item()


def finish_episode(model, optimizer):
    R = 0
    saved_actions = model.saved_actions
    policy_losses = []
    value_losses = []
    returns = []
    for r in model.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for (log_prob, value), R in zip(saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    entropy = torch.stack(model.entropies).mean()
    optimizer.zero_grad()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum() - 0.01 * entropy
    loss.backward()
    grads = {k: p.grad.clone() for k, p in model.named_parameters()}
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]
    del model.entropies[:]
    return loss.item(), entropy.item(), grads


def build():
    return Policy()


def run(model, data):
    optimizer = optim.Adam(model.parameters(), lr=3e-2)
    result = {"losses": [], "entropies": []}
    for episode in range(3):
        for t in range(data["states"].shape[1]):
            select_action(model, data["states"][episode, t], int(data["actions"][episode, t]))
            model.rewards.append(float(data["rewards"][episode, t]))
        loss, entropy, grads = finish_episode(model, optimizer)
        result["losses"].append(loss)
        result["entropies"].append(entropy)
        if episode == 0:
            result["grads"] = grads
    with torch.no_grad():
        probs, values = model(torch.from_numpy(data["states"][0]))
        m = Categorical(probs=probs)
        result["probs"] = probs
        result["values"] = values
        result["log_prob"] = m.log_prob(torch.from_numpy(data["actions"][0]))
        result["entropy"] = m.entropy()
        result["greedy"] = m.probs.argmax(dim=-1)
        logits_dist = Categorical(logits=torch.log(probs))
        result["logits_log_prob"] = logits_dist.log_prob(torch.from_numpy(data["actions"][0]))
    result["state"] = dict(model.state_dict())
    return result
