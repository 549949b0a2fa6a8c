"""Pearson's correlation coefficient between predictions and targets, from running sums."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import RegressionMetric, identity

__all__ = ["PearsonCorrelation"]

_SUMS = ("_sum_of_y_preds", "_sum_of_ys", "_sum_of_y_pred_squares", "_sum_of_y_squares")


class PearsonCorrelation(RegressionMetric):
    """Pearson's r: ``cov(P, A) / max(std(P) * std(A), eps)``.

    Five running sums (of ``P``, ``A``, ``P^2``, ``A^2``, ``P*A``) in float64 and the count are
    enough, so nothing is stored per example and the value does not depend on how the data is
    split into batches. When either side is constant the denominator is clamped to ``eps`` and
    the value is 0 (scipy returns NaN).

    Args:
        eps: the smallest denominator, so constant inputs give 0 instead of NaN.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import PearsonCorrelation
        >>> metric = PearsonCorrelation()
        >>> metric.update((torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([2.0, 4.0, 5.0, 9.0])))
        >>> round(metric.compute(), 6)
        0.964764
    """

    _state_dict_all_req_keys = (*_SUMS, "_sum_of_products", "_num_examples", "_num_invalid")

    def __init__(
        self,
        eps: float = 1e-8,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps < 0:
            raise ValueError(
                f"PearsonCorrelation: argument eps should be a number >= 0, got {eps!r}"
            )
        self.eps = eps
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._sum_of_y_preds = self._zero()
        self._sum_of_ys = self._zero()
        self._sum_of_y_pred_squares = self._zero()
        self._sum_of_y_squares = self._zero()
        self._sum_of_products = self._zero()
        self._num_examples = 0
        self._reset_invalid()

    def _zero(self) -> torch.Tensor:
        return torch.zeros((), dtype=self._double_dtype, device=self._device)

    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        y_pred, y = self._float(y_pred), self._float(y)
        sums = torch.stack(
            [y_pred.sum(), y.sum(), y_pred.square().sum(), y.square().sum(), (y_pred * y).sum()]
        ).to(self._device)
        self._sum_of_y_preds += sums[0]
        self._sum_of_ys += sums[1]
        self._sum_of_y_pred_squares += sums[2]
        self._sum_of_y_squares += sums[3]
        self._sum_of_products += sums[4]
        self._num_examples += y.shape[0]

    @sync_all_reduce(*_SUMS, "_sum_of_products", "_num_examples", "_num_invalid")
    def compute(self) -> float:
        """Pearson's r over every example since the last reset."""
        n = self._num_examples
        if n == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        self._raise_if_invalid()
        mean_pred = self._sum_of_y_preds / n
        mean_y = self._sum_of_ys / n
        covariance = self._sum_of_products / n - mean_pred * mean_y
        var_pred = (self._sum_of_y_pred_squares / n - mean_pred.square()).clamp(min=0.0)
        var_y = (self._sum_of_y_squares / n - mean_y.square()).clamp(min=0.0)
        r = covariance / (var_pred * var_y).sqrt().clamp(min=self.eps)
        return float(r.item())
