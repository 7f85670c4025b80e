"""Shared test setup: the ``device`` parameter and the ``cuda`` marker.

A test that takes a ``device`` argument runs once per available device: ``'cpu'``; also ``'cpu:1'`` when
``BRICKWORK_CPU_DEVICES`` > 1 (a virtual device, with real copies to and from the host); also ``'cuda'`` when
CuPy sees a GPU. On a CPU-only machine with the default environment this is ``['cpu']`` alone, so
parametrizing a test adds no cases. Tests marked ``@pytest.mark.cuda`` are skipped without a GPU.

``fake_cuda`` gives two stand-in CUDA devices without a GPU: devices of type ``'cuda'`` whose arrays are NumPy
arrays, with real copies to and from the host, to test the CUDA code paths that do not need CuPy itself.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np
import pytest

import brickwork
from brickwork import backends
from brickwork.backends import cpu_device_count


@pytest.fixture(autouse=True)
def _no_leaf_hooks_yet() -> None:
    """Each test starts as a process without leaf hooks would (backward delivers leaf gradients at its end);
    a test that registers a leaf hook switches on the counting of leaf uses for itself."""
    from brickwork._tensor import LEAF_HOOKS

    LEAF_HOOKS[0] = False


def available_devices() -> list[str]:
    """The devices a ``device``-parametrized test runs on, in this process's environment."""
    out = ["cpu"]
    if cpu_device_count() > 1:
        out.append("cpu:1")
    if brickwork.cuda.is_available():
        out.append("cuda")
    return out


DEVICES = available_devices()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cuda: needs a CUDA GPU with CuPy (skipped otherwise)")
    config.addinivalue_line("markers", "standin: runs GPU code paths on the CuPy stand-in in subprocesses "
                            "(BRICKWORK_CUDA_STANDIN=1); in the default suite, deselect with -m 'not standin'")
    config.addinivalue_line("markers", "mpi: starts several processes under mpiexec (skipped without mpi4py); "
                            "runs in the default suite, deselect with -m 'not mpi'")


def _devices_line() -> str:
    notes = []
    if "cpu:1" not in DEVICES:
        notes.append("cpu:1 needs BRICKWORK_CPU_DEVICES=2")
    if "cuda" not in DEVICES:
        notes.append("cuda needs a GPU and CuPy")
    why = f" (not run: {'; '.join(notes)})" if notes else ""
    return f"brickwork devices for device-parametrized tests: {', '.join(DEVICES)}{why}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say at the top of a run (without ``-q``) which brickwork it tests and on which devices."""
    return [f"brickwork {brickwork.__version__} from {brickwork.__file__}", _devices_line()]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say it again at the end, where ``-q`` runs (the default addopts) show it too."""
    terminalreporter.write_line(_devices_line())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "cuda" in DEVICES:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU and CuPy (pip install 'brickwork[cuda12]')")
    for item in items:
        if item.get_closest_marker("cuda") is not None:
            item.add_marker(skip)


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """Each available device in turn (see the module docstring)."""
    return request.param


class FakeGPU(backends.Backend):
    """A stand-in for CuPy: NumPy arrays (or ``xp``'s) on devices of type 'cuda', copied to and from the host.

    Records the devices made current and synchronized, so tests can check that code switches devices.
    """

    name = "fake-cuda"

    def __init__(self, xp: Any = np) -> None:
        self.xp = xp
        self.current: list[int | None] = []
        self.synced: list[int | None] = []

    def to_host(self, array: Any) -> np.ndarray:
        return np.array(array, copy=True)

    def from_host(self, array: Any, index: int | None) -> Any:
        return np.array(array, copy=True)

    def make_current(self, index: int | None) -> None:
        self.current.append(index)

    def synchronize(self, index: int | None = None) -> None:
        self.synced.append(index)


@pytest.fixture
def install_fake_cuda(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeGPU]]:
    """A function installing two stand-in CUDA devices (cuda:0, cuda:1) for the test, given an array module."""
    def install(xp: Any = np) -> FakeGPU:
        fake = FakeGPU(xp)
        monkeypatch.setattr(backends, "_backends", {"cpu": backends._NUMPY, "cuda": fake})
        monkeypatch.setattr(backends, "_interned", {k: v for k, v in backends._interned.items() if k[0] == "cpu"})
        monkeypatch.setattr(backends, "cuda_device_count", lambda: 2)
        return fake

    yield install
    backends._state.cuda_index = 0  # this thread's current CUDA device, set by the test


@pytest.fixture
def fake_cuda(install_fake_cuda: Callable[..., FakeGPU]) -> FakeGPU:
    """Two stand-in CUDA devices, cuda:0 and cuda:1, whose arrays are NumPy arrays (see :class:`FakeGPU`)."""
    return install_fake_cuda()
