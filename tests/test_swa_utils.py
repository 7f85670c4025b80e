"""optim.swa_utils against torch's: averaged parameters and buffers, SWALR's schedule, update_bn's statistics, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.optim import swa_utils as bsw
from torch.optim import swa_utils as tsw


def _pair(seed: int = 0) -> tuple[bw.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2)).double()
    b = bw.nn.Sequential(bw.nn.Linear(3, 4), bw.nn.BatchNorm1d(4), bw.nn.Linear(4, 2)).double()
    b.load_state_dict({k: bw.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return b, t


def _same_state(b: bw.nn.Module, t: torch.nn.Module) -> None:
    tsd = t.state_dict()
    for k, v in b.state_dict().items():
        np.testing.assert_allclose(v.numpy(), tsd[k].numpy(), rtol=1e-12, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_multi", "swa_multi", "buffers"])
def test_averaged_model_matches_torch(kind: str) -> None:
    b, t = _pair()
    kw_b: dict = {}
    kw_t: dict = {}
    if kind == "ema":
        kw_b, kw_t = {"avg_fn": bsw.get_ema_avg_fn(0.8)}, {"avg_fn": tsw.get_ema_avg_fn(0.8)}
    elif kind == "ema_multi":
        kw_b, kw_t = {"multi_avg_fn": bsw.get_ema_multi_avg_fn(0.7)}, {"multi_avg_fn": tsw.get_ema_multi_avg_fn(0.7)}
    elif kind == "swa_multi":
        kw_b, kw_t = {"multi_avg_fn": bsw.get_swa_multi_avg_fn()}, {"multi_avg_fn": tsw.get_swa_multi_avg_fn()}
    elif kind == "buffers":
        kw_b = kw_t = {"use_buffers": True}
    ab, at = bsw.AveragedModel(b, **kw_b), tsw.AveragedModel(t, **kw_t)
    rng = np.random.default_rng(1)
    ob = bw.optim.SGD(b.parameters(), lr=0.1)
    ot = torch.optim.SGD(t.parameters(), lr=0.1)
    for _ in range(4):
        x = rng.standard_normal((5, 3))
        for model, opt, lib in ((b, ob, bw), (t, ot, torch)):
            opt.zero_grad()
            model(lib.tensor(x)).pow(2).sum().backward()
            opt.step()
        ab.update_parameters(b)
        at.update_parameters(t)
    _same_state(ab, at)
    assert int(ab.n_averaged) == int(at.n_averaged) == 4
    x = rng.standard_normal((2, 3))
    ab.eval()
    at.eval()
    np.testing.assert_allclose(ab(bw.tensor(x)).detach().numpy(), at(torch.tensor(x)).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3])
def test_swalr_schedule_matches_torch(strategy: str, anneal_epochs: int) -> None:
    lrs = []
    for lib, mod in ((bw, bsw), (torch, tsw)):
        p = [lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)]
        opt = lib.optim.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.3}], lr=1.0)
        sched = mod.SWALR(opt, swa_lr=[0.05, 0.1], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
        seen = [sched.get_last_lr()]
        for _ in range(5):
            opt.step()
            sched.step()
            seen.append(sched.get_last_lr())
        lrs.append(seen)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-12)


def test_update_bn_matches_torch() -> None:
    b, t = _pair(3)
    data = np.random.default_rng(2).standard_normal((12, 3)) * 3 + 1
    bsw.update_bn([(bw.tensor(data[i:i + 4]), 0) for i in range(0, 12, 4)], b)
    tsw.update_bn([(torch.tensor(data[i:i + 4]), 0) for i in range(0, 12, 4)], t)
    _same_state(b, t)
    assert b.training and b[1].momentum == t[1].momentum == 0.1


def test_errors_match_torch() -> None:
    net = bw.nn.Linear(1, 1)
    with pytest.raises(AssertionError, match="Only one"):
        bsw.AveragedModel(net, avg_fn=bsw.get_swa_avg_fn(), multi_avg_fn=bsw.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="decay"):
        bsw.get_ema_avg_fn(1.5)
    opt = bw.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        bsw.SWALR(opt, 0.05, anneal_strategy="step")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="anneal_epochs"):
        bsw.SWALR(opt, 0.05, anneal_epochs=-1)
    with pytest.raises(ValueError, match="same length"):
        bsw.SWALR(opt, [0.05, 0.1])  # type: ignore[arg-type]
