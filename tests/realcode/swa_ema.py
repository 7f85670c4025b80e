"""Weight averaging as training scripts use it: stochastic weight averaging (AveragedModel, SWALR, update_bn to
recompute BatchNorm statistics) and an exponential moving average of the weights (get_ema_multi_avg_fn).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x))))


def build():
    return Net()


def run(model, data):
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    swa_model = AveragedModel(model)
    ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    swa_scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=2, anneal_strategy="linear")
    swa_start = 2
    result = {"losses": [], "lrs": []}
    for epoch in range(4):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            ema_model.update_parameters(model)
            result["losses"].append(loss.item())
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
        result["lrs"].append(optimizer.param_groups[0]["lr"])
    update_bn(loader, swa_model)
    swa_model.eval()
    ema_model.eval()
    with torch.no_grad():
        result["swa_out"] = swa_model(x)
        result["ema_out"] = ema_model(x)
    result["n_averaged"] = swa_model.n_averaged
    result["swa_state"] = dict(swa_model.state_dict())
    result["state"] = dict(model.state_dict())
    return result
