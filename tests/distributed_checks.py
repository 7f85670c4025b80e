"""Checks run inside every rank of a multi-process job (tests/test_distributed.py starts them with the launcher).

Usage: brickwork run --nproc-per-node N tests/distributed_checks.py collectives|ddp|hooks|fail|timeout ...
Each check compares with NumPy on the inputs of all ranks (computed locally: every rank's input is a function of
its rank), so a wrong collective is found without trusting another collective. Ends by printing one line per rank.
"""

from __future__ import annotations

import os
import sys
import time

import ml_dtypes
import numpy as np

import brickwork as torch
import brickwork.distributed as dist
from brickwork import nn

DTYPES = ["float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
COUNT = [0]


def np_dtype(name: str):
    return ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name)


def data(rank: int, name: str, shape: tuple = (3, 4), seed: int = 0) -> np.ndarray:
    """Rank ``rank``'s input: small integers (exact in every dtype, sums and products cannot overflow int8)."""
    rng = np.random.default_rng(1000 * seed + rank)
    if name == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.integers(1, 3, shape).astype(np_dtype(name))


def check(cond: bool, what: str) -> None:
    COUNT[0] += 1
    if not cond:
        raise AssertionError(f"rank {dist.get_rank()}: {what}")


def same(t: torch.Tensor, ref: np.ndarray, what: str) -> None:
    got = t.numpy()
    check(got.dtype == ref.dtype and got.shape == ref.shape and
          np.array_equal(got.astype(np.float64), ref.astype(np.float64)), f"{what}: got {got!r}, expected {ref!r}")


