"""``brickwork.special`` against ``torch.special``: every exported name, values in float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork
import brickwork.special as special

# name -> positional arguments before the tensor / after it (tensors are made from the sample below)
_POLYNOMIALS = [n for n in special.__all__ if "_polynomial_" in n]
_EXTRA: dict[str, tuple[tuple, tuple]] = {
    "polygamma": ((2,), ()), "multigammaln": ((), (3,)), "softmax": ((), (0,)), "log_softmax": ((), (0,)),
    "logsumexp": ((), (0,)), "logit": ((), (1e-6,)), **{n: ((), (7,)) for n in _POLYNOMIALS},
}
_BINARY = {"xlogy", "gammainc", "gammaincc", "xlog1py", "zeta"}
_DOMAIN = {"erfinv": (-0.99, 0.99), "logit": (0.01, 0.99), "multigammaln": (1.5, 9.0), "ndtri": (1e-6, 1 - 1e-6),
           "log1p": (-0.9, 6.0), "gammainc": (0.1, 9.0), "gammaincc": (0.1, 9.0), "zeta": (1.5, 9.0),
           "ndtr": (-30.0, 8.0), "log_ndtr": (-100.0, 8.0), "erfcx": (-9.0, 1e4), "i0e": (-800.0, 800.0),
           "i1e": (-800.0, 800.0), "i1": (-80.0, 80.0), "modified_bessel_i0": (-80.0, 80.0),
           "modified_bessel_i1": (-80.0, 80.0), "entr": (0.0, 50.0), "xlog1py": (0.0, 50.0),
           "bessel_j0": (-100.0, 100.0), "bessel_j1": (-100.0, 100.0), "bessel_y0": (1e-3, 100.0),
           "bessel_y1": (1e-3, 100.0), "modified_bessel_k0": (1e-3, 100.0), "modified_bessel_k1": (1e-3, 100.0),
           "scaled_modified_bessel_k0": (1e-3, 1e3), "scaled_modified_bessel_k1": (1e-3, 1e3),
           "spherical_bessel_j0": (-100.0, 100.0), "airy_ai": (-30.0, 30.0),
           **{n: (-1.5, 1.5) for n in _POLYNOMIALS}}
# PyTorch's own error where it is the less accurate one (Cephes' rational fits of J, Y and Ai): ours are checked
# against mpmath below
_TOL = {"bessel_j0": 1e-6, "bessel_j1": 1e-6, "bessel_y0": 1e-6, "bessel_y1": 1e-6, "airy_ai": 1e-7,
        **{n: 1e-10 for n in _POLYNOMIALS}}


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
    tol = 1e-4 if dtype == "float32" else _TOL.get(name, 1e-12)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]


_MPMATH = {"bessel_j0": ("besselj", 0), "bessel_j1": ("besselj", 1), "bessel_y0": ("bessely", 0),
           "bessel_y1": ("bessely", 1), "modified_bessel_k0": ("besselk", 0), "modified_bessel_k1": ("besselk", 1),
           "modified_bessel_i0": ("besseli", 0), "i1": ("besseli", 1), "airy_ai": ("airyai", None)}


@pytest.mark.parametrize("name", sorted(_MPMATH))
def test_bessel_matches_mpmath(name: str) -> None:
    mpmath = pytest.importorskip("mpmath")
    lo, hi = _DOMAIN[name]
    x = np.random.default_rng(1).uniform(lo, hi, 200)
    fn, order = _MPMATH[name]
    want = np.array([float(getattr(mpmath, fn)(v) if order is None else getattr(mpmath, fn)(order, v)) for v in x])
    got = getattr(special, name)(brickwork.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_zeta_has_no_gradient_in_x() -> None:
    for lib in (torch, brickwork):
        x = lib.tensor([2.0, 3.0], requires_grad=True)
        with pytest.raises(NotImplementedError, match="derivative for 'zeta'"):
            lib.special.zeta(x, 2.0).sum().backward()
