"""The classic MNIST convnet training loop (Adadelta, StepLR, nll_loss, a test pass that counts correct
predictions), interrupted by a checkpoint: model, optimizer and scheduler states saved with torch.save to a buffer,
loaded into fresh objects with torch.load, and training resumed. Forward hooks record activations on the way.
"""

import io

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(8 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, train_loader, optimizer, losses):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())


def test(model, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(test_loader.dataset), correct


def build():
    return Net()


def run(model, data):
    train_set = TensorDataset(torch.from_numpy(data["images"][:12]), torch.from_numpy(data["labels"][:12]))
    test_set = TensorDataset(torch.from_numpy(data["images"][12:]), torch.from_numpy(data["labels"][12:]))
    train_loader = DataLoader(train_set, batch_size=4)
    test_loader = DataLoader(test_set, batch_size=5)
    result = {"losses": [], "lrs": [], "test": []}
    # dropout draws differ between libraries; these are the same net with dropout turned off
    model.dropout1.p = model.dropout2.p = 0.0
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)

    activations = {}

    def save_activation(name):
        def hook(module, input, output):
            activations[name] = output.detach()
        return hook

    handle = model.conv2.register_forward_hook(save_activation("conv2"))
    for epoch in range(2):
        train(model, train_loader, optimizer, result["losses"])
        result["test"].append(test(model, test_loader))
        scheduler.step()
        result["lrs"].append(scheduler.get_last_lr())
    handle.remove()
    result["conv2_activation"] = activations["conv2"]

    buffer = io.BytesIO()
    torch.save({"epoch": 2, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)

    resumed = Net()
    resumed.dropout1.p = resumed.dropout2.p = 0.0
    resumed.load_state_dict(checkpoint["model_state_dict"])
    optimizer = optim.Adadelta(resumed.parameters(), lr=1.0)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    scheduler.load_state_dict(checkpoint["scheduler"])
    result["resumed_epoch"] = checkpoint["epoch"]
    train(resumed, train_loader, optimizer, result["losses"])
    result["test"].append(test(resumed, test_loader))
    scheduler.step()
    result["lrs"].append(scheduler.get_last_lr())
    result["optimizer_state"] = optimizer.state_dict()["state"]
    result["state"] = dict(resumed.state_dict())
    return result
