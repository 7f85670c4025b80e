"""A small training loop with progress bars: `fit`, `evaluate` and `plot_history`.

It is the loop every tutorial writes by hand (forward, loss, backward, step), plus a tqdm bar per epoch that
shows loss, accuracy and samples per second, and a history to plot.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from ._tensor import Tensor
from .autograd.grad_mode import no_grad

__all__ = ["fit", "evaluate", "plot_history", "History"]


class History(dict):
    """Per-epoch metrics: ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``, ``seconds``, ``samples_per_s``.

    Example:
        >>> h = History(); h.log(train_loss=1.0); h["train_loss"]
        [1.0]
    """

    def log(self, **values: float) -> None:
        """Append one value per metric."""
        for k, v in values.items():
            self.setdefault(k, []).append(float(v))


def _to(batch: Any, device: Any) -> Any:
    if isinstance(batch, Tensor):
        return batch if device is None else batch.to(device)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(b, device) for b in batch)
    return batch


def _correct(out: Tensor, y: Tensor) -> int:
    if out.ndim >= 2 and y.ndim == out.ndim - 1 and not y.is_floating_point():
        return int((out.argmax(1) == y).sum().item())
    return 0


def evaluate(model: Any, loader: Iterable, loss_fn: Callable | None = None, device: Any = None) -> tuple[float, float]:
    """Mean loss (nan without ``loss_fn``) and accuracy of ``model`` over ``loader``, in eval mode.

    Example:
        >>> import brickwork as torch
        >>> from brickwork import nn
        >>> from brickwork.utils.data import DataLoader, TensorDataset
        >>> data = TensorDataset(torch.randn(8, 3), torch.randint(0, 2, (8,)))
        >>> loss, acc = evaluate(nn.Linear(3, 2), DataLoader(data, batch_size=4), nn.CrossEntropyLoss())
        >>> 0.0 <= acc <= 1.0
        True
    """
    was_training = getattr(model, "training", False)
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    with no_grad():
        for x, y in loader:
            x, y = _to(x, device), _to(y, device)
            out = model(x)
            n = int(y.shape[0])
            if loss_fn is not None:
                loss_sum += float(loss_fn(out, y).item()) * n
            correct += _correct(out, y)
            total += n
    model.train(was_training)
    return (loss_sum / total if loss_fn is not None and total else float("nan")), (correct / total if total else 0.0)


def fit(model: Any, loss_fn: Callable, optimizer: Any, train_loader: Iterable, val_loader: Iterable | None = None,
        epochs: int = 1, *, device: Any = None, scheduler: Any = None, progress: bool = True) -> History:
    """Train ``model`` for ``epochs`` and return the `History` of losses and accuracies.

    Each epoch shows a tqdm bar with the running loss, accuracy and samples per second; ``scheduler.step()`` is
    called once per epoch when given.

    Example:
        >>> import brickwork as torch
        >>> from brickwork import nn
        >>> from brickwork.utils.data import DataLoader, TensorDataset
        >>> data = TensorDataset(torch.randn(32, 3), torch.randint(0, 2, (32,)))
        >>> model = nn.Linear(3, 2)
        >>> h = fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
        ...         DataLoader(data, batch_size=8), epochs=2, progress=False)
        >>> len(h["train_loss"])
        2
    """
    from tqdm.auto import tqdm

    history = History()
    for epoch in range(1, epochs + 1):
        model.train()
        seen, correct, loss_sum, start = 0, 0, 0.0, time.perf_counter()
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{epochs}", unit="batch", disable=not progress,
                   dynamic_ncols=True, leave=True)
        for x, y in bar:
            x, y = _to(x, device), _to(y, device)
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            n = int(y.shape[0])
            seen += n
            loss_sum += float(loss.item()) * n
            correct += _correct(out.detach(), y)
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}",
                            samples_s=f"{seen / (time.perf_counter() - start):.0f}")
        seconds = time.perf_counter() - start
        values = dict(train_loss=loss_sum / max(seen, 1), train_acc=correct / max(seen, 1), seconds=seconds,
                      samples_per_s=seen / seconds if seconds else 0.0)
        if val_loader is not None:
            values["val_loss"], values["val_acc"] = evaluate(model, val_loader, loss_fn, device)
        history.log(**values)
        if progress and val_loader is not None:
            bar.write(f"epoch {epoch}: val_loss {values['val_loss']:.4f}  val_acc {values['val_acc']:.4f}")
        if scheduler is not None:
            scheduler.step()
    return history


def plot_history(history: dict, path: str) -> str:
    """Draw loss and accuracy curves per epoch to a PNG file (needs matplotlib) and return the path.

    Example:
        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "h.png")
        >>> plot_history({"train_loss": [1.0, 0.5], "train_acc": [0.5, 0.8]}, p) == p  # doctest: +SKIP
        True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise RuntimeError("plotting needs matplotlib: pip install 'brickwork[plot]' (or pip install matplotlib)") \
            from None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    for key, ax in (("loss", ax1), ("acc", ax2)):
        for split in ("train", "val"):
            ys = history.get(f"{split}_{key}")
            if ys:
                ax.plot(range(1, len(ys) + 1), ys, marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("loss" if key == "loss" else "accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("brickwork training")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
