"""GPU speed: brickwork on CuPy against PyTorch CUDA eager, side by side in one process.

Rows: matmul throughput (TFLOP/s, 4096 x 4096, float32 / float16 / bfloat16 where the backend has it); full
training steps (zero_grad, forward, loss, backward, optimizer step) of an MLP 784-256-10 at batch 256 with SGD,
LeNet-5 at batch 128 with SGD, and a transformer block (``nn.TransformerEncoderLayer`` d_model 128, 4 heads,
feed-forward 512, dropout 0, 16 sequences of 64 tokens, linear head) with Adam; and the Builders' Guide's
speed-up demo, one large matmul on the GPU against brickwork's CPU backend.

Both libraries get the same weights and batch; the first step's losses are compared before timing, and every
timed call ends with a device synchronize, so queued GPU work is counted. The two libraries alternate run by
run (see ``_harness.compare``). When PyTorch has no CUDA, the PyTorch columns say n/a.

Run: python benchmarks/bench_gpu.py [--repeat N] [--out benchmarks/results/gpu.md]
Without a GPU (or CuPy) it prints why and exits without writing anything. Takes about a minute (CuPy compiles
its kernels on first use and caches them in ~/.cupy).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import brickwork

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import machine  # noqa: E402
from _models import lenet5, mlp, transformer  # noqa: E402

MATMUL_N = 4096
DEMO_N = 2048


# name, model, input shape, number of targets, optimizer, its arguments, target ratio
CASES = [
    ("MLP 784-256-10, batch 256, SGD", mlp, (256, 784), 256, "SGD", {"lr": 0.01}, "<= 1.2"),
    ("LeNet-5, batch 128, SGD", lenet5, (128, 1, 28, 28), 128, "SGD", {"lr": 0.01}, "<= 1.2"),
    ("Transformer block d128 h4, 16x64, Adam", transformer, (16, 64, 128), 16 * 64, "Adam", {"lr": 1e-3}, "<= 1.2"),
]


def timed(fn: Callable[[], Any], sync: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        fn()
        sync()

    return run


def compare(ours: Callable[[], None], theirs: Callable[[], None] | None, repeat: int, warmup: int = 3,
            per: int = 1) -> tuple[float, float | None]:
    """Median seconds per call of each side, alternating (PyTorch may be None)."""
    for _ in range(warmup):
        ours()
        if theirs is not None:
            theirs()
    a, b = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        if theirs is not None:
            theirs()
        b.append(time.perf_counter() - t1)
        a.append(t1 - t0)
    return statistics.median(a) / per, (statistics.median(b) / per if theirs is not None else None)


def torch_cuda() -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def matmul_rows(torch: Any, repeat: int) -> list[str]:
    rows = []
    flops = 2 * MATMUL_N ** 3
    for name in ("float32", "float16", "bfloat16"):
        rng = np.random.default_rng(0)
        a_np, b_np = (rng.standard_normal((MATMUL_N, MATMUL_N)).astype(np.float32) for _ in range(2))
        try:
            dt = getattr(brickwork, name)
            a = brickwork.tensor(a_np, device="cuda").to(dt)
            b = brickwork.tensor(b_np, device="cuda").to(dt)
            (a @ b)
            brickwork.cuda.synchronize()
        except Exception as e:  # CuPy has no bfloat16
            rows.append(f"| matmul {MATMUL_N}, {name} | unsupported ({type(e).__name__}) | | | |")
            continue
        theirs = None
        if torch is not None:
            ta = torch.tensor(a_np, device="cuda").to(getattr(torch, name))
            tb = torch.tensor(b_np, device="cuda").to(getattr(torch, name))
            theirs = timed(lambda ta=ta, tb=tb: [ta @ tb for _ in range(10)], torch.cuda.synchronize)
        ours = timed(lambda a=a, b=b: [a @ b for _ in range(10)], brickwork.cuda.synchronize)
        ta_s, tb_s = compare(ours, theirs, repeat, per=10)
        ours_tf = flops / ta_s / 1e12
        theirs_tf = flops / tb_s / 1e12 if tb_s else None
        rows.append(f"| matmul {MATMUL_N}, {name} (TFLOP/s, higher is better) | {ours_tf:.1f} | "
                    f"{'n/a' if theirs_tf is None else f'{theirs_tf:.1f}'} | "
                    f"{'' if theirs_tf is None else f'{ours_tf / theirs_tf:.2f}'} | >= 0.9 |")
    return rows


def step_fn(lib: Any, model: Any, opt: Any, x: Any, y: Any) -> Callable[[], Any]:
    def step() -> Any:
        opt.zero_grad()
        out = model(x)
        loss = lib.nn.functional.cross_entropy(out if out.ndim == 2 else out.reshape(-1, out.shape[-1]), y)
        loss.backward()
        opt.step()
        return loss

    return step


def training_rows(torch: Any, repeat: int) -> list[str]:
    rows = []
    for name, make, shape, n_targets, opt_name, opt_kwargs, target in CASES:
        rng = np.random.default_rng(0)
        x_np = rng.standard_normal(shape).astype(np.float32)
        y_np = rng.integers(0, 10, n_targets)
        if torch is not None:
            torch.manual_seed(0)
            mt = make(torch).cuda()
            state = {k: v.detach().cpu().numpy().copy() for k, v in mt.state_dict().items()}
        else:
            mt, state = None, None
        mb = make(brickwork)
        if state is not None:
            mb.load_state_dict({k: brickwork.tensor(v) for k, v in state.items()})
        mb.to("cuda")
        ours = step_fn(brickwork, mb, getattr(brickwork.optim, opt_name)(mb.parameters(), **opt_kwargs),
                       brickwork.tensor(x_np, device="cuda"), brickwork.tensor(y_np, device="cuda"))
        theirs = None
        check = ""
        if mt is not None:
            theirs = step_fn(torch, mt, getattr(torch.optim, opt_name)(mt.parameters(), **opt_kwargs),
                             torch.tensor(x_np, device="cuda"), torch.tensor(y_np, device="cuda"))
            lb, lt = ours().item(), theirs().item()
            check = f" (first losses {lb:.5f} / {lt:.5f})"
            if abs(lb - lt) > 1e-3 * max(1.0, abs(lt)):
                check += " MISMATCH"
        ta, tb = compare(timed(ours, brickwork.cuda.synchronize),
                         None if theirs is None else timed(theirs, torch.cuda.synchronize), repeat)
        rows.append(f"| {name}{check} (ms) | {ta * 1e3:.2f} | {'n/a' if tb is None else f'{tb * 1e3:.2f}'} | "
                    f"{'' if tb is None else f'{ta / tb:.2f}'} | {target} |")
    return rows


def demo_row() -> str:
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((DEMO_N, DEMO_N)).astype(np.float32) for _ in range(2))
    cpu_a, cpu_b = brickwork.tensor(a_np), brickwork.tensor(b_np)
    gpu_a, gpu_b = cpu_a.cuda(), cpu_b.cuda()
    t_cpu, _ = compare(lambda: cpu_a @ cpu_b, None, repeat=3, warmup=1)
    t_gpu, _ = compare(timed(lambda: gpu_a @ gpu_b, brickwork.cuda.synchronize), None, repeat=10)
    diff = float(np.abs((gpu_a @ gpu_b).cpu().numpy() - (cpu_a @ cpu_b).numpy()).max())
    return (f"| speed-up demo: matmul {DEMO_N}, float32, GPU vs brickwork CPU (ms; max abs diff {diff:.1e}) | "
            f"{t_gpu * 1e3:.2f} (GPU) | {t_cpu * 1e3:.1f} (CPU) | {t_cpu / t_gpu:.0f}x faster | |")


def describe(torch: Any) -> str:
    import cupy

    props = brickwork.cuda.get_device_properties()
    mem = props.get("totalGlobalMem", 0) / 2 ** 30
    runtime = cupy.cuda.runtime.runtimeGetVersion()
    tv = f"PyTorch {torch.__version__} (CUDA {torch.version.cuda})" if torch is not None else \
        "PyTorch without CUDA (PyTorch columns n/a)"
    return (f"GPU: {props['name']} ({mem:.0f} GiB), CUDA runtime {runtime // 1000}.{runtime % 1000 // 10}, "
            f"CuPy {cupy.__version__}; {tv}; brickwork {brickwork.__version__}, NumPy {np.__version__}, "
            f"Python {platform.python_version()}; host: {machine()}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "gpu.md"))
    p.add_argument("--dry-run", action="store_true",
                   help="check the script end to end on the CPU: the CuPy stand-in, tiny sizes, 2 repeats")
    args = p.parse_args()
    if args.dry_run:
        global MATMUL_N, DEMO_N
        MATMUL_N, DEMO_N, args.repeat = 64, 64, 2
    if not brickwork.cuda.is_available():
        print("bench_gpu: skipped, no CUDA GPU is available to brickwork (needs an NVIDIA GPU and CuPy: "
              "pip install 'brickwork[cuda12]')")
        return 0
    torch = torch_cuda()
    t0 = time.perf_counter()
    rows = matmul_rows(torch, args.repeat) + training_rows(torch, args.repeat) + [demo_row()]
    header = ["| benchmark | brickwork | PyTorch CUDA | ratio | target |", "|---|---:|---:|---:|---|"]
    text = ("# GPU benchmarks\n\n" + describe(torch) + "\n\n"
            "Ratios are brickwork / PyTorch: for TFLOP/s higher is better, for step times lower is better. "
            f"Medians of {args.repeat} runs, alternating libraries, each ending with a device synchronize.\n\n"
            + "\n".join(header + rows) + f"\n\nTotal benchmark time: {time.perf_counter() - t0:.0f} s\n")
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
