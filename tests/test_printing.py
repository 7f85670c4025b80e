"""``tensor_repr`` and ``set_printoptions`` against PyTorch's ``repr``, on a stand-in tensor class."""

from __future__ import annotations

import importlib.util
import pathlib
import re
from typing import Any, Callable

import ml_dtypes
import numpy as np
import pytest

torch = pytest.importorskip("torch")

try:
    import brickwork._printing as P
except ImportError:  # the package may not import while other modules are being written
    _path = pathlib.Path(__file__).resolve().parents[1] / "brickwork" / "_printing.py"
    _spec = importlib.util.spec_from_file_location("brickwork_printing", _path)
    P = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(P)


class _DType:
    def __init__(self, name: str) -> None:
        self.name = name
        self.is_floating_point = name.startswith(("float", "bfloat"))


class _GradFn:
    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


class FakeTensor:
    """Only the attributes ``tensor_repr`` may use, around a NumPy array."""

    def __init__(self, arr: np.ndarray, requires_grad: bool = False, grad_fn: str | None = None,
                 device: str = "cpu") -> None:
        self._arr = arr
        self.dtype = _DType(arr.dtype.name)
        self.device = device
        self._requires_grad = requires_grad or grad_fn is not None
        self.grad_fn = None if grad_fn is None else _GradFn(grad_fn)
        self.is_leaf = grad_fn is None

    def _host(self) -> np.ndarray:
        return self._arr


def _torch_of(arr: np.ndarray) -> Any:
    if arr.dtype == ml_dtypes.bfloat16:
        return torch.from_numpy(arr.astype(np.float32)).to(torch.bfloat16)
    return torch.from_numpy(arr.copy())


_SUFFIX_SPLIT = re.compile(r",\s+(?=(?:size|device|dtype|requires_grad|grad_fn)=)")


def _expected(t: Any) -> str:
    """torch's repr with ``brickwork.`` dtypes, the suffixes re-wrapped by torch for their new length."""
    body, *suffixes = _SUFFIX_SPLIT.split(repr(t)[:-1])
    suffixes = [s.replace("torch.", "brickwork.") for s in suffixes]
    return torch._tensor_str._add_suffixes(body, suffixes, len("tensor("), False)


def _check(arr: np.ndarray) -> None:
    assert P.tensor_repr(FakeTensor(arr)) == _expected(_torch_of(arr))


@pytest.fixture(autouse=True)
def _default_options():
    torch.set_printoptions(profile="default")
    P.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    P.set_printoptions(profile="default")


_rng = np.random.default_rng(0)
_f32 = np.float32
nan, inf = float("nan"), float("inf")


def _randn(*shape: int, scale: float = 1.0, dtype: Any = _f32) -> Callable[[], np.ndarray]:
    return lambda: (np.random.default_rng(sum(shape) + int(scale)).standard_normal(shape) * scale).astype(dtype)


CASES: dict[str, Callable[[], np.ndarray]] = {
    # fixed, scientific and integer notation, and the thresholds that choose between them
    "randn_5": _randn(5),
    "randn_3x4": _randn(3, 4),
    "randn_2x3x4": _randn(2, 3, 4),
    "randn_2x3x2x5": _randn(2, 3, 2, 5),
    "randn_large": _randn(6, scale=1e10),
    "randn_small": _randn(6, scale=1e-6),
    "randn_100": _randn(4, scale=100.0),
    "ratio_over_1000": lambda: np.array([1.0, 1000.5], _f32),
    "ratio_exactly_1000": lambda: np.array([1.0, 1000.0], _f32),
    "max_1e8": lambda: np.array([1e8, 1e8 + 8], _f32),
    "max_above_1e8": lambda: np.array([1.5e8, 2e8], _f32),
    "min_1e-4": lambda: np.array([1e-4, 2e-4], np.float64),
    "min_below_1e-4": lambda: np.array([9e-5, 2e-4], np.float64),
    "int_valued": lambda: np.array([1.0, 2.0, -3.0, 100.0], _f32),
    "int_valued_sci": lambda: np.array([1e10, 2.0, 0.0], _f32),
    "all_zero": lambda: np.zeros(4, _f32),
    "neg_zero": lambda: np.array([-0.0, 1.0], _f32),
    "neg_zero_fixed": lambda: np.array([-0.0, 0.5], _f32),
    "nan_inf_fixed": lambda: np.array([nan, inf, -inf, 1.5], _f32),
    "nan_inf_int": lambda: np.array([nan, inf, -inf, 2.0], _f32),
    "nan_inf_sci": lambda: np.array([nan, -inf, 1e-7, 3.0], _f32),
    "only_nan_inf": lambda: np.array([nan, inf, 0.0], _f32),
    "rounding_widths": lambda: np.array([9.99996, -0.00005, 0.5], _f32),
    # integers and booleans
    "int64": lambda: np.arange(-5, 20, dtype=np.int64),
    "int64_wide": lambda: np.array([[1, -123456789012], [3, 4]], np.int64),
    "int32": lambda: np.arange(6, dtype=np.int32).reshape(2, 3),
    "int16": lambda: np.array([1, -2], np.int16),
    "int8": lambda: np.array([1, -2], np.int8),
    "uint8": lambda: np.array([0, 255], np.uint8),
    "bool": lambda: np.array([[True, False], [False, True]]),
    "bool_long": lambda: np.arange(40) % 3 == 0,
    # other float dtypes
    "float16": _randn(7, dtype=np.float16),
    "float16_big": lambda: np.array([60000.0, 1.0], np.float16),
    "bfloat16": _randn(7, dtype=ml_dtypes.bfloat16),
    "bfloat16_int": lambda: np.array([3.0, 256.0], ml_dtypes.bfloat16),
    "float64": _randn(3, 3, dtype=np.float64),
    "float64_int": lambda: np.array([1.0, 2.0], np.float64),
    # line wrapping
    "wrap_1d": _randn(40),
    "wrap_2d": _randn(3, 30),
    "wrap_3d": _randn(2, 2, 25),
    "wrap_4d_int": lambda: np.arange(2 * 2 * 2 * 30, dtype=np.int64).reshape(2, 2, 2, 30),
    "wrap_sci": _randn(2, 20, scale=1e9),
    "wrap_float64": _randn(3, 12, dtype=np.float64),
    # summarisation above 1000 elements
    "summary_1d": _randn(2000),
    "summary_1001_int": lambda: np.arange(1001, dtype=np.int64),
    "summary_2d": _randn(40, 40),
    "summary_wide_rows": _randn(3, 400),
    "summary_3d": _randn(10, 10, 20),
    "summary_4d": _randn(7, 2, 8, 10),
    "summary_hidden_big": lambda: np.concatenate([np.ones(3), np.full(994, 1e12), np.ones(4)]).astype(_f32),
    "exactly_1000": _randn(10, 100),
    # 0-d and empty
    "scalar_int_valued": lambda: np.array(3.0, _f32),
    "scalar": lambda: np.array(2.5, _f32),
    "scalar_nan": lambda: np.array(nan, _f32),
    "scalar_neg_zero": lambda: np.array(-0.0, _f32),
    "scalar_big": lambda: np.array(1e20, _f32),
    "scalar_int64": lambda: np.array(-7, np.int64),
    "scalar_bool": lambda: np.array(True),
    "scalar_float64": lambda: np.array(0.125, np.float64),
    "empty": lambda: np.zeros(0, _f32),
    "empty_0x3": lambda: np.zeros((0, 3), _f32),
    "empty_2x0x4": lambda: np.zeros((2, 0, 4), _f32),
    "empty_int64": lambda: np.zeros(0, np.int64),
    "empty_float64_2d": lambda: np.zeros((3, 0), np.float64),
    "empty_bool": lambda: np.zeros(0, bool),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name: str) -> None:
    _check(CASES[name]())


