"""brickwork.distributed: multi-process jobs under mpiexec (marked ``mpi``; each launch costs about a second, so
many checks share one launch, see tests/distributed_checks.py), the world of one, DDP, the sampler, the launcher
and the CPU-side logic of the NCCL engine."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch as pt

import brickwork as torch
import brickwork.distributed as dist
from brickwork import nn
from brickwork.distributed import _nccl, run
from brickwork.nn.parallel import DistributedDataParallel as DDP
from brickwork.utils.data.distributed import DistributedSampler

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "tests" / "distributed_checks.py"
MPIEXEC = Path(sys.executable).parent / "mpiexec"
HAVE_MPI = importlib.util.find_spec("mpi4py") is not None and (MPIEXEC.exists() or run.shutil.which("mpiexec"))


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def _launch(cmd: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout)


def _passed(r: subprocess.CompletedProcess, n: int) -> None:
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-6000:]}"
    assert r.stdout.count("checks passed") == n, r.stdout


@pytest.mark.mpi
@pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec: pip install 'brickwork[mpi]'")
def test_two_ranks_through_the_launcher_collectives_ddp_and_timeouts() -> None:
    r = _launch([sys.executable, "-m", "brickwork", "run", "--nproc-per-node", "2", str(CHECKS), "collectives",
                 "ddp", "hooks", "timeout"])
    _passed(r, 2)


@pytest.mark.mpi
@pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec: pip install 'brickwork[mpi]'")
def test_four_ranks_under_plain_mpiexec() -> None:
    mpiexec = str(MPIEXEC) if MPIEXEC.exists() else "mpiexec"
    extra = ["--oversubscribe", "--allow-run-as-root"] if run._is_open_mpi(mpiexec) else []
    r = _launch([mpiexec, "-n", "4", *extra, sys.executable, str(CHECKS), "collectives"])
    _passed(r, 4)


@pytest.mark.mpi
@pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec: pip install 'brickwork[mpi]'")
def test_a_rank_that_raises_ends_the_job_within_seconds() -> None:
    r = _launch([sys.executable, "-m", "brickwork.distributed.run", "--nproc-per-node", "2", str(CHECKS), "fail"],
                timeout=60)
    ended = time.time()
    assert r.returncode != 0 and "unreachable" not in r.stdout
    assert "[rank 1]" in r.stderr and "ValueError: rank 1 fails on purpose" in r.stderr, r.stderr
    failed_at = float(r.stdout.split("failing at ")[1].split()[0])
    assert ended - failed_at < 10, f"the job took {ended - failed_at:.1f} s to end after rank 1 raised"


@pytest.mark.mpi
@pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec: pip install 'brickwork[mpi]'")
def test_ranks_started_outside_mpi_get_a_clear_error() -> None:
    code = ("import brickwork.distributed as dist\ntry:\n    dist.init_process_group('gloo')\n"
            "except RuntimeError as e:\n    print('RuntimeError:', e)\n")
    env = dict(_env(), RANK="0", WORLD_SIZE="2", LOCAL_RANK="0")  # what torchrun gives, without MPI
    for k in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK"):
        env.pop(k, None)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "RuntimeError:" in r.stdout and "brickwork run" in r.stdout, r.stdout + r.stderr


# -- the world of one ------------------------------------------------------------------------------------

@pytest.fixture
def world():
    dist.init_process_group("gloo")
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_world_of_one_collectives_are_the_identity(world: None) -> None:
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "gloo")
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.int64, torch.bool):
        x = torch.tensor([[1, 0], [2, 3]], dtype=dtype)
        for op in (dist.ReduceOp.SUM, dist.ReduceOp.MAX, dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT):
            t = x.clone()
            dist.all_reduce(t, op=op)
            assert torch.equal(t, x)
        t = x.clone()
        assert dist.broadcast(t, src=0) is None and torch.equal(t, x)
        outs = [torch.zeros_like(x)]
        dist.all_gather(outs, x)
        assert torch.equal(outs[0], x)
        big = torch.zeros(2, 2, dtype=dtype)
        dist.all_gather_into_tensor(big, x)
        assert torch.equal(big, x)
    t = torch.arange(4.0)
    w = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
    assert w.wait() and w.is_completed() and torch.equal(w.result()[0], torch.arange(4.0))
    out = torch.zeros(4)
    dist.all_to_all_single(out, torch.arange(4.0))
    assert out.tolist() == [0, 1, 2, 3]
    objs = [None]
    dist.all_gather_object(objs, {"a": [1, 2]})
    assert objs == [{"a": [1, 2]}]
    g = dist.new_group([0])
    assert dist.get_world_size(g) == 1 and dist.get_process_group_ranks(g) == [0]
    dist.barrier()


def test_errors_match_torch(world: None) -> None:
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group("gloo")
    with pytest.raises(TypeError, match="brickwork.Tensor"):
        dist.all_reduce([1.0])
    with pytest.raises(ValueError, match="2 tensors but the group has 1"):
        dist.all_gather([torch.zeros(1), torch.zeros(1)], torch.zeros(1))
    with pytest.raises(ValueError, match="same as the rank of the current process"):
        dist.send(torch.zeros(1), dst=0)
    with pytest.raises(RuntimeError, match="integer or bool"):
        dist.all_reduce(torch.zeros(1), op=dist.ReduceOp.BAND)
    with pytest.raises(ValueError, match="not a global rank"):
        dist.broadcast(torch.zeros(1), src=3)
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.Backend("tcp")
    dist.destroy_process_group()
    with pytest.raises(TypeError, match="datetime.timedelta, got 5"):
        dist.init_process_group("gloo", timeout=5)
    with pytest.raises(ValueError, match="init_process_group"):
        dist.all_reduce(torch.zeros(1))
    with pytest.raises(ValueError, match="init_process_group"):
        DDP(nn.Linear(2, 2))


def test_futures_work_futures_and_comm_hooks_in_a_world_of_one(world: None) -> None:
    from brickwork.distributed.algorithms.ddp_comm_hooks import default_hooks
    from brickwork.futures import Future, collect_all, wait_all

    a = Future()
    chained = a.then(lambda f: f.value() + 1).then(lambda f: f.value() * 10)
    assert not a.done() and not chained.done()
    a.set_result(1)
    assert chained.wait() == 20 and chained.value() == 20
    bad = Future()
    failing = bad.then(lambda f: f.value())
    bad.set_exception(ValueError("boom"))
    with pytest.raises(ValueError, match="boom"):
        failing.wait()
    with pytest.raises(RuntimeError, match="already complete"):
        a.set_result(2)
    with pytest.raises(RuntimeError, match="not complete"):
        Future().value()
    work = dist.all_reduce(torch.ones(2), async_op=True)
    lazy = work.get_future().then(lambda f: f.value()[0] * 3)  # completes by waiting on the work
    assert np.array_equal(lazy.wait().numpy(), [3.0, 3.0])
    assert [f.value() for f in collect_all([a, chained]).wait()] == [1, 20] and wait_all([a]) == [1]
    assert torch.futures.Future is Future
    calls = []

    def hook(state, bucket):
        calls.append((state, bucket.index(), bucket.is_last()))
        return default_hooks.fp16_compress_hook(None, bucket)

    torch.manual_seed(0)
    net = DDP(nn.Linear(3, 2))
    net.register_comm_hook("s", hook)
    net(torch.ones(4, 3)).sum().backward()
    assert calls == [("s", 0, True)] and np.array_equal(net.module.bias.grad.numpy(), [4.0, 4.0])
    with pytest.raises(RuntimeError, match="only be called once"):
        net.register_comm_hook(None, hook)
    with pytest.raises(TypeError, match="must be callable"):
        DDP(nn.Linear(3, 2)).register_comm_hook(None, 3)
    net = DDP(nn.Linear(3, 2))
    net.register_comm_hook(None, lambda state, bucket: bucket.buffer())
    with pytest.raises(TypeError, match="must return a brickwork.futures.Future"):
        net(torch.ones(4, 3)).sum().backward()


def test_world_of_one_ddp_is_plain_training(world: None) -> None:
    torch.manual_seed(0)
    ref = nn.Linear(3, 2)
    torch.manual_seed(0)
    net = DDP(nn.Linear(3, 2))
    x = torch.randn(5, 3)
    for m in (ref, net):
        m(x).pow(2).sum().backward()
    assert torch.equal(net.module.weight.grad, ref.weight.grad)
    assert list(net.state_dict()) == ["module.weight", "module.bias"]
    assert list(net.module.state_dict()) == ["weight", "bias"]
    with pytest.raises(RuntimeError, match="doesn't have any parameter"):
        DDP(nn.ReLU())


def test_torch_signatures() -> None:
    import inspect

    import torch.distributed as tdist

    for name in ("init_process_group", "broadcast", "all_reduce", "reduce", "all_gather", "all_gather_into_tensor",
                 "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all_single", "send",
                 "recv", "isend", "irecv", "broadcast_object_list", "all_gather_object", "barrier", "get_rank",
                 "new_group"):
        ours = list(inspect.signature(getattr(dist, name)).parameters)
        theirs = list(inspect.signature(getattr(tdist, name)).parameters)
        theirs = [p for p in theirs if not p.startswith("_")]
        assert ours == theirs[:len(ours)] and len(ours) >= len(theirs) - 1, (name, ours, theirs)
    assert dist.ReduceOp.SUM.value == pt.distributed.ReduceOp.SUM.value == 0


# -- hooks the engine provides to DDP ----------------------------------------------------------------------

def test_post_accumulate_grad_hook_and_queue_callback() -> None:
    x = torch.ones(2, requires_grad=True)
    x.grad = torch.full((2,), 5.0)
    seen, order = [], []
    h = x.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))

    def hook(g):
        torch.autograd.queue_callback(lambda: order.append("end"))
        order.append("grad")

    x.register_hook(hook)
    (x * 3).sum().backward()
    assert seen == [[8.0, 8.0]] and order == ["grad", "end"]
    h.remove()
    (x * 3).sum().backward()
    assert seen == [[8.0, 8.0]]
    with pytest.raises(RuntimeError):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError):
        torch.autograd.queue_callback(lambda: None)
    assert torch.autograd.Variable._execution_engine.queue_callback is not None


# -- DistributedSampler ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 7, 12])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_shards(n: int, replicas: int, drop_last: bool) -> None:
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for shuffle in (False, True):
        shards = [list(DistributedSampler(range(n), replicas, r, shuffle=shuffle, seed=4, drop_last=drop_last))
                  for r in range(replicas)]
        if not shuffle:
            assert shards == [list(TorchSampler(range(n), replicas, r, shuffle=False, drop_last=drop_last))
                              for r in range(replicas)]
        assert len({len(s) for s in shards}) == 1 and len(shards[0]) == len(
            DistributedSampler(range(n), replicas, 0, drop_last=drop_last))
        flat = [i for s in shards for i in s]
        if drop_last or n % replicas == 0:
            assert len(set(flat)) == len(flat)  # disjoint
        if not drop_last:
            assert set(flat) == set(range(n))  # complete
        again = [list(DistributedSampler(range(n), replicas, r, shuffle=shuffle, seed=4, drop_last=drop_last))
                 for r in range(replicas)]
        assert again == shards  # deterministic for a seed


def test_sampler_epoch_and_errors() -> None:
    s = DistributedSampler(range(20), num_replicas=2, rank=1, seed=0)
    first = list(s)
    s.set_epoch(1)
    assert sorted(list(s)) != sorted(first) or list(s) != first
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


# -- the launcher and NCCL's host-side logic ------------------------------------------------------------------

def test_launcher_command_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    args = run.build_parser().parse_args(["--nproc-per-node", "3", "train.py", "--lr", "0.1"])
    cmd = run.mpiexec_command(args, "mpiexec", open_mpi=False)
    assert cmd[:3] == ["mpiexec", "-n", "3"] and cmd[-3:] == ["train.py", "--lr", "0.1"]
    assert "--allow-run-as-root" not in cmd
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    cmd = run.mpiexec_command(args, "mpirun", open_mpi=True)
    assert "--oversubscribe" in cmd and "--allow-run-as-root" in cmd and "MASTER_PORT" in cmd


def test_nccl_types_and_ops() -> None:
    assert _nccl.nccl_dtype(np.float32) == (7, np.dtype(np.float32))
    assert _nccl.nccl_dtype(np.bool_) == (1, np.dtype(np.uint8))
    assert _nccl.nccl_dtype(np.int16) == (2, np.dtype(np.int32))
    import ml_dtypes

    assert _nccl.nccl_dtype(ml_dtypes.bfloat16)[0] == 9
    assert [_nccl.nccl_op(o, np.float32) for o in ("sum", "prod", "max", "min")] == [0, 1, 2, 3]
    assert (_nccl.nccl_op("sum", np.bool_), _nccl.nccl_op("prod", np.bool_)) == (2, 3)
    with pytest.raises(ValueError, match="no 'band'"):
        _nccl.nccl_op("band", np.int32)
    with pytest.raises(TypeError):
        _nccl.nccl_dtype(np.complex64)


def test_nccl_unique_id_over_tcp_and_mpi() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uid = tuple(range(-64, 64))
    got: dict[int, tuple] = {}

    def rank(r: int) -> None:
        got[r] = _nccl.exchange_unique_id(r, 3, lambda: uid, None, "127.0.0.1", port)

    threads = [threading.Thread(target=rank, args=(r,)) for r in (1, 2, 0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert got == {0: uid, 1: uid, 2: uid}

    class FakeComm:
        def bcast(self, obj, root):
            return uid

    assert _nccl.exchange_unique_id(1, 2, lambda: 1 / 0, FakeComm()) == uid
    with pytest.raises(RuntimeError, match="MASTER_ADDR"):
        _nccl.exchange_unique_id(1, 2, lambda: uid)


class _FakeNccl:
    """NCCL in one process: each rank is a thread; buffers are found from their addresses, as NCCL does."""

    NCODE = {0: np.int8, 1: np.uint8, 2: np.int32, 3: np.uint32, 4: np.int64, 5: np.uint64, 6: np.float16,
             7: np.float32, 8: np.float64}
    REDUCE = {0: np.add, 1: np.multiply, 2: np.maximum, 3: np.minimum}

    def __init__(self, size: int) -> None:
        self.size = size
        self.barrier = threading.Barrier(size)
        self.slots: list = [None] * size
        self.local = threading.local()
        self.mail: dict = {}

    @staticmethod
    def view(ptr: int, count: int, code: int) -> np.ndarray:
        import ctypes

        dt = np.dtype(_FakeNccl.NCODE[code])
        raw = (ctypes.c_char * (count * dt.itemsize)).from_address(ptr)
        return np.frombuffer(raw, dtype=dt)

    def groupStart(self) -> None:
        self.local.group = []

    def groupEnd(self) -> None:
        ops, self.local.group = self.local.group, None
        for kind, rank, peer, buf in ops:
            if kind == "send":
                self.mail[(rank, peer)] = buf.copy()
        self.barrier.wait()
        for kind, rank, peer, buf in ops:
            if kind == "recv":
                buf[...] = self.mail[(peer, rank)]
        self.barrier.wait()

    def comm(self, rank: int) -> "_FakeComm":
        return _FakeComm(self, rank)


class _FakeComm:
    def __init__(self, hub: _FakeNccl, rank: int) -> None:
        self.hub, self.rank = hub, rank

    def _all(self, value: np.ndarray) -> list:
        self.hub.slots[self.rank] = value.copy()
        self.hub.barrier.wait()
        got = list(self.hub.slots)
        self.hub.barrier.wait()
        return got

    def allReduce(self, s, r, count, code, op, stream):
        got = self._all(_FakeNccl.view(s, count, code))
        _FakeNccl.view(r, count, code)[...] = _FakeNccl.REDUCE[op].reduce(np.stack(got), axis=0)

    def bcast(self, buf, count, code, root, stream):
        got = self._all(_FakeNccl.view(buf, count, code))
        _FakeNccl.view(buf, count, code)[...] = got[root]

    def reduce(self, s, r, count, code, op, root, stream):
        got = self._all(_FakeNccl.view(s, count, code))
        if self.rank == root:
            _FakeNccl.view(r, count, code)[...] = _FakeNccl.REDUCE[op].reduce(np.stack(got), axis=0)

    def allGather(self, s, r, count, code, stream):
        got = self._all(_FakeNccl.view(s, count, code))
        _FakeNccl.view(r, count * self.hub.size, code)[...] = np.concatenate(got)

    def reduceScatter(self, s, r, count, code, op, stream):
        got = self._all(_FakeNccl.view(s, count * self.hub.size, code))
        total = _FakeNccl.REDUCE[op].reduce(np.stack(got), axis=0)
        _FakeNccl.view(r, count, code)[...] = total[self.rank * count:(self.rank + 1) * count]

    def send(self, s, count, code, peer, stream):
        self.hub.local.group.append(("send", self.rank, peer, _FakeNccl.view(s, count, code)))

    def recv(self, r, count, code, peer, stream):
        self.hub.local.group.append(("recv", self.rank, peer, _FakeNccl.view(r, count, code)))


class _DevArray(np.ndarray):
    """A NumPy array with CuPy's ``.data.ptr``."""

    @property
    def data(self):  # type: ignore[override]
        return type("Ptr", (), {"ptr": self.__array_interface__["data"][0]})()


