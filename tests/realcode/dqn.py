"""A DQN update in the style of PyTorch's reinforcement-learning tutorial: a replay batch, Q(s, a) through
gather, a target network kept in sync through load_state_dict, max over next states for non-final ones, Huber
loss, in-place gradient value clipping, and a soft (Polyak) target update.
"""

import torch
import torch.nn as nn
import torch.optim as optim


class DQN(nn.Module):
    def __init__(self, n_observations=4, n_actions=3):
        super().__init__()
        self.layer1 = nn.Linear(n_observations, 16)
        self.layer2 = nn.Linear(16, 16)
        self.layer3 = nn.Linear(16, n_actions)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        x = torch.relu(self.layer2(x))
        return self.layer3(x)


def build():
    return DQN()


def run(policy_net, data):
    target_net = DQN()
    target_net.load_state_dict(policy_net.state_dict())
    optimizer = optim.AdamW(policy_net.parameters(), lr=1e-3, amsgrad=True)
    GAMMA, TAU = 0.99, 0.005
    result = {"losses": []}
    for step in range(4):
        state_batch = torch.from_numpy(data["states"][step])
        action_batch = torch.from_numpy(data["actions"][step]).unsqueeze(1)
        reward_batch = torch.from_numpy(data["rewards"][step])
        done = torch.from_numpy(data["done"][step])
        next_states = [torch.from_numpy(s) for s, d in zip(data["next_states"][step], data["done"][step]) if not d]
        non_final_mask = torch.tensor(tuple(map(lambda d: not d, data["done"][step].tolist())), dtype=torch.bool)
        non_final_next_states = torch.cat([s.unsqueeze(0) for s in next_states])
        state_action_values = policy_net(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(len(done))
        with torch.no_grad():
            next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
        expected_state_action_values = (next_state_values * GAMMA) + reward_batch
        criterion = nn.SmoothL1Loss()
        loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
        if step == 0:
            result["grads"] = {k: p.grad.clone() for k, p in policy_net.named_parameters()}
        optimizer.step()
        target_net_state_dict = target_net.state_dict()
        policy_net_state_dict = policy_net.state_dict()
        for key in policy_net_state_dict:
            target_net_state_dict[key] = policy_net_state_dict[key] * TAU + target_net_state_dict[key] * (1 - TAU)
        target_net.load_state_dict(target_net_state_dict)
        result["losses"].append(loss.item())
    with torch.no_grad():
        q = policy_net(torch.from_numpy(data["states"][0]))
        result["greedy_actions"] = q.max(1).indices.view(-1, 1)
        result["one_hot"] = nn.functional.one_hot(q.argmax(1), num_classes=3)
    result["target_state"] = dict(target_net.state_dict())
    result["state"] = dict(policy_net.state_dict())
    return result