def ref_reduce(stack: np.ndarray, op: str, name: str, w: int) -> np.ndarray:
    dt = stack.dtype
    if name == "bool":
        return {"SUM": stack.any(0), "MAX": stack.any(0), "BOR": stack.any(0), "PRODUCT": stack.all(0),
                "MIN": stack.all(0), "BAND": stack.all(0), "BXOR": np.logical_xor.reduce(stack, 0)}[op]
    f = {"SUM": np.add, "PRODUCT": np.multiply, "MAX": np.maximum, "MIN": np.minimum, "BAND": np.bitwise_and,
         "BOR": np.bitwise_or, "BXOR": np.bitwise_xor, "AVG": np.add}[op]
    out = f.reduce(stack, axis=0, dtype=dt)
    if op == "AVG":
        out = (out // w).astype(dt) if dt.kind in "iu" else (out / w).astype(dt)
    return out


def ops_for(name: str) -> list[str]:
    if name == "bool":
        return ["SUM", "PRODUCT", "MAX", "MIN", "BAND", "BOR", "BXOR"]
    base = ["SUM", "AVG", "PRODUCT", "MAX", "MIN"]
    return base + (["BAND", "BOR", "BXOR"] if name not in ("float16", "bfloat16", "float32", "float64") else [])


def collectives() -> None:
    r, w = dist.get_rank(), dist.get_world_size()
    if "RANK" in os.environ:  # started by the launcher (with plain mpiexec, MPI alone gives the ranks)
        env = {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                              "MASTER_PORT")}
        check(env["RANK"] == str(r) and env["WORLD_SIZE"] == str(w) and env["LOCAL_RANK"] == str(r)
              and env["LOCAL_WORLD_SIZE"] == str(w) and bool(env["MASTER_ADDR"]) and bool(env["MASTER_PORT"]),
              f"env {env}")
    check(dist.is_initialized() and dist.get_backend() == "gloo", "backend")
    for name in DTYPES:
        inputs = [data(i, name) for i in range(w)]
        stack = np.stack(inputs)
        mine = lambda: torch.from_numpy(inputs[r].copy())  # noqa: E731
        for op in ops_for(name):
            t = mine()
            dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
            same(t, ref_reduce(stack, op, name, w), f"all_reduce {op} {name}")
        t = mine()
        work = dist.all_reduce(t, async_op=True)
        work.wait()
        check(work.is_completed(), "async work completed")
        same(t, ref_reduce(stack, "SUM", name, w), f"async all_reduce {name}")
        t = torch.from_numpy(inputs[r].T.copy()).t()  # non-contiguous
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        same(t, ref_reduce(stack, "MAX", name, w), f"all_reduce non-contiguous {name}")
        t = mine()
        dist.broadcast(t, src=w - 1)
        same(t, inputs[w - 1], f"broadcast {name}")
        t = mine()
        dist.reduce(t, dst=1, op=dist.ReduceOp.SUM)
        if r == 1:
            same(t, ref_reduce(stack, "SUM", name, w), f"reduce {name}")
        outs = [torch.from_numpy(np.zeros_like(inputs[0])) for _ in range(w)]
        dist.all_gather(outs, mine())
        for i in range(w):
            same(outs[i], inputs[i], f"all_gather {name}")
        big = torch.from_numpy(np.zeros((w * 3, 4), inputs[0].dtype))
        dist.all_gather_into_tensor(big, mine())
        same(big, np.concatenate(inputs), f"all_gather_into_tensor {name}")
        pieces = [data(i, name, (w, 2), seed=5) for i in range(w)]  # rank i's input to reduce_scatter
        out = torch.from_numpy(np.zeros(2, inputs[0].dtype))
        dist.reduce_scatter_tensor(out, torch.from_numpy(pieces[r].reshape(-1).copy()))
        same(out, ref_reduce(np.stack([p[r] for p in pieces]), "SUM", name, w), f"reduce_scatter_tensor {name}")
        out = torch.from_numpy(np.zeros(2, inputs[0].dtype))
        dist.reduce_scatter(out, [torch.from_numpy(pieces[r][i].copy()) for i in range(w)], op=dist.ReduceOp.MAX)
        same(out, ref_reduce(np.stack([p[r] for p in pieces]), "MAX", name, w), f"reduce_scatter {name}")
        # asynchronous forms run on the communication thread, in order
        t, outs = mine(), [torch.from_numpy(np.zeros_like(inputs[0])) for _ in range(w)]
        works = [dist.broadcast(t, src=0, async_op=True), dist.all_gather(outs, mine(), async_op=True)]
        if name != "bool":
            t2 = mine()
            works.append(dist.reduce(t2, dst=0, op=dist.ReduceOp.AVG, async_op=True))
        for wk in reversed(works):
            wk.wait()
        same(t, inputs[0], f"async broadcast {name}")
        for i in range(w):
            same(outs[i], inputs[i], f"async all_gather {name}")
        if name != "bool" and r == 0:
            same(t2, ref_reduce(stack, "AVG", name, w), f"async reduce AVG {name}")
        gl = [torch.from_numpy(np.zeros_like(inputs[0])) for _ in range(w)] if r == 0 else None
        dist.gather(mine(), gl, dst=0)
        if r == 0:
            for i in range(w):
                same(gl[i], inputs[i], f"gather {name}")
        t = torch.from_numpy(np.zeros_like(inputs[0]))
        dist.scatter(t, [torch.from_numpy(data(i, name, seed=7)) for i in range(w)] if r == 1 else None, src=1)
        same(t, data(r, name, seed=7), f"scatter {name}")
        # all_to_all_single, equal and uneven splits: rank i sends i+1 rows to each rank... of a (rows, 2) input
        rows = [[(i + j) % 3 for j in range(w)] for i in range(w)]  # rows[i][j]: rank i sends to rank j
        src = [data(i, name, (sum(rows[i]), 2), seed=9) for i in range(w)]
        out = torch.from_numpy(np.zeros((sum(rows[i][r] for i in range(w)), 2), inputs[0].dtype))
        dist.all_to_all_single(out, torch.from_numpy(src[r].copy()), [rows[i][r] for i in range(w)], rows[r])
        expect = np.concatenate([src[i][sum(rows[i][:r]):sum(rows[i][:r + 1])] for i in range(w)])
        same(out, expect, f"all_to_all_single uneven {name}")
        out = torch.from_numpy(np.zeros((w, 3), inputs[0].dtype))
        blocks = [data(i, name, (w, 3), seed=11) for i in range(w)]
        dist.all_to_all_single(out, torch.from_numpy(blocks[r].copy()))
        same(out, np.stack([blocks[i][r] for i in range(w)]), f"all_to_all_single {name}")
        outs = [torch.from_numpy(np.zeros(3, inputs[0].dtype)) for _ in range(w)]
        dist.all_to_all(outs, [torch.from_numpy(blocks[r][i].copy()) for i in range(w)])
        for i in range(w):
            same(outs[i], blocks[i][r], f"all_to_all {name}")
        # point to point: a ring, blocking and not
        t = torch.from_numpy(np.zeros_like(inputs[0]))
        if r % 2 == 0:
            dist.send(mine(), dst=(r + 1) % w)
            sender = dist.recv(t, src=(r - 1) % w)
        else:
            sender = dist.recv(t, src=(r - 1) % w)
            dist.send(mine(), dst=(r + 1) % w)
        check(sender == (r - 1) % w, "recv returns the sender")
        same(t, inputs[(r - 1) % w], f"send/recv {name}")
        t = torch.from_numpy(np.zeros_like(inputs[0]))
        works = [dist.irecv(t), dist.isend(mine(), dst=(r + 1) % w)]
        for wk in works:
            wk.wait()
        check(works[0].source_rank() == (r - 1) % w, "irecv from any source")
        same(t, inputs[(r - 1) % w], f"isend/irecv {name}")
    # objects
    objs = [{"rank": r}, [r] * 3] if r == 0 else [None, None]
    dist.broadcast_object_list(objs, src=0)
    check(objs == [{"rank": 0}, [0, 0, 0]], f"broadcast_object_list {objs}")
    got = [None] * w
    dist.all_gather_object(got, ("x" * r, r))
    check(got == [("x" * i, i) for i in range(w)], f"all_gather_object {got}")
    got = [None] * w if r == w - 1 else None
    dist.gather_object({"r": r}, got, dst=w - 1)
    check(r != w - 1 or got == [{"r": i} for i in range(w)], f"gather_object {got}")
    one = [None]
    dist.scatter_object_list(one, [f"for {i}" * (i + 1) for i in range(w)] if r == 0 else None, src=0)
    check(one == [f"for {r}" * (r + 1)], f"scatter_object_list {one}")
    # groups
    g = dist.new_group([0, 1])
    t = torch.tensor([float(r + 1)])
    dist.all_reduce(t, group=g)
    check((r < 2 and t.item() == 3.0) or (r >= 2 and t.item() == r + 1), f"subgroup all_reduce {t}")
    check(dist.get_rank(g) == (r if r < 2 else -1) and dist.get_world_size(g) == (2 if r < 2 else -1), "group rank")
    if w >= 4:
        g2 = dist.new_group([3, 1])
        t = torch.tensor([float(r)])
        dist.broadcast(t, src=3, group=g2)
        check(t.item() == (3.0 if r in (1, 3) else r), f"subgroup broadcast from a global rank {t}")
        check(r not in (1, 3) or dist.get_process_group_ranks(g2) == [1, 3], "sorted group ranks")
    dist.barrier()