@pytest.mark.parametrize("seed", range(20))
def test_random_shapes_and_scales(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 6, size=rng.integers(1, 5)))
    arr = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 7)
    _check(arr.astype(_f32 if seed % 2 else np.float64))


@pytest.mark.parametrize("dtype", [_f32, np.float64])
def test_requires_grad_and_grad_fn(dtype: Any) -> None:
    arr = _randn(2, 3, dtype=dtype)()
    leaf = torch.from_numpy(arr.copy()).requires_grad_()
    assert P.tensor_repr(FakeTensor(arr, requires_grad=True)) == _expected(leaf)
    assert P.tensor_repr(FakeTensor(arr * 2, grad_fn="MulBackward0")) == _expected(leaf * 2)
    scalar = (leaf * 2).sum()
    assert P.tensor_repr(FakeTensor(np.array(scalar.item(), dtype), grad_fn="SumBackward0")) == _expected(scalar)


def test_suffixes_wrap_onto_new_lines() -> None:
    arr = np.array([1.5, 2.25, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], np.float64)
    leaf = torch.from_numpy(arr.copy()).requires_grad_()
    assert P.tensor_repr(FakeTensor(arr, requires_grad=True)) == _expected(leaf)


def test_device_suffix_comes_first() -> None:
    fake = FakeTensor(np.array([1.0, 2.0], np.float64), grad_fn="AddBackward0", device="cuda:0")
    assert P.tensor_repr(fake) == ("tensor([1., 2.], device='cuda:0', dtype=brickwork.float64,\n"
                                   "       grad_fn=<AddBackward0>)")
    assert P.tensor_repr(FakeTensor(np.array(1, np.int64), device="cuda:1")) == "tensor(1, device='cuda:1')"


def test_default_float_dtype_is_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(P._default_dtype_name(), str)
    monkeypatch.setattr(P, "_default_dtype_name", lambda: "float64")
    arr = np.array([1.5, 2.0], np.float64)
    assert P.tensor_repr(FakeTensor(arr)) == "tensor([1.5000, 2.0000])"
    assert P.tensor_repr(FakeTensor(arr.astype(_f32))) == "tensor([1.5000, 2.0000], dtype=brickwork.float32)"


OPTIONS = [
    dict(precision=2), dict(precision=0), dict(precision=8), dict(threshold=5), dict(edgeitems=1, threshold=10),
    dict(edgeitems=0, threshold=10), dict(linewidth=40), dict(linewidth=5), dict(sci_mode=True),
    dict(sci_mode=False), dict(profile="short"), dict(profile="full"), dict(profile="short", precision=6),
]
OPTION_ARRAYS = ["randn_5", "randn_large", "randn_small", "int_valued", "nan_inf_fixed", "int64", "bool",
                 "summary_1d", "summary_2d", "summary_3d", "summary_1001_int", "wrap_2d", "scalar", "empty_0x3"]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_printoptions(opts: dict[str, Any]) -> None:
    torch.set_printoptions(**opts)
    P.set_printoptions(**opts)
    for name in OPTION_ARRAYS:
        _check(CASES[name]())


def test_sci_mode_resets_when_omitted() -> None:
    P.set_printoptions(sci_mode=True)
    P.set_printoptions(precision=4)
    assert P.tensor_repr(FakeTensor(np.array([1.5], _f32))) == "tensor([1.5000])"


def test_unknown_profile_is_an_error() -> None:
    with pytest.raises(ValueError, match="expected profile 'default', 'short' or 'full', got 'long'"):
        P.set_printoptions(profile="long")
