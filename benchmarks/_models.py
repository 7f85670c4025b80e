"""The models the training-step benchmarks time, each written once for both libraries (``lib`` is the module,
``brickwork`` or ``torch``)."""

from __future__ import annotations

from typing import Any


def mlp(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.Linear(784, 256), lib.nn.ReLU(), lib.nn.Linear(256, 10))


def lenet5(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def transformer(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True),
                         nn.Linear(128, 10))
