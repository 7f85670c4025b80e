"""Builders' Guide 1 - model construction: modules, Sequential, custom blocks with Python in forward.

Run: python examples/01_model_construction.py
"""

import brickwork as torch
from brickwork import nn
from brickwork.nn import functional as F

torch.manual_seed(0)

# A sequential stack of layers.
net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
X = torch.rand(2, 20)
print(net(X).shape)


# A custom module: declare layers in __init__, say how to compute in forward.
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)  # input size inferred on first use
        self.out = nn.LazyLinear(10)

    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


print(MLP()(X).shape)


# Our own Sequential, built on the same registration machinery.
class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        for module in self.children():
            X = module(X)
        return X


print(MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))(X).shape)


# Arbitrary Python control flow and constant (non-trainable) parameters in forward.
class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.rand_weight = torch.rand((20, 20))  # a constant: not a parameter
        self.linear = nn.Linear(20, 20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)  # the same layer again: its parameters are shared
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


print(FixedHiddenMLP()(X))


# Nesting blocks in blocks; printing shows the tree.
class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.linear = nn.Linear(32, 16)

    def forward(self, X):
        return self.linear(self.net(X))


chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
print(chimera)
print(chimera(X))

# Containers: ModuleList and ModuleDict register what they hold.
blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "reg": nn.Linear(4, 1)})
print(len(list(blocks.parameters())), list(heads.keys()))
