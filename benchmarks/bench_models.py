"""Training steps of real models, brickwork time / PyTorch time (issue 11): LeNet-5, a ResNet-style block, an
LSTM language model, ResNet-18, a siamese ResNet-18, MobileNetV2, DenseNet-121 and a DCGAN, plus ResNet-18's peak
memory per step and every model's first-step cost.

Rows (one training step = zero_grad, forward, loss, backward, optimizer step):

* LeNet-5 (ReLU, AvgPool), batch 128 of 1x28x28, SGD lr 0.01;
* conv3x3 3->32 + BN + ReLU, a residual block of two conv3x3 32->32 + BN, GAP, Linear; 32x3x32x32; SGD lr 0.01
  momentum 0.9;
* Embedding(1000, 128) -> LSTM(128, 256) -> Linear(256, 1000), seq 35, batch 20, token cross entropy, SGD lr 0.1;
* ResNet-18 (torchvision's layout, 10 classes) at 64x64, batch 8, SGD lr 0.01 momentum 0.9;
* the issue's other real models, without targets of their own (the goal: every step <= 1.0), 64x64 images, SGD
  lr 0.01 momentum 0.9 unless noted: ResNet-18 at batch 4; a siamese ResNet-18 (128-d embeddings) on 4 pairs
  with a contrastive loss; MobileNetV2 (torchvision's layout) at batch 8; DenseNet-121 (torchvision's layout) at
  batch 4; one DCGAN iteration (PyTorch's example: nz 100, ngf/ndf 64; discriminator on real and detached fake
  images, then the generator; BCE with logits, two Adams) at batch 8.

Both libraries run in one process on one thread each (OpenBLAS/OpenMP through the environment before NumPy and
PyTorch load, ``torch.set_num_threads(1)``), with PyTorch's initial weights copied into brickwork, the same batch,
and the two alternating in blocks of consecutive steps; medians of thread CPU time and wall time are reported
(see bench_train.py's ``timed``). The first three steps' losses are compared first.

``--memory``: for ResNet-18 and each library, a fresh process builds the model, runs two steps, resets the kernel's
peak-RSS mark (``/proc/self/clear_refs``), runs one more and reports that step's peak resident memory above the
level before the first step (so memory kept between steps, gradients and allocator pools, counts).
``--first-step``: a fresh process per library times its first step (kernel compilation and warm-up included),
once with an empty Numba cache and once with the cache the first run wrote.

Run: python benchmarks/bench_models.py [--only SUBSTRING] [--scale F] [--memory] [--first-step]
[--out benchmarks/results/models.md]
"""

from __future__ import annotations

import os
import sys

# --threads N (default 1): both libraries on N threads, set before NumPy and PyTorch load (bench_train reads the
# same option for its timer: thread CPU time at 1 thread, process CPU time otherwise)
THREADS = next((int(v) for a, v in zip(sys.argv, sys.argv[1:]) if a == "--threads"), 1)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# name, model factory (in _models.py), input kind and shape, optimizer arguments, target ratio, repeats
CASES: list[tuple[str, str, tuple, dict, str, int]] = [
    ("LeNet-5 (ReLU, AvgPool), batch 128, SGD", "lenet5", ("image", (128, 1, 28, 28)), {"lr": 0.01},
     "<= 1.0", 40),
    ("ResNet block 32x3x32x32, SGD momentum", "resnet_block", ("image", (32, 3, 32, 32)),
     {"lr": 0.01, "momentum": 0.9}, "<= 1.2", 40),
    ("LSTM LM emb 1000x128, LSTM 128->256, seq 35, batch 20, SGD", "lstm_lm", ("tokens", (35, 20)), {"lr": 0.1},
     "<= 1.0", 60),
    ("ResNet-18 64x64, batch 8, SGD momentum", "resnet18", ("image", (8, 3, 64, 64)),
     {"lr": 0.01, "momentum": 0.9}, "<= 1.3", 16),
    # the other real-model rows (no target of their own: the goal is every step <= 1.0)
    ("ResNet-18 64x64, batch 4, SGD momentum", "resnet18", ("image", (4, 3, 64, 64)),
     {"lr": 0.01, "momentum": 0.9}, "goal <= 1.0", 16),
    ("ResNet-18 siamese pair, 2x4x3x64x64, contrastive, SGD momentum", "siamese_resnet18",
     ("pairs", (2, 4, 3, 64, 64)), {"lr": 0.01, "momentum": 0.9}, "goal <= 1.0", 12),
    ("MobileNetV2 64x64, batch 8, SGD momentum", "mobilenet_v2", ("image", (8, 3, 64, 64)),
     {"lr": 0.01, "momentum": 0.9}, "goal <= 1.0", 16),
    ("DenseNet-121 64x64, batch 4, SGD momentum", "densenet121", ("image", (4, 3, 64, 64)),
     {"lr": 0.01, "momentum": 0.9}, "goal <= 1.0", 12),
    ("DCGAN 64x64 (nz 100, ngf/ndf 64), batch 8, D and G steps, Adam", "dcgan", ("gan", (8, 3, 64, 64)), {},
     "goal <= 1.0", 10),
]


