"""The coefficient of determination R², from running sums."""

from __future__ import annotations

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import RegressionMetric

__all__ = ["R2Score"]


class R2Score(RegressionMetric):
    """Coefficient of determination: ``1 - sum((A - P)^2) / sum((A - mean(A))^2)``.

    ``A`` is the target ``y`` and ``P`` the prediction ``y_pred``. Running sums in float64 (of the
    squared errors, of ``A`` and of ``A^2``) and the count are kept. ``compute`` needs at least
    two examples. R² is undefined for constant targets: expect NaN, ``-inf`` or a large negative
    number from rounding (scikit-learn returns 1.0 or 0.0 there by convention).

    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import R2Score
        >>> metric = R2Score()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 3.0, 5.0])))
        >>> metric.compute()
        0.75
    """

    _state_dict_all_req_keys = (
        "_num_examples",
        "_sum_of_errors",
        "_y_sq_sum",
        "_y_sum",
        "_num_invalid",
    )

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._num_examples = 0
        self._sum_of_errors = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._y_sq_sum = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._y_sum = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._reset_invalid()

    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        y_pred, y = self._float(y_pred), self._float(y)
        sums = torch.stack([(y_pred - y).square().sum(), y.sum(), y.square().sum()])
        sums = sums.to(self._device)
        self._sum_of_errors += sums[0]
        self._y_sum += sums[1]
        self._y_sq_sum += sums[2]
        self._num_examples += y.shape[0]

    @sync_all_reduce("_num_examples", "_sum_of_errors", "_y_sq_sum", "_y_sum", "_num_invalid")
    def compute(self) -> float:
        """R² over every example since the last reset."""
        n = self._num_examples
        if n < 2:
            raise NotComputableError(
                f"{type(self).__name__} must have at least two examples before it can be "
                f"computed, got {n}"
            )
        self._raise_if_invalid()
        total = (self._y_sq_sum - self._y_sum.square() / n).clamp(min=0.0)
        return float((1 - self._sum_of_errors / total).item())