def ddp() -> None:
    """DDP against the single-process run on the full batch; bitwise equal parameters across ranks."""
    from brickwork.nn.parallel import DistributedDataParallel as DDP
    from brickwork.utils.data.distributed import DistributedSampler

    r, w = dist.get_rank(), dist.get_world_size()

    def make(seed: int) -> nn.Module:
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))

    gen = np.random.default_rng(0)
    x = torch.from_numpy(gen.standard_normal((8 * w, 5)))
    y = torch.from_numpy(gen.standard_normal((8 * w, 3)))
    shard = list(DistributedSampler(range(len(x)), shuffle=True, seed=3))
    for kw in ({}, {"bucket_cap_mb": 0.0005}, {"gradient_as_bucket_view": True, "bucket_cap_mb": 0.0005}):
        ref = make(0).double()
        net = DDP(make(r).double(), **kw)  # rank 0's weights reach every rank
        launched_at: list[int] = []  # how many gradients were ready each time a bucket's reduction started
        launch = net._launch
        net._launch = lambda: (launch(), launched_at.append(len(net._marked)) if net._next else None)[0]
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
        for step in range(4):
            opt.zero_grad()
            nn.functional.mse_loss(net(x[shard]), y[shard]).backward()
            opt.step()
            ref_opt.zero_grad()
            nn.functional.mse_loss(ref(x), y).backward()
            ref_opt.step()
        for (n, p), q in zip(net.module.named_parameters(), ref.parameters()):
            err = float((p - q).abs().max())
            check(err <= 1e-6, f"DDP {kw} {n} differs from the full-batch run by {err}")
            every = [torch.zeros_like(p) for _ in range(w)]
            dist.all_gather(every, p.detach())
            check(all(np.array_equal(e.numpy(), p.detach().numpy()) for e in every), f"DDP {kw} {n} bitwise")
        check(list(net.state_dict())[0] == "module.0.weight", "state_dict keys keep torch's module. prefix")
        if kw:  # small buckets: the first reduction starts before the last gradient is ready
            check(len(net._buckets) > 1 and launched_at and min(launched_at) < len(net._params),
                  f"{len(net._buckets)} buckets, launches at {launched_at}")
    # no_sync: accumulate one micro-batch locally, average the total on the next backward
    ref, net = make(0).double(), DDP(make(r).double())
    half = len(shard) // 2
    with net.no_sync():
        nn.functional.mse_loss(net(x[shard[:half]]), y[shard[:half]]).backward()
    local = net.module[0].weight.grad.clone()
    nn.functional.mse_loss(net(x[shard[half:]]), y[shard[half:]]).backward()
    total = 0
    for i in range(w):
        s = list(DistributedSampler(range(len(x)), num_replicas=w, rank=i, shuffle=True, seed=3))
        total = total + nn.functional.mse_loss(ref(x[s[:half]]), y[s[:half]]) + \
            nn.functional.mse_loss(ref(x[s[half:]]), y[s[half:]])
    (total / w).backward()
    every = [torch.zeros_like(local) for _ in range(w)]
    dist.all_gather(every, local)
    check(any(not np.array_equal(e.numpy(), local.numpy()) for e in every), "no_sync kept gradients local")
    for p, q in zip(net.module.parameters(), ref.parameters()):
        check(float((p.grad - q.grad).abs().max()) <= 1e-9, "no_sync accumulation then averaged")

    # unused parameters: `extra` is never used, `branch` only on rank 0
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body, self.branch, self.extra = nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)

        def forward(self, t: torch.Tensor) -> torch.Tensor:
            h = self.body(t)
            return self.branch(h) if dist.get_rank() == 0 else h

    torch.manual_seed(0)
    net = DDP(Net().double(), find_unused_parameters=True)
    inp = torch.from_numpy(np.full((2, 4), 1.0 + r))
    for _ in range(2):  # twice: the second iteration must not complain
        net.zero_grad()
        net(inp).sum().backward()
    check(net.module.extra.weight.grad is None, "a parameter unused on every rank keeps grad None")
    g0 = net.module.branch.bias.grad
    check(g0 is not None and np.allclose(g0.numpy(), 2.0 / w), f"rank 0's branch averaged with zeros: {g0}")
    torch.manual_seed(0)
    net = DDP(Net().double())
    net(inp).sum().backward()
    try:
        net(inp)
        check(False, "a second forward after unused parameters must raise")
    except RuntimeError as e:
        check("find_unused_parameters=True" in str(e) and "extra.weight" in str(e), f"message: {e}")
    # buffers: every forward starts from rank 0's (BatchNorm statistics), as torch's broadcast_buffers=True
    torch.manual_seed(r)
    bn = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    seen = []
    bn[1].register_forward_pre_hook(lambda m, args: seen.append(m.running_mean.clone()))
    net = DDP(bn)
    for step in range(2):
        net(torch.from_numpy(np.random.default_rng(r + 10 * step).standard_normal((6, 3)))).sum().backward()
    for mean in seen:
        every = [torch.zeros_like(mean) for _ in range(w)]
        dist.all_gather(every, mean)
        check(all(np.array_equal(e.numpy(), mean.numpy()) for e in every), "buffers broadcast before forward")
    every = [torch.zeros_like(bn[1].running_mean) for _ in range(w)]
    dist.all_gather(every, bn[1].running_mean)
    check(not np.array_equal(every[0].numpy(), every[1].numpy()), "each rank then updates its own statistics")
    # the sampler without arguments takes the group's rank and size; shards are disjoint and complete
    for n, drop in ((8 * w, False), (8 * w + 1, False), (8 * w + 1, True)):
        s = list(DistributedSampler(range(n), drop_last=drop, seed=1))
        every = [None] * w
        dist.all_gather_object(every, s)
        flat = sorted(i for e in every for i in e)
        check(len({len(e) for e in every}) == 1, "equal shard sizes")
        if n % w == 0 or drop:
            check(len(set(flat)) == len(flat), "disjoint shards")
        check(set(flat) == set(range(n)) if not drop else set(flat) <= set(range(n)), "complete shards")