def _libs(which: str = "both") -> dict[str, Any]:
    sys.path.insert(0, HERE)
    libs: dict[str, Any] = {}
    if which in ("both", "torch"):
        import torch

        torch.set_num_threads(THREADS)
        libs["torch"] = torch
    if which in ("both", "brickwork"):
        import brickwork

        brickwork.set_num_threads(THREADS)
        libs["brickwork"] = brickwork
    return libs


def build(case: tuple, lib: Any, state: dict | None, seed: int = 0) -> tuple[Callable[[], Any], dict]:
    """A step function for ``lib`` on ``case`` (weights from ``state``, a name -> NumPy array dict, when
    given; otherwise PyTorch's seeded initialisation) and the weights it started from."""
    import _models

    _, factory, (kind, shape), opt_kwargs, _, _ = case
    if state is None:
        lib.manual_seed(seed)
    model = getattr(_models, factory)(lib)
    if state is not None:
        model.load_state_dict({k: lib.tensor(v.copy()) for k, v in state.items()})
    start = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(seed)
    if kind == "gan":
        return _gan_step(lib, model, shape, rng), start
    if kind == "pairs":
        return _pair_step(lib, model, shape, rng, opt_kwargs), start
    if kind == "tokens":
        x = lib.tensor(rng.integers(0, 1000, shape))
        y = lib.tensor(rng.integers(0, 1000, shape[0] * shape[1]))
    else:
        x = lib.tensor(rng.standard_normal(shape).astype(np.float32))
        y = lib.tensor(rng.integers(0, 10, shape[0]))
    opt = lib.optim.SGD(model.parameters(), **opt_kwargs)
    ce = lib.nn.functional.cross_entropy

    def step() -> Any:
        opt.zero_grad()
        out = model(x)
        loss = ce(out.reshape(-1, out.shape[-1]), y)
        loss.backward()
        opt.step()
        return loss

    return step, start


