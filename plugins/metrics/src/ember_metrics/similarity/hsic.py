"""The Hilbert-Schmidt Independence Criterion between two batches of features."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.metric import reinit__is_reduced
from ember_metrics.regression._base import identity, median
from ember_metrics.regression._checks import check_real, describe_shape, unpack_pair
from ember_metrics.similarity._base import RunningMean

__all__ = ["HSIC"]


def _gaussian_gram(features: torch.Tensor, sigma: float) -> torch.Tensor:
    """``exp(-|x_i - x_j|^2 / (2 v))`` with ``v = sigma^2``, or the median squared distance."""
    squared = torch.cdist(features, features).square()
    variance = median(squared) if sigma < 0 else sigma**2
    return torch.exp(-0.5 * squared / variance)


class HSIC(RunningMean):
    """Hilbert-Schmidt Independence Criterion between ``y_pred`` (X) and ``y`` (Y), per batch.

    Each batch of ``b`` examples gives the unbiased estimator of Song et al. (2012) with Gaussian
    kernels ``K``, ``L`` whose diagonals are zeroed::

        HSIC = (tr(KL) + sum(K) sum(L) / ((b-1)(b-2)) - 2 sum(KL) / (b-2)) / (b (b-3))

    clamped at 0. The metric is the mean of the batches' values, so unlike most metrics it
    depends on how the data is split into batches (as in Ignite).

    Args:
        sigma_x: bandwidth of X's kernel; negative: the median of the squared pairwise
            distances of the batch (the median heuristic) is the kernel's variance.
        sigma_y: the same for Y.
        ignore_invalid_batch: skip batches of fewer than 4 examples (the estimator needs 4);
            ``False`` raises ``ValueError`` for them.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``update`` takes ``(y_pred, y)`` of shapes ``(b, ...)`` with the same ``b``; each example is
    flattened into one vector.

    Example:
        >>> import torch
        >>> from ember_metrics import HSIC
        >>> metric = HSIC()
        >>> x = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
        >>> metric.update((x, 2 * x))
        >>> round(metric.compute(), 6)
        0.097419
    """

    _counted = "batch"

    def __init__(
        self,
        sigma_x: float = -1,
        sigma_y: float = -1,
        ignore_invalid_batch: bool = True,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        for name, sigma in (("sigma_x", sigma_x), ("sigma_y", sigma_y)):
            if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or sigma == 0:
                raise ValueError(
                    f"HSIC: argument {name} should be a positive bandwidth, or negative for the "
                    f"median heuristic; got {sigma!r}"
                )
        self.sigma_x = sigma_x
        self.sigma_y = sigma_y
        self.ignore_invalid_batch = ignore_invalid_batch
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add the HSIC of one batch ``(y_pred, y)``."""
        cls = type(self).__name__
        x, y = unpack_pair(cls, output)
        for name, value in (("y_pred", x), ("y", y)):
            check_real(cls, name, value)
            if value.ndim < 2:
                raise ValueError(
                    f"{cls}.update: {name} has shape {describe_shape(value)}; expected (b, D) or "
                    f"(b, D1, D2, ...), one feature vector per example"
                )
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(x)} but y has shape "
                f"{describe_shape(y)}; expected the same number of examples b in both"
            )
        b = x.shape[0]
        if b < 4:
            if self.ignore_invalid_batch:
                return
            raise ValueError(
                f"{cls}.update: the batch has {b} example(s); expected at least 4 (or pass "
                f"ignore_invalid_batch=True to skip such batches)"
            )
        self._record_invalid([torch.isnan(x).sum(), torch.isnan(y).sum()])
        x = x.flatten(start_dim=1).to(self._double_dtype)
        y = y.flatten(start_dim=1).to(self._double_dtype)
        off_diagonal = 1.0 - torch.eye(b, dtype=x.dtype, device=x.device)
        k = _gaussian_gram(x, self.sigma_x) * off_diagonal
        gram_y = _gaussian_gram(y, self.sigma_y) * off_diagonal
        kl = k @ gram_y
        value = (
            kl.trace() + k.sum() * gram_y.sum() / ((b - 1) * (b - 2)) - 2.0 * kl.sum() / (b - 2)
        ) / (b * (b - 3))
        self._add(value.clamp(min=0.0), 1)