def fail() -> None:
    dist.barrier()
    if dist.get_rank() == 1:
        print(f"failing at {time.time():.3f}", flush=True)
        raise ValueError("rank 1 fails on purpose")
    dist.barrier()  # rank 0 waits here for a rank that is gone
    print("unreachable", flush=True)


def hooks() -> None:
    """DDP communication hooks: allreduce_hook gives the built-in average bitwise (dividing by a power of two
    first is exact), the fp16/bf16 hooks within their precision; a hook sees torch's GradBucket API."""
    from brickwork.distributed.algorithms.ddp_comm_hooks import default_hooks
    from brickwork.nn.parallel import DistributedDataParallel as DDP

    r, w = dist.get_rank(), dist.get_world_size()
    fut = dist.all_reduce(torch.ones(3), async_op=True).get_future().then(lambda f: f.value()[0] + 1)
    check(np.array_equal(fut.wait().numpy(), np.full(3, w + 1.0)), "Work.get_future().then()")
    x = torch.from_numpy(np.random.default_rng(r).standard_normal((4, 5)).astype(np.float32))

    def grads(hook=None, state=None):
        torch.manual_seed(0)
        net = DDP(nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3)), bucket_cap_mb=0.0002)
        if hook is not None:
            net.register_comm_hook(state, hook)
        net(x).square().sum().backward()
        return net, [p.grad.numpy().copy() for p in net.module.parameters()]

    _, base = grads()
    for hook, tol in ((default_hooks.allreduce_hook, 0.0), (default_hooks.fp16_compress_hook, 2e-3),
                      (default_hooks.bf16_compress_hook, 2e-2)):
        _, got = grads(hook)
        err = max(float(np.abs(a - b).max() / np.abs(b).max()) for a, b in zip(got, base))
        check(err <= tol and (err > 0) == (tol > 0) and all(a.dtype == np.float32 for a in got),
              f"{hook.__name__}: relative error {err}")  # the compressed hooks did round
    seen = []

    def probe(state, bucket):
        seen.append((state, bucket.index(), bucket.is_last(), [tuple(p.shape) for p in bucket.parameters()],
                     [tuple(g.shape) for g in bucket.gradients()], bucket.buffer().numel()))
        return default_hooks.allreduce_hook(None, bucket)

    net, got = grads(probe, "my state")
    check(all(np.array_equal(a, b) for a, b in zip(got, base)), "a custom hook around allreduce_hook")
    check([s[1] for s in seen] == list(range(len(seen))) and len(seen) > 1, f"bucket indexes {seen}")
    check([s[2] for s in seen] == [False] * (len(seen) - 1) + [True], "is_last")
    check(all(s[0] == "my state" and s[3] == s[4] and s[5] == sum(int(np.prod(t)) for t in s[3]) for s in seen),
          f"GradBucket: {seen}")
    check(sorted(t for s in seen for t in s[3]) == sorted(tuple(p.shape) for p in net.module.parameters()),
          "every parameter in one bucket")
    try:
        net.register_comm_hook(None, probe)
        check(False, "a second register_comm_hook must raise")
    except RuntimeError as e:
        check("only be called once" in str(e), str(e))


