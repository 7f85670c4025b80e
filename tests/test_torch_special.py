"""``brickwork.special`` against ``torch.special``: every exported name, values in float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork
import brickwork.special as special

# name -> positional arguments before the tensor / after it (tensors are made from the sample below)
_EXTRA: dict[str, tuple[tuple, tuple]] = {
    "polygamma": ((2,), ()), "multigammaln": ((), (3,)), "softmax": ((), (0,)), "log_softmax": ((), (0,)),
    "logsumexp": ((), (0,)), "logit": ((), (1e-6,)),
}
_BINARY = {"xlogy", "gammainc", "gammaincc", "xlog1py", "zeta"}
_DOMAIN = {"erfinv": (-0.99, 0.99), "logit": (0.01, 0.99), "multigammaln": (1.5, 9.0), "ndtri": (0.01, 0.99),
           "log1p": (-0.9, 6.0), "gammainc": (0.1, 9.0), "gammaincc": (0.1, 9.0), "zeta": (1.5, 9.0)}


def test_all_is_torch_special() -> None:
    torch_names = {n for n in dir(torch.special) if not n.startswith("_") and callable(getattr(torch.special, n))}
    assert set(special.__all__) <= torch_names
    assert brickwork.special is special


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", [n for n in special.__all__ if n != "Tensor"])
def test_values_match_torch(name: str, dtype: str) -> None:
    lo, hi = _DOMAIN.get(name, (-6.0, 6.0))
    x = np.random.default_rng(0).uniform(lo, hi, 64).astype(dtype)
    x = np.concatenate([x, np.array([lo, hi, (lo + hi) / 2], dtype)])
    before, after = _EXTRA.get(name, ((), ()))
    ours = [brickwork.tensor(x)] * (2 if name in _BINARY else 1)
    theirs = [torch.tensor(x)] * (2 if name in _BINARY else 1)
    got = getattr(special, name)(*before, *ours, *after)
    want = getattr(torch.special, name)(*before, *theirs, *after)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
