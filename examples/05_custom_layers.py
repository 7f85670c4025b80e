"""Builders' Guide 5 - custom layers (with and without parameters) and a custom autograd Function.

Run: python examples/05_custom_layers.py
"""

import brickwork as torch
from brickwork import nn
from brickwork.nn import functional as F


class CenteredLayer(nn.Module):
    """A layer without parameters."""

    def forward(self, X):
        return X - X.mean()


layer = CenteredLayer()
print(layer(torch.tensor([1.0, 2, 3, 4, 5])))
net = nn.Sequential(nn.LazyLinear(128), CenteredLayer())
print(net(torch.rand(4, 8)).mean())


class MyLinear(nn.Module):
    """A layer with parameters."""

    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        return F.relu(X @ self.weight + self.bias)


linear = MyLinear(5, 3)
print(linear.weight.shape, linear(torch.rand(2, 5)).shape)
net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
print(net(torch.rand(2, 64)))


class SmoothClamp(torch.autograd.Function):
    """A custom differentiable function with a hand-written backward."""

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)  # save outputs, not intermediates on ctx: double backward stays correct
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class SmoothClampLayer(nn.Module):
    def forward(self, x):
        return SmoothClamp.apply(x)


x = torch.randn(3, dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(SmoothClamp.apply, (x,)), torch.autograd.gradgradcheck(SmoothClamp.apply, (x,)))
print(nn.Sequential(nn.Linear(3, 3), SmoothClampLayer())(torch.rand(2, 3)))
