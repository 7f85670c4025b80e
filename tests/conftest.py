"""Shared test setup: the ``device`` parameter and the ``cuda`` marker.

A test that takes a ``device`` argument runs once per available device: ``'cpu'``; also ``'cpu:1'`` when
``BRICKWORK_CPU_DEVICES`` > 1 (a virtual device, with real copies to and from the host); also ``'cuda'`` when
CuPy sees a GPU. On a CPU-only machine with the default environment this is ``['cpu']`` alone, so
parametrizing a test adds no cases. Tests marked ``@pytest.mark.cuda`` are skipped without a GPU.
"""

from __future__ import annotations

import pytest

import brickwork
from brickwork.backends import cpu_device_count


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
