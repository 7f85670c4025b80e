"""Builders' Guide 4 - lazy initialization: layers whose input sizes are inferred on first use.

Run: python examples/04_lazy_initialization.py
"""

import brickwork as torch
from brickwork import nn

net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
print(net)  # in_features=None until the first forward

# Touching a parameter before it exists is a clear error that names it and says what to do.
try:
    net[0].weight.shape
except RuntimeError as e:
    print("error:", e)

# An optimizer may be created now; it trains the parameters once they exist.
opt = torch.optim.SGD(net.parameters(), lr=0.1)

X = torch.rand(2, 20)
net(X)
print(net)  # identical to an eager model
print(type(net[0]) is nn.Linear, net[0].weight.shape)

# A shape-only dry run, and a summary without real data.
model = nn.Sequential(nn.LazyConv2d(6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.LazyLinear(10))
nn.utils.materialize(model, torch.zeros(1, 1, 28, 28))
torch.summary(model, (1, 1, 28, 28))

# Loading a state dict into a lazy model materialises it from the checkpoint's shapes.
fresh = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
fresh.load_state_dict(net.state_dict())
print(torch.equal(fresh(X), net(X)))
