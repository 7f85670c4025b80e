"""Train LeNet-5 (ReLU, average pooling) on the offline synthetic digits.

Run: python examples/train_lenet.py [--quick]
"""

import argparse

import brickwork as torch
from brickwork import nn
from brickwork.datasets import SyntheticDigits
from brickwork.train import fit
from brickwork.utils.data import DataLoader

p = argparse.ArgumentParser()
p.add_argument("--quick", action="store_true", help="a tiny run for CI")
args = p.parse_args()


def lenet():
    return nn.Sequential(
        nn.LazyConv2d(6, kernel_size=5, padding=2), nn.ReLU(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.LazyConv2d(16, kernel_size=5), nn.ReLU(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.LazyLinear(120), nn.ReLU(), nn.LazyLinear(84), nn.ReLU(), nn.LazyLinear(10))


torch.manual_seed(0)
n_train, epochs = (1024, 1) if args.quick else (20000, 4)
train = DataLoader(SyntheticDigits(train=True, size=n_train), batch_size=128, shuffle=True)
test = DataLoader(SyntheticDigits(train=False, size=max(n_train // 5, 256)), batch_size=512)
net = lenet()
torch.summary(net, (1, 1, 28, 28))
opt = torch.optim.Adam(net.parameters(), lr=2e-3)
history = fit(net, nn.CrossEntropyLoss(), opt, train, test, epochs=epochs)
print(f"final test accuracy: {history['val_acc'][-1]:.4f}")
