"""Losses (``mse_loss``, ``cross_entropy``, ``binary_cross_entropy``, ``kl_div``...): in `brickwork.ops.loss`."""

from __future__ import annotations

from ...ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,
                         l1_loss, mse_loss, nll_loss, smooth_l1_loss)

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]
