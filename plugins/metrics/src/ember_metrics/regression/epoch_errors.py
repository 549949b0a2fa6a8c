"""Errors that need every value of the epoch at once: medians, and errors relative to the mean.

In the formulas ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, ``mean(A)`` the mean
of all targets and ``MD`` the median (the mean of the two middle values for an even count).
These metrics keep every prediction and target until ``compute`` (like Ignite's EpochMetric):
memory grows with the data set. Each takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.
"""

from __future__ import annotations

import torch

from ember_metrics.regression._base import StoredRegression, median

__all__ = [
    "GeometricMeanRelativeAbsoluteError",
    "MedianAbsoluteError",
    "MedianAbsolutePercentageError",
    "MedianRelativeAbsoluteError",
]


def _relative_to_mean(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``|A - P| / |A - mean(A)|``: the error relative to that of predicting the mean."""
    return (y - y_pred).abs() / (y - y.mean()).abs()


class MedianAbsoluteError(StoredRegression):
    """Median absolute error: ``MD(|A - P|)``.

    Example:
        >>> import torch
        >>> from ember_metrics import MedianAbsoluteError
        >>> metric = MedianAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0, 9.0]), torch.tensor([1.5, 2.0, 3.0, 3.0])))
        >>> metric.compute()
        0.75
    """

    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        return float(median((y - y_pred).abs()).item())


class MedianAbsolutePercentageError(StoredRegression):
    """Median absolute percentage error: ``100 * MD(|A - P| / |A|)``.

    A zero target gives an infinite relative error, which counts towards the median as such.

    Example:
        >>> import torch
        >>> from ember_metrics import MedianAbsolutePercentageError
        >>> metric = MedianAbsolutePercentageError()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.5]), torch.tensor([2.0, 2.0, 3.0])))
        >>> metric.compute()
        50.0
    """

    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        return float(100.0 * median((y - y_pred).abs() / y.abs()).item())


class MedianRelativeAbsoluteError(StoredRegression):
    """Median relative absolute error: ``MD(|A - P| / |A - mean(A)|)``.

    Example:
        >>> import torch
        >>> from ember_metrics import MedianRelativeAbsoluteError
        >>> metric = MedianRelativeAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 1.0, 8.0]), torch.tensor([0.0, 1.0, 5.0])))
        >>> metric.compute()
        0.5
    """

    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        return float(median(_relative_to_mean(y_pred, y)).item())


class GeometricMeanRelativeAbsoluteError(StoredRegression):
    """Geometric mean relative absolute error: ``exp(mean(ln(|A - P| / |A - mean(A)|)))``.

    Example:
        >>> import torch
        >>> from ember_metrics import GeometricMeanRelativeAbsoluteError
        >>> metric = GeometricMeanRelativeAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 5.0]), torch.tensor([0.0, 4.0])))
        >>> round(metric.compute(), 6)
        0.5
    """

    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        return float(_relative_to_mean(y_pred, y).log().mean().exp().item())
