"""brickwork.utils.data against torch.utils.data: datasets, random_split, samplers, collation, the DataLoader's
batching, arguments and errors, its fast path, and worker threads (order, exceptions, worker info, shutdown)."""

from __future__ import annotations

import collections
import gc
import threading
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import brickwork as bw
import brickwork.utils.data as bud
from brickwork.utils.data import _fetch


def to_np(x):
    """Nested batch -> nested numpy/python, for comparing brickwork and torch results."""
    if isinstance(x, (bw.Tensor, torch.Tensor)):
        return ("T", str(x.dtype).split(".")[-1], np.asarray(x.detach().numpy() if isinstance(x, torch.Tensor)
                                                             else x.numpy()).tolist())
    if isinstance(x, dict):
        return {k: to_np(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(to_np(v) for v in x)
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_np(v) for v in x])
    return x


# -- datasets ---------------------------------------------------------------------------------------------------

def test_tensor_dataset():
    x, y = bw.arange(12).reshape(6, 2), bw.arange(6)
    ds = bud.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8, 9] and b.item() == 4
    with pytest.raises(ValueError, match="size mismatch"):
        bud.TensorDataset(bw.zeros(3), bw.zeros(4))


def test_concat_subset_stack_chain():
    c = bud.ConcatDataset([[0, 1, 2], [3, 4]])
    tc = tud.ConcatDataset([[0, 1, 2], [3, 4]])
    assert [c[i] for i in range(-5, 5)] == [tc[i] for i in range(-5, 5)]
    assert c.cumulative_sizes == tc.cumulative_sizes and len(c) == 5
    with pytest.raises(ValueError, match="absolute value of index"):
        c[-6]
    with pytest.raises(ValueError, match="empty"):
        bud.ConcatDataset([])

    class Stream(bud.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError, match="IterableDataset"):
        bud.ConcatDataset([Stream()])
    assert list(bud.ChainDataset([Stream(), Stream()])) == [0, 1, 2, 0, 1, 2]
    assert list(Stream() + Stream()) == [0, 1, 2, 0, 1, 2]

    class Sq(bud.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i * i

    assert [(Sq() + Sq())[i] for i in range(6)] == [0, 1, 4, 0, 1, 4]
    s = bud.Subset(Sq(), [2, 0])
    assert len(s) == 2 and s[0] == 4 and s.__getitems__([1, 0]) == [0, 4]
    st = bud.StackDataset(a=[1, 2], b=["x", "y"])
    assert st[1] == {"a": 2, "b": "y"} and len(st) == 2
    assert bud.StackDataset([1, 2], [3, 4])[0] == (1, 3)
    with pytest.raises(ValueError, match="Size mismatch|size mismatch"):
        bud.StackDataset([1], [1, 2])
    with pytest.raises(TypeError, match="__getitem__"):
        bud.Dataset()[0]

    class NoIter(bud.IterableDataset):
        pass

    with pytest.raises(TypeError):
        NoIter()


@pytest.mark.parametrize("n,lengths", [(10, [0.7, 0.3]), (11, [0.5, 0.5]), (7, [0.2, 0.3, 0.5]), (10, [3, 7]),
                                       (5, [1 / 3, 1 / 3, 1 / 3]), (100, [0.25] * 4)])
def test_random_split_lengths_match_torch(n, lengths):
    ours = bud.random_split(range(n), lengths, generator=bw.Generator().manual_seed(0))
    theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    items = [i for s in ours for i in s]
    assert sorted(items) == list(range(n))


def test_random_split_reproducible_and_errors():
    a = [list(s) for s in bud.random_split(range(20), [5, 15], generator=bw.Generator().manual_seed(3))]
    b = [list(s) for s in bud.random_split(range(20), [5, 15], generator=bw.Generator().manual_seed(3))]
    c = [list(s) for s in bud.random_split(range(20), [5, 15], generator=bw.Generator().manual_seed(4))]
    assert a == b and a != c
    bw.manual_seed(1)
    d = [list(s) for s in bud.random_split(range(20), [5, 15])]
    bw.manual_seed(1)
    assert d == [list(s) for s in bud.random_split(range(20), [5, 15])]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        bud.random_split(range(5), [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        bud.random_split(range(5), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        bud.random_split(range(2), [0.9, 0.1])


# -- samplers -------------------------------------------------------------------------------------------------

def test_sequential_and_batch_sampler_match_torch():
    assert list(bud.SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for n in (0, 1, 7, 8, 9):
        for bs in (1, 3, 8):
            for drop in (False, True):
                ours = bud.BatchSampler(bud.SequentialSampler(range(n)), bs, drop)
                theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
                assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            bud.BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        bud.BatchSampler(range(3), 2, 1)


def test_random_sampler():
    g = bw.Generator().manual_seed(0)
    s = bud.RandomSampler(range(10), generator=g)
    a, b = list(s), list(s)
    assert sorted(a) == list(range(10)) and a != b  # a new permutation per pass
    assert list(bud.RandomSampler(range(10), generator=bw.Generator().manual_seed(0))) == a
    long = list(bud.RandomSampler(range(4), num_samples=10, generator=g))
    assert len(long) == 10 and sorted(long[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    rep = list(bud.RandomSampler(range(3), replacement=True, num_samples=300, generator=g))
    assert len(rep) == 300 and set(rep) == {0, 1, 2}
    assert len(bud.RandomSampler(range(3), num_samples=7)) == len(tud.RandomSampler(range(3), num_samples=7)) == 7
    bw.manual_seed(5)
    c = list(bud.RandomSampler(range(10)))
    bw.manual_seed(5)
    assert list(bud.RandomSampler(range(10))) == c
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        bud.RandomSampler(range(3), replacement=1)
    for bad in (0, -2, 1.5):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            bud.RandomSampler(range(3), num_samples=bad)


def test_subset_and_weighted_samplers():
    g = bw.Generator().manual_seed(0)
    out = list(bud.SubsetRandomSampler([10, 20, 30, 40], generator=g))
    assert sorted(out) == [10, 20, 30, 40] and len(bud.SubsetRandomSampler([1, 2])) == 2
    w = bud.WeightedRandomSampler([0.0, 1.0, 3.0, 0.0], 400, generator=g)
    draws = np.array(list(w))
    assert len(w) == 400 and set(draws.tolist()) == {1, 2}
    assert 0.65 < (draws == 2).mean() < 0.85
    no_rep = list(bud.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 1, 2]
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        bud.WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        bud.WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        bud.WeightedRandomSampler([1.0], 1, replacement=0)


# -- collation --------------------------------------------------------------------------------------------------

Point = collections.namedtuple("Point", ["x", "y"])


def _samples(lib):
    t = lib.tensor
    return {
        "tensors": [t([1.0, 2.0]), t([3.0, 4.0])],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5],
        "bools": [True, False],
        "strings": ["a", "b"],
        "numpy": [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
        "numpy_scalars_f64": [np.float64(1.5), np.float64(2.5)],
        "numpy_scalars_i32": [np.int32(1), np.int32(2)],
        "numpy_scalars_f32": [np.float32(1.5), np.float32(2.5)],
        "zero_d_arrays": [np.array(1.0), np.array(2.0)],
        "tuples": [(t([1, 2]), 0, "x"), (t([3, 4]), 1, "y")],
        "lists": [[1, 2.0], [3, 4.0]],
        "dicts": [{"img": t([[1.0]]), "label": 3, "meta": {"name": "a", "w": np.float32(0.5)}},
                  {"img": t([[2.0]]), "label": 4, "meta": {"name": "b", "w": np.float32(1.5)}}],
        "namedtuples": [Point(t([1]), 2.0), Point(t([3]), 4.0)],
        "ordered": [collections.OrderedDict(a=1, b=2), collections.OrderedDict(a=3, b=4)],
    }


@pytest.mark.parametrize("case", list(_samples(bw)))
def test_default_collate_matches_torch(case):
    ours = bud.default_collate(_samples(bw)[case])
    theirs = tud.default_collate(_samples(torch)[case])
    assert to_np(ours) == to_np(theirs)
    assert type(ours).__name__ == type(theirs).__name__


@pytest.mark.parametrize("case", list(_samples(bw)))
def test_default_convert_matches_torch(case):
    for ours, theirs in zip(_samples(bw)[case], _samples(torch)[case]):
        assert to_np(bud.default_convert(ours)) == to_np(tud.default_convert(theirs))


def test_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        bud.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        bud.default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        bud.default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        bud.default_collate([bw.zeros(2), bw.zeros(3)])
    x = bw.ones(2, requires_grad=True)
    out = bud.default_collate([x, x * 2])
    out.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]  # stacking keeps the graph


def test_collate_fn_map_extension():
    def as_count(batch, *, collate_fn_map=None):
        return len(batch)

    fmap = {**bud.default_collate_fn_map, str: as_count}
    res = bud.collate([("a", 1), ("b", 2)], collate_fn_map=fmap)
    assert res[0] == 2 and res[1].tolist() == [1, 2]


# -- DataLoader: batching, arguments, errors --------------------------------------------------------------------

class Range(bud.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"i": i, "x": np.full(2, i, np.float32)}


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False), (0, 2, False)])
def test_loader_sequential_matches_torch(n, bs, drop):
    ours = bud.DataLoader(Range(n), batch_size=bs, drop_last=drop)
    theirs = tud.DataLoader(Range(n), batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    assert [to_np(b) for b in ours] == [to_np(b) for b in theirs]


def test_loader_no_batching_and_batch_sampler():
    ours = bud.DataLoader(Range(3), batch_size=None)
    theirs = tud.DataLoader(Range(3), batch_size=None)
    assert [to_np(b) for b in ours] == [to_np(b) for b in theirs] and len(ours) == 3
    bsamp = [[2, 0], [1]]
    assert ([to_np(b) for b in bud.DataLoader(Range(3), batch_sampler=bsamp)]
            == [to_np(b) for b in tud.DataLoader(Range(3), batch_sampler=bsamp)])
    custom = bud.DataLoader(Range(4), batch_size=2, collate_fn=lambda b: [s["i"] for s in b])
    assert list(custom) == [[0, 1], [2, 3]]
    samp = bud.DataLoader(Range(4), batch_size=2, sampler=[3, 2, 1, 0])
    assert [b["i"].tolist() for b in samp] == [[3, 2], [1, 0]]


BAD_ARGS = [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True), dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_size=None, drop_last=True), dict(batch_size=0),
    dict(multiprocessing_context="spawn"),
]


@pytest.mark.parametrize("kwargs", BAD_ARGS, ids=[",".join(k) for k in BAD_ARGS])
def test_loader_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        tud.DataLoader(Range(4), **kwargs)
    with pytest.raises(ValueError) as ours:
        bud.DataLoader(Range(4), **kwargs)
    first = lambda e: str(e.value).split(";")[0].split(":")[0][:30]  # noqa: E731
    assert first(ours) == first(theirs)


def test_loader_attributes_frozen_and_timeout_needs_workers():
    dl = bud.DataLoader(Range(4), batch_size=2)
    for name in ("batch_size", "sampler", "drop_last", "dataset", "batch_sampler", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after DataLoader is initialized"):
            setattr(dl, name, None)
    dl.num_workers = 0  # not frozen, as in PyTorch
    with pytest.raises(ValueError, match="timeout"):
        iter(bud.DataLoader(Range(4), timeout=1))


class Stream(bud.IterableDataset):
    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        info = bud.get_worker_info()
        lo, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(lo, self.n, step))

    def __len__(self):
        if not self.sized:
            raise TypeError("no len")
        return self.n


class TorchStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = tud.get_worker_info()
        lo, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(lo, self.n, step))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("bs,drop", [(3, False), (3, True), (None, False), (4, False)])
def test_iterable_dataset_matches_torch(bs, drop):
    ours = bud.DataLoader(Stream(10), batch_size=bs, drop_last=drop)
    theirs = tud.DataLoader(TorchStream(10), batch_size=bs, drop_last=drop)
    assert [to_np(b) for b in ours] == [to_np(b) for b in theirs]
    assert len(ours) == len(theirs)
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            bud.DataLoader(Stream(3), **kwargs)
    with pytest.raises(TypeError):
        len(bud.DataLoader(Stream(3, sized=False)))


def test_iterable_len_warning():
    class Liar(Stream):
        def __len__(self):
            return 2
    dl = bud.DataLoader(Liar(4), batch_size=None)
    assert len(dl) == 2
    with pytest.warns(UserWarning, match="Length of IterableDataset"):
        list(dl)


def test_shuffle_reproducible_and_reshuffles():
    ds = Range(50)

    def order(loader):
        return [i for b in loader for i in b["i"].tolist()]

    a = order(bud.DataLoader(ds, batch_size=7, shuffle=True, generator=bw.Generator().manual_seed(0)))
    b = order(bud.DataLoader(ds, batch_size=7, shuffle=True, generator=bw.Generator().manual_seed(0)))
    c = order(bud.DataLoader(ds, batch_size=7, shuffle=True, generator=bw.Generator().manual_seed(1)))
    assert a == b != c and sorted(a) == list(range(50))
    dl = bud.DataLoader(ds, batch_size=7, shuffle=True, generator=bw.Generator().manual_seed(0))
    assert order(dl) == a and order(dl) != a  # the second epoch is shuffled anew
    bw.manual_seed(0)
    d = order(bud.DataLoader(ds, batch_size=7, shuffle=True))
    bw.manual_seed(0)
    assert order(bud.DataLoader(ds, batch_size=7, shuffle=True)) == d


# -- the fast path ------------------------------------------------------------------------------------------------

def test_fast_path_equals_per_sample_path():
    x = bw.randn(23, 3, 2)
    y = bw.randint(0, 5, (23,))
    ds = bud.TensorDataset(x, y)
    sub = bud.Subset(bud.Subset(ds, list(range(20, 1, -1))), [0, 5, 2, 7, 9, 1, 3])
    for data in (ds, sub):
        assert _fetch.fast_batcher(data) is not None
        for drop in (False, True):
            def batches(data, drop, fast):
                g = bw.Generator().manual_seed(0)
                loader = bud.DataLoader(data, batch_size=4, shuffle=True, drop_last=drop, generator=g)
                if not fast:
                    loader.collate_fn = lambda b: bud.default_collate(b)  # a different function: slow path
                return list(loader)
            fast, slow = batches(data, drop, True), batches(data, drop, False)
            assert len(fast) == len(slow)
            for f, s in zip(fast, slow):
                assert isinstance(f, list) and isinstance(s, list)
                for ft, st in zip(f, s):
                    assert ft.dtype == st.dtype and ft.shape == st.shape and bw.equal(ft, st)
    w = bw.ones(4, 2, requires_grad=True)
    assert _fetch.fast_batcher(bud.TensorDataset(w)) is None  # keeps autograd through stack instead
    batch = next(iter(bud.DataLoader(bud.TensorDataset(w), batch_size=2)))[0]
    assert batch.requires_grad

    class Custom(bud.TensorDataset):
        def __getitem__(self, i):
            return (self.tensors[0][i] * 0,)

    assert _fetch.fast_batcher(Custom(x)) is None
    assert next(iter(bud.DataLoader(Custom(x), batch_size=3)))[0].abs().sum().item() == 0


def test_fast_path_is_faster():
    x, y = bw.randn(4096, 1, 8, 8), bw.randint(0, 10, (4096,))
    ds = bud.TensorDataset(x, y)

    def timed(collate):
        t = time.perf_counter()
        for _ in bud.DataLoader(ds, batch_size=64, collate_fn=collate):
            pass
        return time.perf_counter() - t

    fast = min(timed(None) for _ in range(3))
    slow = min(timed(lambda b: bud.default_collate(b)) for _ in range(2))
    assert fast * 3 < slow, (fast, slow)


# -- worker threads ----------------------------------------------------------------------------------------------

class Slow(bud.Dataset):
    """Sleeps a pseudo-random time per item so that workers finish out of order."""

    def __init__(self, n, fail_at=None, exc=ValueError):
        self.n, self.fail_at, self.exc = n, fail_at, exc
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.threads.add(threading.current_thread().name)
        time.sleep(((i * 7919) % 5) * 0.002)
        if i == self.fail_at:
            raise self.exc(f"bad item {i}")
        return i


@pytest.mark.parametrize("workers,prefetch", [(1, 1), (2, 2), (3, 4)])
def test_workers_preserve_order(workers, prefetch):
    ds = Slow(60)
    dl = bud.DataLoader(ds, batch_size=4, num_workers=workers, prefetch_factor=prefetch)
    assert [b.tolist() for b in dl] == [list(range(i, min(i + 4, 60))) for i in range(0, 60, 4)]
    assert len(ds.threads) == workers and all(n.startswith("brickwork-data-worker") for n in ds.threads)
    g = bw.Generator().manual_seed(0)
    shuffled = [b.tolist() for b in bud.DataLoader(ds, batch_size=5, shuffle=True, num_workers=workers,
                                                    generator=g)]
    g.manual_seed(0)
    assert shuffled == [b.tolist() for b in bud.DataLoader(ds, batch_size=5, shuffle=True, generator=g)]


def test_worker_exception_propagates_with_traceback():
    dl = bud.DataLoader(Slow(20, fail_at=9), batch_size=4, num_workers=2)
    it = iter(dl)
    assert next(it).tolist() == [0, 1, 2, 3] and next(it).tolist() == [4, 5, 6, 7]
    with pytest.raises(ValueError, match=r"Caught ValueError in DataLoader worker thread 0") as err:
        next(it)
    assert "bad item 9" in str(err.value) and "Traceback" in str(err.value) and "__getitem__" in str(err.value)
    assert isinstance(err.value.__cause__, ValueError)
    assert next(it).tolist() == [12, 13, 14, 15]  # the loader goes on, as PyTorch's does
    with pytest.raises(KeyError, match="Caught KeyError"):
        list(bud.DataLoader(Slow(8, fail_at=2, exc=KeyError), batch_size=2, num_workers=2))

    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(a, b)

    class Bad(bud.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise Odd(1, 2)

    with pytest.raises(RuntimeError, match="Caught Odd"):
        list(bud.DataLoader(Bad(), num_workers=1))


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_worker_info_init_fn_and_iterable_sharding():
    seen = {}

    def init(wid):
        info = bud.get_worker_info()
        seen[wid] = (info.id, info.num_workers, info.worker_method)

    dl = bud.DataLoader(Stream(10), batch_size=2, num_workers=3, worker_init_fn=init)
    got = [b.tolist() for b in dl]
    theirs = [b.tolist() for b in tud.DataLoader(TorchStream(10), batch_size=2, num_workers=3)]
    assert got == theirs  # same interleaving of the workers' shards as PyTorch's processes
    assert seen == {i: (i, 3, "thread") for i in range(3)}
    assert bud.get_worker_info() is None

    class Info(bud.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            info = bud.get_worker_info()
            return info.id, info.seed, info.rng.torch_generator.initial_seed()

    out = list(bud.DataLoader(Info(), batch_size=None, num_workers=2))
    assert [o[0] for o in out] == [0, 1, 0, 1, 0, 1]
    assert all(seed == gseed for _, seed, gseed in out) and out[0][1] + 1 == out[1][1]

    def bad_init(wid):
        raise RuntimeError("init failed")

    with pytest.raises(RuntimeError, match="worker_init_fn"):
        list(bud.DataLoader(Range(4), num_workers=2, worker_init_fn=bad_init))


def test_persistent_workers_and_in_order():
    calls = []
    ds = Slow(12)
    dl = bud.DataLoader(ds, batch_size=3, num_workers=2, persistent_workers=True, worker_init_fn=calls.append)
    first = [b.tolist() for b in dl]
    it = iter(dl)
    next(it)  # abandon the epoch early: the next one starts clean
    again = [b.tolist() for b in dl]
    assert first == again == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert sorted(calls) == [0, 1]  # the threads were started once
    unordered = [b.tolist() for b in bud.DataLoader(ds, batch_size=3, num_workers=3, in_order=False)]
    assert sorted(i for b in unordered for i in b) == list(range(12))
    stream = bud.DataLoader(Stream(7), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in stream] == [b.tolist() for b in stream] == [[0, 2], [1, 3], [4, 6], [5]]


def test_timeout_and_pin_memory_prefetch():
    class Sleepy(bud.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return i

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.05 seconds"):
        list(bud.DataLoader(Sleepy(), num_workers=1, timeout=0.05))
    ds = Slow(20)
    pinned = bud.DataLoader(ds, batch_size=3, pin_memory=True)
    assert [b.tolist() for b in pinned] == [b.tolist() for b in bud.DataLoader(ds, batch_size=3)]
    assert "brickwork-data-prefetch" in ds.threads
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader prefetch thread"):
        list(bud.DataLoader(Slow(6, fail_at=4), batch_size=2, pin_memory=True))


def test_threads_exit_when_loaders_are_dropped():
    def ours():
        return [t for t in threading.enumerate() if t.name.startswith("brickwork-data")]

    for workers, pin in ((3, False), (0, True)):
        it = iter(bud.DataLoader(Slow(200), batch_size=2, num_workers=workers, pin_memory=pin))
        next(it)
        assert ours()
        del it
    list(bud.DataLoader(Slow(10), batch_size=2, num_workers=2))
    gc.collect()  # also collects loaders left by earlier tests
    deadline = time.time() + 5
    while ours() and time.time() < deadline:
        time.sleep(0.02)
    assert not ours()
