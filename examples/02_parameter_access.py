"""Builders' Guide 2 - parameter access: by attribute, index and name; state_dict; tied parameters.

Run: python examples/02_parameter_access.py
"""

import brickwork as torch
from brickwork import nn

torch.manual_seed(0)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
net(X)  # materialises the lazy layers

print(net[2].state_dict())
print(type(net[2].bias), net[2].bias.data)
print(net[2].weight.grad is None)
print([(name, param.shape) for name, param in net.named_parameters()])
print(net.state_dict()["2.bias"].data)
print(net.get_parameter("0.weight").shape)

# Tied parameters: the same layer twice is one set of parameters, listed once; gradients add up.
shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
net(X).sum().backward()
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
print(net[2].weight.data[0] == net[4].weight.data[0])
print("parameters listed once:", len(list(net.parameters())), "count:", nn.utils.count_parameters(net))
