"""Train a small CNN, export it to ONNX, run it in ONNX Runtime and compare with brickwork.

Run: python examples/export_onnx.py [--out lenet.onnx]   (needs: pip install 'brickwork[onnx]')
"""

import argparse

import numpy as np
import onnx
import onnxruntime as ort

import brickwork as torch
from brickwork import nn
from brickwork.datasets import SyntheticDigits
from brickwork.utils.data import DataLoader

p = argparse.ArgumentParser()
p.add_argument("--out", default="lenet.onnx", help="where to write the ONNX model")
args = p.parse_args()

# 1. Train a small LeNet-style network for one short epoch on the offline synthetic digits.
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(256, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
for x, y in DataLoader(SyntheticDigits(train=True, size=800), batch_size=100, shuffle=True):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
print(f"trained: last batch loss {loss.item():.3f}")

# 2. Export: traced once in eval mode (dropout off, BatchNorm's running statistics), batch axis dynamic.
net.eval()
example = torch.randn(1, 1, 28, 28)
proto = torch.onnx.export(net, (example,), args.out, input_names=["images"], output_names=["logits"],
                          dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
onnx.checker.check_model(proto, full_check=True)
print(f"exported {args.out}: {[n.op_type for n in proto.graph.node]}")

# 3. Run it in ONNX Runtime on a test batch of another size and compare with brickwork's eager output.
session = ort.InferenceSession(args.out, providers=["CPUExecutionProvider"])
images, labels = next(iter(DataLoader(SyntheticDigits(train=False, size=300), batch_size=37)))
(logits,) = session.run(None, {"images": images.numpy()})
with torch.no_grad():
    eager = net(images).numpy()
diff = float(np.abs(logits - eager).max())
same = bool((logits.argmax(1) == eager.argmax(1)).all())
print(f"onnxruntime vs brickwork on a batch of {len(images)}: max abs difference {diff:.2e}, "
      f"same predictions: {same}, accuracy {(logits.argmax(1) == labels.numpy()).mean():.3f}")
assert diff <= 1e-5 and same