def timeout() -> None:
    """Each rank in turn sleeps past a group's timeout while the other waits in a collective: the waiting rank
    raises DistBackendError (a RuntimeError) after about the timeout, on a small and on a large message."""
    from datetime import timedelta

    r = dist.get_rank()
    groups = [dist.new_group(timeout=timedelta(seconds=1)) for _ in range(2)]
    for sleeper, (group, n) in enumerate(zip(groups, (3, 200_000))):  # small (polled) and large (blocking) path
        if r == sleeper:
            time.sleep(2.5)
            continue
        start = time.perf_counter()
        try:
            dist.all_reduce(torch.ones(n), group=group)
            check(False, "all_reduce past the timeout returned")
        except dist.DistBackendError as e:
            waited = time.perf_counter() - start
            check(isinstance(e, RuntimeError) and "timed out after 1 s" in str(e), f"timeout error: {e}")
            check(0.9 < waited < 2.0, f"raised after {waited:.2f} s, expected about 1 s")
        try:
            dist.barrier(group=group)
            check(False, "a timed-out group was used again")
        except dist.DistBackendError as e:
            check("earlier operation of this group timed out" in str(e), f"reuse error: {e}")
    dist.barrier()  # the default group is unaffected


if __name__ == "__main__":
    from datetime import timedelta

    # with "timeout", every collective of the job runs in its non-blocking, deadline-polled form
    dist.init_process_group("gloo", timeout=timedelta(minutes=5) if "timeout" in sys.argv else None)
    for mode in sys.argv[1:]:
        {"collectives": collectives, "ddp": ddp, "fail": fail, "hooks": hooks, "timeout": timeout}[mode]()
    print(f"rank {dist.get_rank()} of {dist.get_world_size()}: {COUNT[0]} checks passed", flush=True)
    dist.destroy_process_group()
