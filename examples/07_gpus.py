"""Builders' Guide 7 - devices and GPUs: placement, transfers, several devices (virtual CPU devices work too).

Run: python examples/07_gpus.py          (uses a GPU when CuPy sees one)
     BRICKWORK_CPU_DEVICES=2 python examples/07_gpus.py   (two virtual CPU devices, no GPU needed)
"""

import brickwork as torch
from brickwork import nn


def try_gpu(i=0):
    """The i-th GPU if it exists, else the i-th virtual CPU device if there are that many, else the CPU."""
    from brickwork.backends import cpu_device_count

    if torch.cuda.device_count() > i:
        return torch.device(f"cuda:{i}")
    return torch.device(f"cpu:{i}") if cpu_device_count() > i else torch.device("cpu")


print("GPUs:", torch.cuda.device_count(), "| devices used:", try_gpu(0), try_gpu(1))
x = torch.tensor([1, 2, 3])
print(x.device)

X = torch.ones(2, 3, device=try_gpu())
Y = torch.rand(2, 3, device=try_gpu(1))
Z = X.to(Y.device)  # copy explicitly: ops never move data behind your back
print(Z + Y)

try:
    X + Y if X.device != Y.device else None
except RuntimeError as e:
    print("error:", str(e).splitlines()[0])

net = nn.Sequential(nn.LazyLinear(1))
net = net.to(device=try_gpu())
print(net(X), net[0].weight.device)
