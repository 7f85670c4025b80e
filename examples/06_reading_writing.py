"""Builders' Guide 6 - reading and writing tensors, containers, models and checkpoints (safely).

Run: python examples/06_reading_writing.py
"""

import os
import tempfile

import brickwork as torch
from brickwork import nn
from brickwork.nn import functional as F

folder = tempfile.mkdtemp()
path = lambda name: os.path.join(folder, name)  # noqa: E731

x = torch.arange(4)
torch.save(x, path("x-file"))
print(torch.load(path("x-file")))

y = torch.zeros(4)
torch.save([x, y], path("x-files"))
print(torch.load(path("x-files")))

torch.save({"x": x, "y": y}, path("mydict"))
print(torch.load(path("mydict")))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.output = nn.LazyLinear(10)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


net = MLP()
X = torch.randn(size=(2, 20))
Y = net(X)
torch.save(net.state_dict(), path("mlp.params"))  # one safetensors file: loading never runs code

clone = MLP()  # lazy: loading materialises it from the file's shapes
clone.load_state_dict(torch.load(path("mlp.params")))
clone.eval()
print(clone(X) == Y)

# A whole checkpoint: model, optimizer, epoch and every random generator's state.
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
torch.io.save_checkpoint(path("ckpt"), model=net, optimizer=opt, epoch=3)
state = torch.io.load_checkpoint(path("ckpt"), model=clone, optimizer=torch.optim.Adam(clone.parameters()))
print("resumed at epoch", state["epoch"])

# Broken or hostile files give one clear error type, never a crash or code execution.
with open(path("broken"), "wb") as f:
    f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
try:
    torch.load(path("broken"))
except torch.io.FormatError as e:
    print("refused:", str(e).splitlines()[0])
