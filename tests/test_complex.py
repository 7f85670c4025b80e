"""Complex dtypes beyond the op table: promotion, printing, saving, and the refusal of complex autograd."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import brickwork as bw

DTYPES = ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(DTYPES, 2)))
def test_promote_types_matches_torch(a: str, b: str) -> None:
    want = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1]
    if want == "complex32":  # NumPy has no half-precision complex: brickwork gives complex64
        want = "complex64"
    assert bw.promote_types(getattr(bw, a), getattr(bw, b)).name == want


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("scalar", [2, 2.5, 1 - 2j])
def test_scalar_promotion_matches_torch(dtype: str, scalar: object) -> None:
    for default in ("float32", "float64"):
        torch.set_default_dtype(getattr(torch, default))
        bw.set_default_dtype(getattr(bw, default))
        try:
            want = (torch.ones(2, dtype=getattr(torch, dtype)) * scalar).dtype
            got = (bw.ones(2, dtype=getattr(bw, dtype)) * scalar).dtype
            assert got.name == str(want).split(".")[-1], default
            assert bw.tensor([scalar]).dtype.name == str(torch.tensor([scalar]).dtype).split(".")[-1]
        finally:
            torch.set_default_dtype(torch.float32)
            bw.set_default_dtype(bw.float32)


@pytest.mark.parametrize("values", [[1 + 2j, 3 - 1j], [1.5 + 2j, -3e-5j], [[1 + 1j, 2.5 - 0.5j], [1e10j, 3]],
                                    [-0.0 - 0.0j, 1j], [0j], 2 + 1j, [1e-8 + 1j, 123456.7 - 2j],
                                    [complex(i, -i) / 7 for i in range(30)], [float("nan") + 1j, float("inf") * 1j]])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_printing_matches_torch(values: object, dtype: str) -> None:
    want = repr(torch.tensor(values, dtype=getattr(torch, dtype))).replace("torch.", "brickwork.")
    assert repr(bw.tensor(values, dtype=getattr(bw, dtype))) == want


def test_empty_and_default_dtype_printing() -> None:
    assert repr(bw.zeros(0, dtype=bw.complex64)) == "tensor([], dtype=brickwork.complex64)"
    bw.set_default_dtype(bw.float64)
    try:
        assert repr(bw.tensor([1j])) == "tensor([0.+1.j])"
    finally:
        bw.set_default_dtype(bw.float32)


def test_dtype_attributes() -> None:
    assert bw.cfloat is bw.complex64 and bw.cdouble is bw.complex128
    assert bw.complex64.is_complex and not bw.complex64.is_floating_point and bw.complex128.itemsize == 16
    assert bw.complex64.to_real() is bw.float32 and bw.float64.to_complex() is bw.complex128
    assert bw.finfo(bw.complex128).eps == torch.finfo(torch.complex128).eps
    with pytest.raises(RuntimeError, match="complex32"):
        bw.float16.to_complex()


def test_real_and_imag_are_writable_views() -> None:
    z = bw.tensor([1 + 2j, 3 - 1j])
    z.real[0] = 5
    z.imag = bw.tensor([7.0, 8.0])
    z.real += 1
    assert z.tolist() == [6 + 7j, 4 + 8j]
    r = bw.view_as_real(z)
    r[1, 1] = 0
    assert z[1].item() == 4 + 0j
    c = bw.view_as_complex(r)
    c[0] = 1j
    assert z[0].item() == 1j
    assert not bw.is_conj(z.conj()) and bw.resolve_conj(z) is z and not z.is_neg()


def test_complex_autograd_refuses_what_it_cannot_differentiate() -> None:
    with pytest.raises(RuntimeError, match="complex"):
        bw.tensor([1j], requires_grad=True)  # complex leaves: keep the (real, imag) pair as the leaf
    x = bw.ones(3, requires_grad=True)
    for make in (lambda: bw.fft.fft(x).exp(), lambda: bw.fft.fft(x) / 2, lambda: bw.fft.fft(x) @ bw.fft.fft(x),
                 lambda: bw.polar(x, x)):
        with pytest.raises(RuntimeError, match="complex"):
            make()
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        bw.fft.fft(x).sum().backward()
    with bw.no_grad():
        assert (bw.fft.rfft(x) / 2).dtype is bw.complex64
    (bw.fft.fftshift(x) * bw.arange(3.0)).sum().backward()  # the shifts are rolls
    assert x.grad.tolist() == [1.0, 2.0, 0.0]


def test_a_complex_filter_trains_as_in_torch() -> None:
    """A real signal filtered in the frequency domain, its loss on the magnitude spectrum: the gradients of the
    real and imaginary parts of the filter match PyTorch's."""
    rng = np.random.default_rng(0)
    sig, fr, fi = rng.standard_normal((4, 16)), rng.standard_normal(9), rng.standard_normal(9)
    grads = []
    for L in (bw, torch):
        re, im = L.tensor(fr, requires_grad=True), L.tensor(fi, requires_grad=True)
        spec = L.fft.rfft(L.tensor(sig)) * L.complex(re, im)
        out = L.fft.irfft(spec, n=16)
        loss = (out - L.tensor(sig)).square().mean() + spec.abs().mean()
        loss.backward()
        grads.append((re.grad.numpy(), im.grad.numpy()))
    for g, w in zip(*grads):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_randn_complex_has_unit_variance() -> None:
    bw.manual_seed(0)
    z = bw.randn(20000, dtype=bw.cfloat)
    assert z.dtype is bw.complex64
    assert abs(float(z.real.var()) - 0.5) < 0.03 and abs(float(z.imag.var()) - 0.5) < 0.03


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_pt_files_round_trip_with_torch(tmp_path: object, dtype: str) -> None:
    path = str(tmp_path) + "/z.pt"  # type: ignore[operator]
    z = bw.tensor([1 + 2j, -3j], dtype=getattr(bw, dtype))
    bw.save({"z": z}, path)
    back = torch.load(path, weights_only=True)["z"]
    assert str(back.dtype).split(".")[-1] == dtype and back.tolist() == z.tolist()
    torch.save({"w": back * 2}, path)
    assert bw.load(path)["w"].tolist() == [2 + 4j, -6j]


def test_safetensors_has_complex64_only(tmp_path: object) -> None:
    import safetensors.torch

    path = str(tmp_path) + "/z.safetensors"  # type: ignore[operator]
    bw.save({"z": bw.tensor([1 + 2j])}, path)
    assert safetensors.torch.load_file(path)["z"].tolist() == [1 + 2j]
    assert bw.load(path)["z"].dtype is bw.complex64
    with pytest.raises(TypeError, match="complex128"):
        bw.save({"z": bw.tensor([1j], dtype=bw.complex128)}, path)


def test_numpy_and_dlpack_interop() -> None:
    a = np.array([1 + 1j, 2], dtype=np.complex64)
    t = bw.from_numpy(a)
    assert t.dtype is bw.complex64 and t.numpy() is not None
    assert torch.from_dlpack(t).tolist() == [1 + 1j, 2 + 0j]