def _pair_step(lib: Any, model: Any, shape: tuple, rng: Any, opt_kwargs: dict) -> Callable[[], Any]:
    """A siamese step: both images of each pair through the shared encoder, a contrastive loss on the embeddings
    (same-class pairs pulled together, others pushed beyond a margin of 1)."""
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32))
    same = lib.tensor(rng.integers(0, 2, shape[1]).astype(np.float32))
    opt = lib.optim.SGD(model.parameters(), **opt_kwargs)

    def step() -> Any:
        opt.zero_grad()
        a, b = model(x)
        d2 = (a - b).pow(2).sum(1)
        far = (1.0 - (d2 + 1e-9).sqrt()).relu()
        loss = (same * d2 + (1 - same) * far * far).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def _gan_step(lib: Any, model: Any, shape: tuple, rng: Any) -> Callable[[], Any]:
    """One DCGAN iteration as PyTorch's example trains it: the discriminator on real images and on detached fakes,
    then the generator through the discriminator; BCE with logits, Adam(2e-4, betas (0.5, 0.999)) for each."""
    real = lib.tensor(rng.uniform(-1, 1, shape).astype(np.float32))
    noise = lib.tensor(rng.standard_normal((shape[0], 100, 1, 1)).astype(np.float32))
    ones, zeros = lib.ones(shape[0], 1), lib.zeros(shape[0], 1)
    opt_d = lib.optim.Adam(model.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = lib.optim.Adam(model.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = lib.nn.functional.binary_cross_entropy_with_logits

    def step() -> Any:
        opt_d.zero_grad()
        fake = model.G(noise)
        err_d = bce(model.D(real), ones) + bce(model.D(fake.detach()), zeros)
        err_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        err_g = bce(model.D(fake), ones)
        err_g.backward()
        opt_g.step()
        return err_d.detach() + err_g.detach()

    return step


def _pair(case: tuple) -> tuple[Callable[[], Any], Callable[[], Any]]:
    libs = _libs()
    theirs, start = build(case, libs["torch"], None)
    ours, _ = build(case, libs["brickwork"], start)
    return ours, theirs


def _child(mode: str, name: str, lib_name: str) -> None:
    """Run in a fresh process: print one JSON line (peak memory of a step, or the first step's time)."""
    case = next(c for c in CASES if c[0] == name)
    lib = _libs(lib_name)[lib_name]
    t0 = time.perf_counter()
    step, _ = build(case, lib, None)
    if mode == "first-step":
        t1 = time.perf_counter()
        step()
        t2 = time.perf_counter()
        step()
        t3 = time.perf_counter()
        print(json.dumps({"build_s": t1 - t0, "first_s": t2 - t1, "second_s": t3 - t2}))
        return
    base = _status("VmRSS")  # model, optimizer and batch built, no step run yet
    step()
    step()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM, the peak resident set size, to the current size (compilation left out)
    step()
    print(json.dumps({"peak_mb": (_status("VmHWM") - base) / 1024, "rss_mb": base / 1024}))


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    raise RuntimeError(f"/proc/self/status has no {key}")


def _run_child(mode: str, name: str, lib: str, env: dict | None = None) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode, name, lib]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", help="run only the rows whose name contains this text")
    p.add_argument("--threads", type=int, default=1, help="threads for both libraries (read before NumPy loads)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every row's number of repeats")
    p.add_argument("--memory", action="store_true", help="also measure ResNet-18's peak memory per step")
    p.add_argument("--first-step", action="store_true", help="also time each model's first step, fresh process")
    p.add_argument("--no-steps", action="store_true", help="skip the step timings")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    if args.child:
        _child(*args.child)
        return
    sys.path.insert(0, HERE)
    from _harness import machine, report
    from bench_train import check_same, markdown, timed

    cases = [c for c in CASES if not args.only or args.only in c[0]]
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if ln.startswith("Model name")), "?")
    parts = [f"CPU: {model}; machine: {machine()} (before)"]
    if not args.no_steps:
        rows, targets, checks = [], {}, []
        for case in cases:
            ours, theirs = _pair(case)
            checks.append(f"{case[0]}: {check_same(ours, theirs):.1e}")
            repeat = max(5, int(case[5] * args.scale))
            rows.append(timed(case[0], ours, theirs, repeat, max(1, min(10, repeat // 8))))
            targets[case[0]] = case[4]
            print(f"{case[0]}: wall {rows[-1]['ratio']:.2f}, CPU {rows[-1]['cpu_ratio']:.2f}", file=sys.stderr)
        parts.append((f"{THREADS} threads each (OpenBLAS, OpenMP, set_num_threads); the wall-clock ratio is the "
                      "one to read (CPU time adds up the threads)" if THREADS > 1 else
                      "One thread each (OpenBLAS, OpenMP, torch.set_num_threads(1)); the target is judged on the "
                      "thread-CPU-time ratio")
                     + "; per-step medians, interleaved in blocks of consecutive steps.\n\n"
                     + markdown(rows, targets)
                     + "\n\nLargest relative loss difference, brickwork vs PyTorch, first 3 steps: "
                     + "; ".join(checks))
    if args.memory:
        lines = ["| model | brickwork step peak above the built model (MB) | PyTorch (MB) | ratio |", "|---|---:|---:|---:|"]
        for case in cases:
            if "ResNet-18" not in case[0]:
                continue
            b, t = (_run_child("memory", case[0], lib)["peak_mb"] for lib in ("brickwork", "torch"))
            lines.append(f"| {case[0]} | {b:.1f} | {t:.1f} | {b / t:.2f} |")
        parts.append("Peak resident memory of one training step (fresh process per library, after two steps):\n\n"
                     + "\n".join(lines))
    if args.first_step:
        lines = ["| model | brickwork first step, empty Numba cache (s) | brickwork first step, cached (s) | "
                 "brickwork later step (s) | PyTorch first step (s) | PyTorch later step (s) |",
                 "|---|---:|---:|---:|---:|---:|"]
        for case in cases:
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, NUMBA_CACHE_DIR=cache)
                cold = _run_child("first-step", case[0], "brickwork", env)
                warm = _run_child("first-step", case[0], "brickwork", env)
            t = _run_child("first-step", case[0], "torch")
            lines.append(f"| {case[0]} | {cold['first_s']:.2f} | {warm['first_s']:.2f} | {warm['second_s']:.3f} | "
                         f"{t['first_s']:.2f} | {t['second_s']:.3f} |")
        parts.append("First training step in a fresh process (includes kernel compilation or loading, and "
                     "warm-up):\n\n" + "\n".join(lines))
    parts.append(f"Machine after: {machine()}. The machine is shared with other agents: read the ratios, not the "
                 "absolute times.")
    report("\n\n".join(parts), args.out)


if __name__ == "__main__":
    main()
