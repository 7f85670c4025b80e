"""Train an MLP on the offline synthetic digits, with progress bars and (optionally) a plot.

Run: python examples/train_mlp.py [--quick] [--plot mlp.png]
"""

import argparse

import brickwork as torch
from brickwork import nn
from brickwork.datasets import SyntheticDigits
from brickwork.train import fit, plot_history
from brickwork.utils.data import DataLoader

p = argparse.ArgumentParser()
p.add_argument("--quick", action="store_true", help="a tiny run for CI")
p.add_argument("--plot", help="write loss/accuracy curves to this PNG")
args = p.parse_args()

torch.manual_seed(0)
n_train, epochs = (2000, 1) if args.quick else (20000, 5)
train = DataLoader(SyntheticDigits(train=True, size=n_train), batch_size=256, shuffle=True)
test = DataLoader(SyntheticDigits(train=False, size=n_train // 5), batch_size=1024)
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
history = fit(net, nn.CrossEntropyLoss(), opt, train, test, epochs=epochs)
print(f"final test accuracy: {history['val_acc'][-1]:.4f}")
if args.plot:
    plot_history(history, args.plot)
