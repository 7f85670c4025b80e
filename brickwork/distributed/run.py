"""The launcher: ``brickwork run --nproc-per-node N script.py args`` (or ``python -m brickwork.distributed.run``).

It starts ``N`` ranks with ``mpiexec`` (the one installed beside this Python by ``brickwork[mpi]``, else the first
on ``PATH``), and each rank sets torchrun's variables (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) before running the script as ``__main__``; like torchrun it sets
``OMP_NUM_THREADS=1`` unless already set, so N ranks do not each start a BLAS thread per core. A rank whose
script raises prints its traceback and aborts the whole job at once, so a failure never hangs the others in a
collective. ``mpiexec -n 8 -hosts a,b python -m brickwork.distributed.run --rank-main train.py`` and Slurm's
``srun`` work too, and so does plain ``mpiexec python train.py`` (ranks then come from MPI).
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from typing import Sequence

from ._env import placement

__all__ = ["main", "build_parser", "mpiexec_command"]


def build_parser() -> argparse.ArgumentParser:
    """The launcher's command line, with torchrun's option names.

    Example:
        >>> build_parser().parse_args(["--nproc-per-node", "2", "train.py", "--lr", "0.1"]).script_args
        ['--lr', '0.1']
    """
    p = argparse.ArgumentParser(prog="brickwork run", description="Run a script on several processes (ranks) "
                                "under MPI, with torchrun's environment variables.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, metavar="N",
                   help="ranks to start on this machine (default 1)")
    p.add_argument("--hosts", default=None, help="comma-separated hosts for mpiexec (ranks are spread over them)")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1",
                   help="MASTER_ADDR for the ranks (NCCL's rendezvous without MPI uses it)")
    p.add_argument("--master-port", "--master_port", type=int, default=0,
                   help="MASTER_PORT (default: a free port)")
    p.add_argument("--mpiexec", default=None, help="the mpiexec to use (default: beside this Python, else PATH)")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    p.add_argument("--rank-main", action="store_true", help=argparse.SUPPRESS)  # inside each rank
    p.add_argument("script", help="the training script (or module with -m)")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")
    return p


def _find_mpiexec(given: str | None) -> str:
    if given:
        return given
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise SystemExit("brickwork run: no mpiexec found; install MPI with `pip install brickwork[mpi]` (it puts "
                         "mpiexec beside python) or load your cluster's MPI module")
    return found


def _is_open_mpi(mpiexec: str) -> bool:
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "Open MPI" in out.stdout + out.stderr or "OpenRTE" in out.stdout + out.stderr


def _free_port(addr: str) -> int:
    with socket.socket() as s:
        s.bind((addr if addr not in ("localhost",) else "127.0.0.1", 0))
        return int(s.getsockname()[1])


def mpiexec_command(args: argparse.Namespace, mpiexec: str, open_mpi: bool) -> list[str]:
    """The ``mpiexec`` command line that starts the ranks.

    Open MPI needs ``--allow-run-as-root`` (as root) and ``--oversubscribe`` (more ranks than cores) and ``-x``
    to pass variables on; MPICH's hydra needs none of them and passes the whole environment.

    Example:
        >>> a = build_parser().parse_args(["--nproc-per-node", "2", "t.py"])
        >>> mpiexec_command(a, "mpiexec", False)[:3]
        ['mpiexec', '-n', '2']
    """
    cmd = [mpiexec, "-n", str(args.nproc_per_node)]
    if args.hosts:
        cmd += ["-hosts" if not open_mpi else "--host", args.hosts]
    if open_mpi:
        cmd += ["--oversubscribe", "-x", "MASTER_ADDR", "-x", "MASTER_PORT", "-x", "PYTHONPATH"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-run-as-root")
    cmd += [sys.executable, "-m", "brickwork.distributed.run", "--rank-main"]
    if args.module:
        cmd.append("-m")
    return cmd + [args.script, *args.script_args]


def _rank_main(args: argparse.Namespace) -> int:
    """Inside one rank: set torchrun's variables, run the script, and abort the job if it raises."""
    where = placement()
    if where is None or where.size == 0:
        from ._mpi import mpi_module

        MPI = mpi_module()
        rank, size = (MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()) if MPI is not None else (0, 1)
        local_rank, local_size = rank, size
    else:
        rank, size, local_rank = where.rank, where.size, where.local_rank
        local_size = where.local_size or size
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(size), LOCAL_RANK=str(local_rank),
                      LOCAL_WORLD_SIZE=str(local_size), GROUP_RANK=str(rank // max(local_size, 1)))
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    sys.argv = [args.script, *args.script_args]
    try:
        if args.module:
            runpy.run_module(args.script, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(args.script)))
            runpy.run_path(args.script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if code:
            _abort(rank, code, None)
        return code
    except BaseException:
        _abort(rank, 1, traceback.format_exc())
    return 0


def _abort(rank: int, code: int, tb: str | None) -> None:
    """End the whole job now: MPI's abort when MPI is running, else leave with ``code`` (the launcher then stops
    the other ranks)."""
    if tb is not None:
        sys.stderr.write(f"[rank {rank}] the script raised; ending the job:\n{tb}")
    sys.stderr.flush()
    sys.stdout.flush()
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        # mpiexec forwards each rank's output through pipes and kills the job on abort: give its forwarder a
        # moment to pass the traceback on (on a loaded machine it was sometimes lost otherwise)
        time.sleep(0.5)
        mpi.COMM_WORLD.Abort(code)
    if placement() is not None and placement().under_mpi:  # type: ignore[union-attr]
        # before MPI started, an exit status alone does not stop the other ranks (hydra waits for them), but a
        # rank killed by a signal makes every launcher end the job
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the launcher (``brickwork run ...``); returns the job's exit status.

    Example:
        >>> callable(main)
        True
    """
    args = build_parser().parse_args(argv)
    if args.rank_main:
        return _rank_main(args)
    if args.nproc_per_node < 1:
        raise SystemExit(f"brickwork run: --nproc-per-node must be at least 1, got {args.nproc_per_node}")
    mpiexec = _find_mpiexec(args.mpiexec)
    env = dict(os.environ)
    env["MASTER_ADDR"] = args.master_addr
    env["MASTER_PORT"] = str(args.master_port or _free_port(args.master_addr))
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"):
        env.pop(k, None)  # each rank sets its own
    if args.nproc_per_node > 1 and "OMP_NUM_THREADS" not in env:
        # as torchrun does: N ranks each running a BLAS thread per core would oversubscribe the machine (OpenBLAS
        # reads OMP_NUM_THREADS too); the ranks import NumPy before the script runs, so it must be set here
        env["OMP_NUM_THREADS"] = "1"
        print("brickwork run: setting OMP_NUM_THREADS=1 for each rank (set it yourself to choose another number)",
              file=sys.stderr)
    cmd = mpiexec_command(args, mpiexec, _is_open_mpi(mpiexec))
    try:
        return subprocess.run(cmd, env=env).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
