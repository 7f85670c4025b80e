"""Issue 10's wider Tensor/torch API that the op table cannot check (it compares values only): layouts and
strides, tensor facts, legacy and Python-callable methods, random fills, ``vmap`` and the exception classes,
each against PyTorch where PyTorch gives a deterministic answer.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import brickwork as bw

LIBS = pytest.mark.parametrize("L", [bw, torch], ids=["brickwork", "torch"])


def same(got: Any, want: Any) -> None:
    np.testing.assert_allclose(np.asarray(got.tolist()), np.asarray(want.tolist()), rtol=1e-6)
    assert tuple(got.shape) == tuple(want.shape)


def test_layout_and_memory_format_names() -> None:
    x = bw.ones(2)
    assert x.layout is bw.strided and isinstance(bw.strided, bw.layout)
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        assert isinstance(getattr(bw, name), bw.memory_format) and repr(getattr(bw, name)) == f"brickwork.{name}"
    assert bw.zeros(2, 3).contiguous(memory_format=bw.contiguous_format).is_contiguous()


@pytest.mark.parametrize("make", [lambda L: L.ones(2, 3), lambda L: L.ones(2, 3).t(),
                                  lambda L: L.ones(2, 1, 3).permute(2, 0, 1)])
def test_tensor_facts_match_torch(make: object) -> None:
    b, t = make(bw), make(torch)  # type: ignore[operator]
    assert b.dim_order() == t.dim_order()
    assert (b.get_device(), b.is_meta, b.is_pinned(), b.is_inference(), b.is_distributed()) == \
        (t.get_device(), t.is_meta, t.is_pinned(), t.is_inference(), t.is_distributed())
    assert b.is_set_to(b) and not b.is_set_to(b.clone()) and b.const_data_ptr() == b.data_ptr()
    assert bw.get_device(b) == -1 and not bw.is_inference(b) and not bw.is_distributed(b)


def test_output_nr_and_truth_queries() -> None:
    x = bw.ones(4, requires_grad=True)
    assert x.output_nr == 0 and (x * 2).output_nr == 0  # leaves and single-output ops
    for L in (bw, torch):
        assert L.is_nonzero(L.tensor([2.0])) and not L.tensor([0]).is_nonzero()
        assert L.is_same_size(L.ones(2, 3), L.zeros(2, 3)) and not L.ones(2).is_same_size(L.ones(3))
        assert L.is_signed(L.ones(1)) and not L.ones(1, dtype=L.uint8).is_signed()
    for bad in ([1, 2], []):
        with pytest.raises(RuntimeError, match="ambiguous"):
            bw.is_nonzero(bw.tensor(bad))


def test_can_cast_matches_torch() -> None:
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
    for a in names:
        for b in names:
            want = torch.can_cast(getattr(torch, a), getattr(torch, b))
            assert bw.can_cast(getattr(bw, a), getattr(bw, b)) == want, (a, b)


def test_pin_memory_without_a_gpu_is_torchs_error() -> None:
    if bw.cuda.is_available():
        assert bw.ones(2).pin_memory().device == bw.ones(2).device
        return
    with pytest.raises(RuntimeError) as want:
        torch.ones(2).pin_memory()
    with pytest.raises(RuntimeError, match="accelerator"):
        bw.ones(2).pin_memory()
    assert "accelerator" in str(want.value)


def test_as_subclass_keeps_data_and_history() -> None:
    class Tagged(bw.Tensor):
        pass

    x = bw.ones(2, requires_grad=True)
    y = (x * 3).as_subclass(Tagged)
    assert type(y) is Tagged and y.requires_grad
    y.sum().backward()
    same(x.grad, torch.full((2,), 3.0))
    with pytest.raises(TypeError):
        x.as_subclass(int)


def test_where_vdot_ger_methods() -> None:
    for L in (bw, torch):
        x = L.tensor([1.0, -2.0, 3.0])
        r = (x.where(x > 0, 0.0), x.vdot(x), x.ger(x[:2]))
        if L is bw:
            got = r
        else:
            for g, w in zip(got, r):
                same(g, w)


@LIBS
def test_new_legacy_constructor(L: object) -> None:
    x = L.ones(1, dtype=L.float64)  # type: ignore[attr-defined]
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == x.dtype
    assert x.new().shape == (0,)
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new([1, 2]).dtype == x.dtype
    assert x.new(L.Size([2])).shape == (2,)  # type: ignore[attr-defined]
    assert x.new_empty_strided((2, 2), (1, 2)).stride() == (1, 2)


def test_strided_constructors_match_torch() -> None:
    assert bw.empty_strided((2, 3), (1, 2)).stride() == torch.empty_strided((2, 3), (1, 2)).stride()
    assert bw.empty_permuted((2, 3, 4), (0, 2, 1)).stride() == torch.empty_permuted((2, 3, 4), (0, 2, 1)).stride()
    assert bw.empty_permuted((2, 3, 4), (2, 0, 1)).shape == (2, 3, 4)


def test_unfold_and_as_strided_are_views() -> None:
    x = bw.zeros(6)
    w = x.unfold(0, 2, 2)
    w[1, 0] = 5.0
    assert x.tolist() == [0, 0, 5, 0, 0, 0]
    s = x.as_strided((2,), (3,))
    s[1] = 7.0
    assert x[3].item() == 7.0


def test_resize_matches_torch() -> None:
    for L in (bw, torch):
        a = L.arange(6.0)
        a.resize_(2, 2)
        assert a.tolist() == [[0.0, 1.0], [2.0, 3.0]]
        a.resize_(3, 3)
        assert a.shape == (3, 3) and a[:2].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        with pytest.raises(RuntimeError, match="require grad"):
            L.ones(2, requires_grad=True).resize_(3)
        with pytest.warns(UserWarning, match="deprecated"):
            assert L.ones(6).resize(2, 3).shape == (2, 3)
        with pytest.warns(UserWarning, match="deprecated"):
            assert L.ones(6).resize_as(L.ones(3, 2)).shape == (3, 2)


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 2), True), ((5, 2), False), ((2, 5), True),
                                        ((3, 3, 3), False)])
def test_fill_diagonal_matches_torch(shape: tuple, wrap: bool) -> None:
    same(bw.zeros(*shape).fill_diagonal_(2.5, wrap=wrap), torch.zeros(*shape).fill_diagonal_(2.5, wrap=wrap))


def test_fill_diagonal_errors_and_gradient() -> None:
    with pytest.raises(RuntimeError, match="equal length"):
        bw.zeros(2, 3, 4).fill_diagonal_(1)
    for L in (bw, torch):
        x = L.ones(3, 3, requires_grad=True)
        y = (x * 2).fill_diagonal_(0.0)
        y.sum().backward()
        if L is bw:
            g = x.grad
    same(g, x.grad)


def test_diagonal_is_a_view_that_in_place_ops_write_through() -> None:
    results = []
    for L in (bw, torch):
        x = L.zeros(3, 4)
        x.diagonal().fill_(5.0)
        x.diagonal(1).add_(1.0)
        z = L.arange(24.0).reshape(2, 3, 4)
        z.diagonal(0, 1, 2).zero_()
        w = L.arange(9.0).reshape(3, 3).requires_grad_()
        y = w.clone()
        y.diagonal().mul_(2.0)  # in place through the view, recorded for the gradient
        (y * L.arange(9.0).reshape(3, 3)).sum().backward()
        results.append((x, z, w.grad))
    for got, want in zip(*results):
        same(got, want)
    with pytest.raises(RuntimeError, match="leaf"):
        bw.ones(2, 2, requires_grad=True).diagonal().fill_(0.0)
    with pytest.raises(RuntimeError, match="identical"):
        bw.zeros(2, 2).diagonal(0, 1, 1)


def test_integer_indexing_gives_a_view_that_in_place_ops_write_through() -> None:
    results = []
    for L in (bw, torch):
        x = L.zeros(2, 3)
        x[0, 1].fill_(7.0)  # a 0-d view (NumPy alone would hand out a scalar copy)
        x[1][2].add_(1.0)
        x.unsqueeze(0)[0, 1, 0].fill_(3.0)
        v = L.zeros(3)
        v.unbind(0)[2].fill_(4.0)
        element = v[0]
        v.add_(1.0)  # the earlier element sees it, as a view
        w = L.ones(3, requires_grad=True)
        y = w * 2
        y[1].mul_(5.0)
        y.sum().backward()
        results.append((x, v, element, w.grad))
    for got, want in zip(*results):
        same(got, want)


def test_python_callable_methods_match_torch() -> None:
    for L in (bw, torch):
        r = (L.arange(3.0).apply_(lambda v: v * 2),
             L.arange(6.0).view(2, 3).t().map_(L.ones(3, 2), lambda a, b: a + b),
             L.zeros(2).map2_(L.ones(2), L.tensor([3.0, 4.0]), lambda v, a, b: v + a * b))
        if L is bw:
            got = r
        else:
            for g, w in zip(got, r):
                same(g, w)
    with pytest.raises(RuntimeError, match="requires grad"):
        bw.ones(2, requires_grad=True).apply_(lambda v: v)


def test_module_load_matches_torch() -> None:
    for L in (bw, torch):
        p = L.zeros(2)
        out = p.module_load(L.ones(2))
        assert out.tolist() == [1.0, 1.0] and p.tolist() == [1.0, 1.0]
        other = L.full((2,), 3.0)
        assert p.module_load(other, assign=True).tolist() == [3.0, 3.0] and p.tolist() == [1.0, 1.0]


def test_torch_namespace_detach_and_index_put_() -> None:
    y = bw.ones(2, requires_grad=True) * 2
    assert not bw.detach(y).requires_grad and y.requires_grad
    assert bw.detach_(y) is y and not y.requires_grad
    same(bw.index_put_(bw.zeros(3), (bw.tensor([1, 1]),), bw.tensor(2.0), True),
         torch.index_put_(torch.zeros(3), (torch.tensor([1, 1]),), torch.tensor(2.0), True))


def test_range_warns_and_is_inclusive() -> None:
    with pytest.warns(UserWarning, match="deprecated"):
        got = bw.range(0, 1, 0.25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(got, torch.range(0, 1, 0.25))
        assert bw.range(1, 3).dtype == bw.float32


def test_frombuffer_shares_memory() -> None:
    buf = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
    x = bw.frombuffer(buf, dtype=bw.int32)
    same(x, torch.frombuffer(bytearray(buf), dtype=torch.int32))
    x[0] = 9
    assert buf[0] == 9
    same(bw.frombuffer(buf, dtype=bw.int16, count=2, offset=2), torch.frombuffer(buf, dtype=torch.int16, count=2,
                                                                                   offset=2))
    with pytest.warns(UserWarning, match="not writable"):
        bw.frombuffer(b"\x01\x02", dtype=bw.uint8)


def test_random_fills_have_their_distributions() -> None:
    bw.manual_seed(0)
    c = bw.empty(20000).cauchy_(2.0, 0.5)
    assert abs(c.median().item() - 2.0) < 0.05
    ln = bw.empty(20000).log_normal_(0.5, 0.25)
    assert bool((ln > 0).all()) and abs(ln.log().mean().item() - 0.5) < 0.02
    g = bw.empty(20000).geometric_(0.25)
    assert bool((g >= 1).all()) and bool((g == g.round()).all()) and abs(g.mean().item() - 4.0) < 0.15
    p = bw.poisson(bw.full((20000,), 3.0))
    assert abs(p.mean().item() - 3.0) < 0.1 and p.dtype == bw.float32
    b = bw.binomial(bw.full((20000,), 10.0), bw.full((20000,), 0.3))
    assert abs(b.mean().item() - 3.0) < 0.1 and float(b.max()) <= 10
    m = bw.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]).multinomial(4, replacement=True)
    assert m.shape == (2, 4) and m[0].tolist() == [1, 1, 1, 1] and set(m[1].tolist()) <= {0, 2}
    for bad in (lambda L: L.empty(2).cauchy_(0.0, 0.0), lambda L: L.empty(2).log_normal_(0.0, 0.0),
                lambda L: L.empty(2).geometric_(1.0)):
        with pytest.raises(RuntimeError):
            bad(torch)
        with pytest.raises(RuntimeError):
            bad(bw)


def test_vmap_matches_torch_values_and_gradients() -> None:
    def f(L: object, a: object, b: object) -> object:
        return L.vmap(lambda x, y: (x * y).sum(), in_dims=(0, None))(a, b)  # type: ignore[attr-defined]

    a = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    ba, ta = bw.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    bb, tb = bw.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    got, want = f(bw, ba, bb), f(torch, ta, tb)
    same(got, want.detach())
    got.sum().backward()
    want.sum().backward()
    same(ba.grad, ta.grad)
    pair = bw.vmap(lambda x: (x.sum(), x * 2), out_dims=(0, 1))(bw.ones(3, 2))
    assert pair[0].shape == (3,) and pair[1].shape == (2, 3)
    with pytest.raises(ValueError, match="same size"):
        bw.vmap(bw.add)(bw.ones(2), bw.ones(3))


def test_exception_classes_match_torch() -> None:
    for name in ("OutOfMemoryError", "AcceleratorError", "FatalError"):
        ours, theirs = getattr(bw, name), getattr(torch, name)
        assert [c.__name__ for c in ours.__mro__ if c.__module__ == "builtins"] == \
            [c.__name__ for c in theirs.__mro__ if c.__module__ == "builtins"]


def test_from_file_reads_and_maps(tmp_path: object) -> None:
    path = str(tmp_path) + "/x.bin"  # type: ignore[operator]
    np.arange(5, dtype=np.float32).tofile(path)
    same(bw.from_file(path, size=3), torch.from_file(path, size=3))
    assert bw.from_file(path, size=0).shape == (0,)
    with pytest.raises(RuntimeError, match="smaller than the required"):
        bw.from_file(path, size=10)
    t = bw.from_file(path, shared=True, size=5)
    t[0] = 9.0
    assert np.fromfile(path, np.float32)[0] == 9.0
    bw.from_file(path, size=5)[1] = 7.0  # a private copy: the file keeps its value
    assert np.fromfile(path, np.float32)[1] == 1.0


def test_thread_safe_generator_is_the_workers() -> None:
    from brickwork.utils.data import DataLoader, Dataset

    class Gen(Dataset):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> bool:
            g = bw.thread_safe_generator()
            return g is not None and g is bw.utils.data.get_worker_info().rng.torch_generator

    assert bw.thread_safe_generator() is None
    assert all(DataLoader(Gen(), batch_size=None, num_workers=2))


def test_anomaly_mode_names_the_node_that_made_a_nan() -> None:
    assert not bw.is_anomaly_enabled() and bw.is_anomaly_check_nan_enabled()
    for L in (bw, torch):
        x = L.tensor([0.0], requires_grad=True)
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            mode = L.autograd.detect_anomaly()
        with mode:
            assert L.is_anomaly_enabled()
            with pytest.raises(RuntimeError, match=r"Function 'DivBackward0' returned nan values in its 1th output"):
                (x / x).sum().backward()
        assert not L.is_anomaly_enabled()
        (x / x).sum().backward()  # off again: NaN gradients pass silently
        with L.autograd.set_detect_anomaly(True, check_nan=False):
            assert L.is_anomaly_enabled() and not L.is_anomaly_check_nan_enabled()
            (x / x).sum().backward()
        L.set_anomaly_enabled(False)
        assert not L.is_anomaly_enabled() and L.is_anomaly_check_nan_enabled()


def test_grad_dtype_matches_torch() -> None:
    for L in (bw, torch):
        x = L.ones(2, requires_grad=True)
        assert x.grad_dtype == x.dtype
        x.grad_dtype = L.float64
        (x * 2).sum().backward()
        (x * 2).sum().backward()
        assert x.grad.dtype == L.float64 and x.grad.tolist() == [4.0, 4.0]
        with pytest.raises(RuntimeError, match="only be accessed on leaf"):
            (x * 2).grad_dtype
        with pytest.raises(RuntimeError, match="torch.dtype or None"):
            x.grad_dtype = 3
        x.grad_dtype = None
        x.grad = L.ones(2, dtype=L.float16)
        z = L.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="grad_dtype"):
            z.grad = L.ones(2, dtype=L.float16)


KEYWORD_CALLS = {  # torch's keyword names, which code written for torch may use
    "swapaxes": lambda L: L.swapaxes(L.ones(2, 3), axis0=0, axis1=1),
    "Tensor.swapaxes": lambda L: L.ones(2, 3).swapaxes(axis0=0, axis1=1),
    "tensor_split_sections": lambda L: L.tensor_split(L.arange(5), sections=2),
    "tensor_split_indices": lambda L: L.tensor_split(L.arange(5), indices=[1, 3]),
    "searchsorted_sorter": lambda L: L.searchsorted(L.tensor([3, 1, 2]), L.tensor([2, 3]), sorter=L.tensor([1, 2, 0])),
    "promote_types": lambda L: L.ones(1, dtype=L.promote_types(type1=L.float32, type2=L.int64)),
    "Tensor.sum_to_size": lambda L: L.ones(2, 3).sum_to_size(size=(1, 3)),
    "Tensor.where": lambda L: L.tensor([1.0, -1.0]).where(condition=L.tensor([True, False]), other=0.0),
    "Tensor.unfold": lambda L: L.arange(4.0).unfold(dimension=0, size=2, step=1),
    "as_strided": lambda L: L.as_strided(L.arange(4.0), size=(2,), stride=(2,), storage_offset=1),
    "index_copy_": lambda L: L.zeros(2).index_copy_(0, L.tensor([1]), source=L.ones(1)),
    "put_": lambda L: L.zeros(2).put_(index=L.tensor([0]), source=L.ones(1), accumulate=True),
    "index_put_": lambda L: L.zeros(2).index_put_(indices=(L.tensor([0]),), values=L.ones(1)),
    "renorm_": lambda L: L.ones(2, 2).renorm_(p=2, dim=0, maxnorm=1.0),
    "fill_diagonal_": lambda L: L.zeros(2, 2).fill_diagonal_(fill_value=1.0, wrap=False),
    "histogram": lambda L: L.tensor([0.1, 0.7]).histogram(bins=2, range=(0.0, 1.0), weight=L.ones(2)).hist,
    "nanmedian": lambda L: L.nanmedian(L.arange(6.0).view(2, 3), dim=1, keepdim=True).values,
    "kaiser_window": lambda L: L.kaiser_window(window_length=4, periodic=True, beta=12.0),
    "empty_permuted_shape": lambda L: L.zeros(L.empty_permuted(size=(2, 3), physical_layout=(1, 0)).shape),
}


@pytest.mark.parametrize("case", sorted(KEYWORD_CALLS))
def test_torch_keyword_names_are_accepted(case: str) -> None:
    got, want = KEYWORD_CALLS[case](bw), KEYWORD_CALLS[case](torch)
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        same(g, w)
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]


def test_max_min_take_other_by_keyword() -> None:
    for name in ("max", "min"):
        got = getattr(bw, name)(bw.tensor([1.0, 5.0]), other=bw.tensor([3.0, 2.0]))
        same(got, getattr(torch, name)(torch.tensor([1.0, 5.0]), other=torch.tensor([3.0, 2.0])))
        same(getattr(bw.tensor([1.0, 5.0]), name)(other=bw.tensor([3.0, 2.0])), got)
