"""Absolute and signed errors: MAE, MSE, RMSE, mean error, maximum and geometric mean error.

In the formulas ``A`` is the target ``y`` and ``P`` the prediction ``y_pred``.
"""

from __future__ import annotations

import math

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import ErrorSum, RegressionMetric

__all__ = [
    "GeometricMeanAbsoluteError",
    "MaximumAbsoluteError",
    "MeanAbsoluteError",
    "MeanError",
    "MeanSquaredError",
    "RootMeanSquaredError",
]


class MeanAbsoluteError(ErrorSum):
    """Mean absolute error: ``sum(|A - P|) / N``.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, ...)``; the absolute errors of one
    example are summed and the result is averaged over the ``N`` examples (Ignite's rule), so for
    ``(N,)`` inputs this is the usual mean absolute error.

    Args:
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import MeanAbsoluteError
        >>> metric = MeanAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 3.0])))
        >>> metric.compute()
        0.5
    """

    _input_shape = "batch"
    _plain_errors = "absolute"

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y_pred - y).abs()


class MeanSquaredError(ErrorSum):
    """Mean squared error: ``sum((A - P)^2) / N``.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, ...)``; the squared errors of one
    example are summed and the result is averaged over the ``N`` examples (Ignite's rule).

    Args:
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import MeanSquaredError
        >>> metric = MeanSquaredError()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 3.0])))
        >>> metric.compute()
        0.4166666666666667
    """

    _input_shape = "batch"
    _plain_errors = "squared"

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y_pred - y).square()


class RootMeanSquaredError(MeanSquaredError):
    """Root mean squared error: ``sqrt(sum((A - P)^2) / N)``.

    Inputs as for :class:`MeanSquaredError`.

    Example:
        >>> import torch
        >>> from ember_metrics import RootMeanSquaredError
        >>> metric = RootMeanSquaredError()
        >>> metric.update((torch.tensor([0.0, 3.0]), torch.tensor([4.0, 0.0])))
        >>> metric.compute()
        3.5355339059327378
    """

    def _value(self, total: torch.Tensor, count: int) -> float:
        return math.sqrt(float((total / count).item()))


class MeanError(ErrorSum):
    """Mean error (bias): ``sum(A - P) / N``; positive when the predictions are too low.

    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import MeanError
        >>> metric = MeanError()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 3.0])))
        >>> metric.compute()
        -0.16666666666666666
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return y - y_pred


class GeometricMeanAbsoluteError(ErrorSum):
    """Geometric mean absolute error: ``exp(sum(ln|A - P|) / N)``.

    One exact prediction makes the value 0. ``update`` takes ``(y_pred, y)`` of shape ``(N,)``
    or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import GeometricMeanAbsoluteError
        >>> metric = GeometricMeanAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 2.0]), torch.tensor([2.0, 6.0])))
        >>> round(metric.compute(), 6)
        2.0
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred).abs().log()

    def _value(self, total: torch.Tensor, count: int) -> float:
        return float(torch.exp(total / count).item())


class MaximumAbsoluteError(RegressionMetric):
    """Maximum absolute error: ``max |A - P|`` over every example.

    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``. The running maximum stays
    on the metric's device (``update`` never waits for it).

    Example:
        >>> import torch
        >>> from ember_metrics import MaximumAbsoluteError
        >>> metric = MaximumAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 3.0])))
        >>> metric.compute()
        1.0
    """

    _state_dict_all_req_keys = ("_max_of_absolute_errors", "_num_examples", "_num_invalid")

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._max_of_absolute_errors = torch.zeros(
            (), dtype=self._double_dtype, device=self._device
        )
        self._num_examples = 0
        self._reset_invalid()

    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        largest = (self._float(y_pred) - self._float(y)).abs().max().to(self._device)
        self._max_of_absolute_errors = torch.maximum(self._max_of_absolute_errors, largest)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_max_of_absolute_errors:MAX", "_num_examples", "_num_invalid")
    def compute(self) -> float:
        """The largest absolute error since the last reset."""
        if self._num_examples == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        self._raise_if_invalid()
        return float(self._max_of_absolute_errors.item())