class _FakeCupy:
    int64, float32 = np.int64, np.float32

    class cuda:
        class _Stream:
            ptr = 0

            def synchronize(self) -> None:
                pass

        @staticmethod
        def get_current_stream():
            return _FakeCupy.cuda._Stream()

        class Event:
            done = True

            def __init__(self, disable_timing: bool = False) -> None:
                pass

            def record(self) -> None:
                pass

            def synchronize(self) -> None:
                pass

    @staticmethod
    def ones(n, dtype):
        return np.ones(n, dtype).view(_DevArray)

    @staticmethod
    def zeros(n, dtype):
        return np.zeros(n, dtype).view(_DevArray)

    @staticmethod
    def asarray(a):
        return np.ascontiguousarray(a).view(_DevArray)

    @staticmethod
    def asnumpy(a):
        return np.asarray(a).view(np.ndarray)


def test_nccl_engine_collectives_on_a_fake_nccl() -> None:
    w = 3
    hub = _FakeNccl(w)
    errors: list = []
    results: dict = {}

    def dev(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a).view(_DevArray)

    def rank(r: int) -> None:
        try:
            hub.groupStart()
            hub.local.group = None
            e = _nccl.NCCLEngine(hub.comm(r), r, w, hub, _FakeCupy)
            out = {}
            a = dev(np.arange(4, dtype=np.float32) + r)
            e.allreduce(a, "sum")
            out["allreduce"] = a.copy()
            b = dev(np.array([r % 2 == 0, False]))
            e.allreduce(b, "sum")  # bool travels as uint8, sum as max
            out["bool"] = b.copy()
            h = dev(np.full(2, r + 1, np.int16))  # int16 travels as int32
            e.allreduce(h, "prod")
            out["int16"] = h.copy()
            g = dev(np.zeros(2 * w, np.float64)) if r == 1 else None
            e.gather(dev(np.full(2, float(r))), g, 1)
            out["gather"] = None if g is None else g.copy()
            s = dev(np.zeros(2, np.int64))
            e.scatter(dev(np.repeat(np.arange(w, dtype=np.int64) * 10, 2)) if r == 0 else None, s, 0)
            out["scatter"] = s.copy()
            counts = [(r + j) % 2 + 1 for j in range(w)]  # rank r sends counts[j] numbers to rank j
            send = dev(np.concatenate([np.full(c, 100 * r + j, np.int32) for j, c in enumerate(counts)]))
            rc = [(i + r) % 2 + 1 for i in range(w)]
            recv = dev(np.zeros(sum(rc), np.int32))
            e.alltoallv(send, counts, recv, rc)
            out["alltoall"] = recv.copy()
            sub = e.split([2, 0])
            out["sub"] = None if sub is None else (sub.rank, sub.size)
            results[r] = out
        except BaseException as ex:  # noqa: BLE001 - reported below
            errors.append(ex)
            hub.barrier.abort()

    hub_id = iter(range(1000))
    hub.get_unique_id = lambda: tuple([next(hub_id)] * 128)  # type: ignore[attr-defined]
    made = []
    hub.NcclCommunicator = lambda n, uid, r: made.append((n, uid[0], r)) or object()  # type: ignore[attr-defined]
    threads = [threading.Thread(target=rank, args=(r,)) for r in range(w)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    for r in range(w):
        out = results[r]
        assert out["allreduce"].tolist() == (np.arange(4) * 3 + 3).tolist()
        assert out["bool"].tolist() == [True, False] and out["bool"].dtype == bool
        assert out["int16"].tolist() == [6, 6] and out["int16"].dtype == np.int16
        assert out["scatter"].tolist() == [10 * r] * 2
        expect = [100 * i + r for i in range(w) for _ in range((i + r) % 2 + 1)]
        assert out["alltoall"].tolist() == expect
        assert out["sub"] == ({0: (1, 2), 2: (0, 2)}.get(r))
    assert results[1]["gather"].tolist() == [0, 0, 1, 1, 2, 2]
    assert sorted(m[2] for m in made) == [0, 1] and len({m[1] for m in made}) == 1  # one id, from rank 2
