"""torch.stft / torch.istft against PyTorch: values over the options, round trips, gradients (vs torch and by finite
differences in float64) and the errors PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

OPTIONS = [{}, {"hop_length": 3, "win_length": 6, "window": 6}, {"center": False, "normalized": True},
           {"pad_mode": "constant", "onesided": False}, {"hop_length": 4, "window": 8}]


def _kw(kw: dict, lib: object) -> dict:
    out = dict(kw)
    if "window" in out:
        out["window"] = lib.hann_window(kw["window"], dtype=lib.float64)  # type: ignore[attr-defined]
    return out


def _close(ours: bw.Tensor, theirs: torch.Tensor) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", OPTIONS, ids=str)
@pytest.mark.parametrize("batched", [False, True])
def test_stft_istft_match_torch(kw: dict, batched: bool) -> None:
    x = np.random.default_rng(0).standard_normal((2, 30) if batched else (30,))
    sb = bw.stft(bw.tensor(x), 8, return_complex=True, **_kw(kw, bw))
    st = torch.stft(torch.tensor(x), 8, return_complex=True, **_kw(kw, torch))
    _close(sb, st)
    inv = {k: v for k, v in kw.items() if k != "pad_mode"}
    for length in (None, 20, 33):
        _close(bw.istft(sb, 8, length=length, **_kw(inv, bw)), torch.istft(st, 8, length=length, **_kw(inv, torch)))


def test_complex_signal_and_real_pairs() -> None:
    rng = np.random.default_rng(1)
    c = rng.standard_normal(20) + 1j * rng.standard_normal(20)
    sb, st = bw.stft(bw.tensor(c), 8, return_complex=True), torch.stft(torch.tensor(c), 8, return_complex=True)
    _close(sb, st)
    _close(bw.istft(sb, 8, return_complex=True), torch.istft(st, 8, return_complex=True))
    _close(bw.istft(sb, 8), torch.istft(st, 8))
    x = rng.standard_normal(20)
    _close(bw.stft(bw.tensor(x), 8, return_complex=False), torch.stft(torch.tensor(x), 8, return_complex=False))


def test_gradients_match_torch_and_finite_differences() -> None:
    x = np.random.default_rng(2).standard_normal((2, 24))
    wb, wt = bw.hann_window(8, dtype=bw.float64), torch.hann_window(8, dtype=torch.float64)
    xb, xt = bw.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    bw.stft(xb, 8, window=wb, return_complex=True).abs().sum().backward()
    torch.stft(xt, 8, window=wt, return_complex=True).abs().sum().backward()
    _close(xb.grad, xt.grad)
    st = torch.stft(torch.tensor(x), 8, window=wt, return_complex=True)
    parts_t = [st.real.clone().requires_grad_(), st.imag.clone().requires_grad_()]
    parts_b = [bw.tensor(p.detach().numpy(), requires_grad=True) for p in parts_t]
    bw.istft(bw.complex(*parts_b), 8, window=wb).pow(2).sum().backward()
    torch.istft(torch.complex(*parts_t), 8, window=wt).pow(2).sum().backward()
    for b, t in zip(parts_b, parts_t):
        _close(b.grad, t.grad)
    assert bw.autograd.gradcheck(lambda a: bw.stft(a, 8, hop_length=3, window=wb, return_complex=True).abs(),
                                 (bw.tensor(x[0, :16], requires_grad=True),))
    assert bw.autograd.gradcheck(lambda r, i: bw.istft(bw.complex(r, i), 8, window=wb, length=14),
                                 tuple(bw.tensor(p.detach().numpy()[0], requires_grad=True) for p in parts_t))


@pytest.mark.parametrize("call", [
    lambda L: L.stft(L.ones(20), 8),
    lambda L: L.stft(L.ones(2, 2, 5), 4, return_complex=True),
    lambda L: L.stft(L.ones(20, dtype=L.complex64), 8, onesided=True, return_complex=True),
    lambda L: L.istft(L.ones(5, 11), 8),
    lambda L: L.istft(L.stft(L.ones(20), 8, return_complex=True), 8, window=L.zeros(8)),
    lambda L: L.istft(L.stft(L.ones(20), 8, return_complex=True), 8, return_complex=True),
], ids=["no-return_complex", "3-d", "onesided-complex", "real-input", "zero-window", "onesided-complex-out"])
def test_errors_match_torch(call: object) -> None:
    with pytest.raises(RuntimeError):
        call(torch)  # type: ignore[operator]
    with pytest.raises(RuntimeError):
        call(bw)  # type: ignore[operator]
