"""The ``brickwork`` command: ``demo`` (train a small CNN offline), ``info``, ``summary``, ``export`` (ONNX) and
``run`` (several ranks).

Run ``brickwork --help`` (or ``python -m brickwork --help``). Bad input ends with a one-line error and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from typing import Any, Sequence

__all__ = ["main", "demo_model"]


class UsageError(Exception):
    """A problem with the command line or its inputs, reported in one line."""


def demo_model() -> Any:
    """The demo's LeNet-style network, built from lazy layers (input sizes are inferred on first use).

    Example:
        >>> import brickwork as torch
        >>> demo_model()(torch.zeros(2, 1, 28, 28)).shape
        brickwork.Size([2, 10])
    """
    from . import nn

    return nn.Sequential(
        nn.LazyConv2d(8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.LazyConv2d(16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(10),
    )


def _device(name: str) -> Any:
    import brickwork

    if name == "auto":
        return brickwork.device("cuda" if brickwork.cuda.is_available() else "cpu")
    try:
        return brickwork.device(name)
    except (ValueError, RuntimeError, TypeError) as e:
        raise UsageError(f"--device {name!r}: {e}") from None


def _data(name: str, download: bool, train_size: int) -> tuple[Any, Any]:
    from . import datasets

    key = name.lower()
    if key == "synthetic":
        return (datasets.SyntheticDigits(train=True, size=train_size),
                datasets.SyntheticDigits(train=False, size=max(train_size // 6, 1000)))
    if key in ("mnist", "fashion-mnist", "fashionmnist"):
        cls = datasets.MNIST if key == "mnist" else datasets.FashionMNIST
        try:
            return cls(None, train=True, download=download), cls(None, train=False, download=download)
        except (OSError, RuntimeError, ValueError) as e:
            msg = str(e).splitlines()[0]
            if not download:  # the data set's own message speaks of the Python API; say the command's option
                msg = msg.replace("pass download=True", "add --download")
                if "--download" not in msg:
                    msg += " (add --download to fetch it; needs internet)"
            raise UsageError(msg) from None
    if os.path.isdir(name):
        if not os.access(name, os.R_OK | os.X_OK):
            raise UsageError(f"--data {name!r}: the folder is not readable")
        try:
            return datasets.MNIST(name, train=True), datasets.MNIST(name, train=False)
        except (OSError, RuntimeError, ValueError) as e:
            raise UsageError(f"--data {name!r}: {str(e).splitlines()[0]}") from None
    if os.path.exists(name):
        raise UsageError(f"--data {name!r}: expected a folder holding the MNIST IDX files, got a file")
    raise UsageError(f"--data {name!r}: expected 'synthetic', 'mnist', 'fashion-mnist' or a folder with MNIST files")


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return v

    return parse


def cmd_demo(args: argparse.Namespace) -> int:
    """Train the demo network, report test accuracy, save, reload into a fresh lazy model, compare."""
    import brickwork
    from brickwork import nn
    from brickwork.train import evaluate, fit, plot_history
    from brickwork.utils.data import DataLoader

    dev = _device(args.device)
    t0 = time.perf_counter()
    train, test = _data(args.data, args.download, args.train_size)
    brickwork.manual_seed(args.seed)
    print(f"brickwork {brickwork.__version__} demo: {len(train)} training and {len(test)} test images "
          f"({args.data}), device {dev}, {args.epochs} epoch(s); output folder {os.path.abspath(args.out)} "
          f"(--out)\n")
    model = demo_model().to(dev)
    brickwork.summary(model, (1, 1, 28, 28), device=dev)
    opt = brickwork.optim.Adam(model.parameters(), lr=args.lr)
    gen = brickwork.Generator().manual_seed(args.seed)
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=gen)
    test_loader = DataLoader(test, batch_size=512)
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, test_loader, args.epochs, device=dev)
    _, acc = evaluate(model, test_loader, None, dev)
    print(f"\ntest accuracy: {acc * 100:.2f}%")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "demo.safetensors")
    brickwork.save(model.state_dict(), path)
    fresh = demo_model().to(dev)
    fresh.load_state_dict(brickwork.load(path, map_location=dev))
    fresh.eval()
    model.eval()
    with brickwork.no_grad():
        x = next(iter(test_loader))[0].to(dev)
        same = brickwork.equal(model(x), fresh(x))
    print(f"saved {os.path.abspath(path)} ({os.path.getsize(path) / 1e6:.2f} MB); reloaded into a fresh lazy model: "
          f"predictions {'identical' if same else 'DIFFERENT'} on {len(x)} test images")
    if args.plot:
        print(f"plot: {plot_history(history, args.plot)}")
    print(f"total time {time.perf_counter() - t0:.1f} s")
    return 0 if same else 1


def cmd_info(args: argparse.Namespace) -> int:
    """Print version, backends and devices."""
    import numpy as np

    import brickwork
    from brickwork.backends import cpu_device_count

    print(f"brickwork {brickwork.__version__}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    n = cpu_device_count()
    print(f"cpu: numpy backend, {n} device(s){' (BRICKWORK_CPU_DEVICES)' if n > 1 else ''}")
    if brickwork.cuda.is_available():
        for i in range(brickwork.cuda.device_count()):
            print(f"cuda:{i}: {brickwork.cuda.get_device_name(i)} (cupy backend)")
    else:
        try:
            importlib.import_module("cupy")
            print("cuda: CuPy is installed but sees no CUDA device")
        except ImportError:
            print("cuda: not available (install 'brickwork[cuda12]' or 'brickwork[cuda13]' on a machine with an "
                  "NVIDIA GPU)")
    from importlib.metadata import PackageNotFoundError, version

    try:
        mpi = f"mpi4py {version('mpi4py')}"
        try:
            mpi += f" with the mpich wheel {version('mpich')}"
        except PackageNotFoundError:
            mpi += " (the system's MPI)"
        print(f"distributed: {mpi}; start ranks with `brickwork run --nproc-per-node N script.py`")
    except PackageNotFoundError:
        print("distributed: a world of one only (install 'brickwork[mpi]' for several processes)")
    return 0


def _factory(spec: str) -> Any:
    """The callable named by ``MODULE:FACTORY`` (the current directory is importable)."""
    mod_name, _, attr = spec.partition(":")
    if not mod_name or not attr:
        raise UsageError(f"expected MODULE:FACTORY (e.g. mypkg.models:make_net), got {spec!r}")
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(mod_name)
    except ImportError as e:
        raise UsageError(f"cannot import {mod_name!r}: {e}") from None
    except Exception as e:  # a module that fails while importing is the user's input, not our crash
        raise UsageError(f"importing {mod_name!r} failed: {type(e).__name__}: {_first_line(e)}") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise UsageError(f"{mod_name!r} has no callable {attr!r}")
    return factory


def _build(spec: str) -> Any:
    """Call the factory named by ``MODULE:FACTORY``; its failure is a one-line usage error."""
    factory = _factory(spec)
    try:
        return factory()
    except Exception as e:
        raise UsageError(f"{spec}() failed: {type(e).__name__}: {_first_line(e)}") from None


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the summary of a model built by ``MODULE:FACTORY``."""
    import brickwork

    model = _build(args.factory)
    size = tuple(args.input_size)
    try:
        brickwork.summary(model, size)  # prints the table itself (verbose=1)
    except Exception as e:
        raise UsageError(f"running {args.factory}() on an input of size {list(size)} failed: "
                         f"{type(e).__name__}: {_first_line(e)}; check --input-size") from None
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export the model built by ``MODULE:FACTORY`` to ONNX, traced on a random input of ``--input-size``."""
    import brickwork
    from brickwork.onnx import OnnxExporterError

    sizes = list(args.input_size)
    if args.output is None and sizes and not sizes[-1].isdigit():  # `--input-size 1 3 32 32 model.onnx`
        args.output = sizes.pop()
    if args.output is None:
        raise UsageError("name the .onnx file to write, e.g. brickwork export mod:make --input-size 1 3 32 32 m.onnx")
    try:
        args.input_size = [_positive(int)(v) for v in sizes]
    except argparse.ArgumentTypeError as e:
        raise UsageError(f"--input-size: {e}") from None
    model = _build(args.factory)
    if args.weights:
        model.load_state_dict(brickwork.load(args.weights))
    x = brickwork.randn(*args.input_size)
    dyn = None if args.static else {"input": {0: "batch"}, "output": {0: "batch"}}
    try:
        proto = brickwork.onnx.export(model, (x,), args.output, input_names=["input"], output_names=["output"],
                                      dynamic_axes=dyn, opset_version=args.opset)
    except (OnnxExporterError, ValueError) as e:
        raise UsageError(str(e)) from None
    except ModuleNotFoundError as e:
        raise UsageError(f"{e}; install the extra: pip install 'brickwork[onnx]'") from None
    print(f"wrote {args.output}: {len(proto.graph.node)} nodes, {len(proto.graph.initializer)} initializers, "
          f"opset {proto.opset_import[0].version}, input {tuple(args.input_size)}"
          f"{'' if args.static else ' (batch axis dynamic)'}")
    return 0


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else "(no message)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``brickwork`` command (every option's help shows its default).

    Example:
        >>> build_parser().parse_args(["demo", "--epochs", "1"]).epochs
        1
    """
    from . import __version__

    fmt = argparse.ArgumentDefaultsHelpFormatter
    p = argparse.ArgumentParser(prog="brickwork", formatter_class=fmt,
                                description="brickwork: deep learning with PyTorch's API on NumPy and CuPy")
    p.add_argument("--version", action="version", version=f"brickwork {__version__}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="{demo,info,summary,export,run}",
                           help="the command to run (brickwork COMMAND --help for its options)")
    d = sub.add_parser("demo", formatter_class=fmt,
                       help="train a small CNN on offline data and check a save/load round trip",
                       description="Train a small LeNet-style CNN, report test accuracy, save a checkpoint in "
                       "--out, reload it into a fresh lazy model and check the predictions are identical.")
    d.add_argument("--epochs", type=_positive(int), default=3, help="passes over the training set")
    d.add_argument("--batch-size", type=_positive(int), default=128, help="training images per step")
    d.add_argument("--train-size", type=_positive(int), default=12000, help="synthetic training images "
                   "(the test set is a sixth of it, at least 1000)")
    d.add_argument("--lr", type=_positive(float), default=3e-3, help="Adam's learning rate")
    d.add_argument("--device", default="auto", help="auto (a GPU when present), cpu, cuda or cuda:N")
    d.add_argument("--data", default="synthetic", help="synthetic (generated offline), mnist, fashion-mnist "
                   "(these two need --download the first time), or a folder holding the MNIST IDX files")
    d.add_argument("--download", action="store_true", help="download MNIST/Fashion-MNIST if missing "
                   "(needs internet)")
    d.add_argument("--plot", metavar="FILE", help="draw loss and accuracy curves to this PNG (needs matplotlib)")
    d.add_argument("--out", metavar="DIR", default="brickwork-demo",
                   help="the output folder: the checkpoint demo.safetensors is saved there")
    d.add_argument("--seed", type=int, default=0, help="seed of the initialization and the shuffling")
    d.set_defaults(func=cmd_demo)
    i = sub.add_parser("info", formatter_class=fmt, help="version, backends and devices",
                       description="Print the version, the backends and the devices brickwork sees.")
    i.set_defaults(func=cmd_info)
    s = sub.add_parser("summary", formatter_class=fmt,
                       help="print a model summary: brickwork summary MODULE:FACTORY --input-size ...",
                       description="Build a model by calling FACTORY from MODULE (imported from the current "
                       "folder or the Python path), run it once on zeros and print its layer table.")
    s.add_argument("factory", help="MODULE:FACTORY, a function of no arguments returning the model "
                   "(e.g. mypkg.models:make_net)")
    s.add_argument("--input-size", type=_positive(int), nargs="+", required=True, metavar="N",
                   default=argparse.SUPPRESS,
                   help="the input's shape, batch first (e.g. --input-size 1 3 32 32)")
    s.set_defaults(func=cmd_summary)
    e = sub.add_parser("export", formatter_class=fmt,
                       help="export to ONNX: brickwork export MODULE:FACTORY --input-size ... model.onnx",
                       description="Build a model by calling FACTORY from MODULE, trace it on a random input of "
                       "--input-size and write it as an ONNX file.")
    e.add_argument("factory", help="MODULE:FACTORY, a function returning the model")
    e.add_argument("output", nargs="?", help="the .onnx file to write (may also follow --input-size)")
    e.add_argument("--input-size", nargs="+", required=True, metavar="N",
                   help="the example input's shape, batch first")
    e.add_argument("--weights", metavar="FILE", help="a state dict to load first (brickwork.save's file)")
    e.add_argument("--opset", type=_positive(int), default=None, help="ONNX opset (None: 20, PyTorch's default)")
    e.add_argument("--static", action="store_true", help="fix the batch size (without it the batch axis is dynamic)")
    e.set_defaults(func=cmd_export)
    sub.add_parser("run", add_help=False, help="run a script on several processes: brickwork run --nproc-per-node "
                   "N script.py args (see brickwork run --help)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``brickwork`` command; returns the exit status.

    Example:
        >>> main(["info"]) == 0  # doctest: +ELLIPSIS
        brickwork ...
        True
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:  # the launcher parses its own arguments (the script's are passed on untouched)
        from .distributed.run import main as run_main

        return run_main(argv[1:])
    try:
        args = build_parser().parse_args(argv)
        try:
            status = int(args.func(args) or 0)
        except UsageError as e:
            print(f"brickwork {args.command}: error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"brickwork {args.command}: interrupted", file=sys.stderr)
            return 130
        sys.stdout.flush()  # a closed pipe shows up here rather than at interpreter exit
        return status
    except BrokenPipeError:
        # the reader went away (`brickwork info | head -1`): stop quietly, as the Python docs recommend, pointing
        # stdout at devnull so the interpreter's final flush does not complain again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
