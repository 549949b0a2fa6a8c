"""The mean cosine similarity between predicted and target vectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.nn.functional import cosine_similarity

from ember.metric import reinit__is_reduced
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import check_real, describe_shape, unpack_pair
from ember_metrics.similarity._base import RunningMean

__all__ = ["CosineSimilarity"]


class CosineSimilarity(RunningMean):
    """Mean cosine similarity of matching rows: ``mean_i <P_i, A_i> / (|P_i| |A_i|)``.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, D)`` or ``(N, D1, D2, ...)``; each
    example is flattened into one vector. Norms below ``eps`` are raised to ``eps``
    (:func:`torch.nn.functional.cosine_similarity`), so a zero vector has similarity 0.

    Args:
        eps: the smallest norm, to avoid dividing by zero.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import CosineSimilarity
        >>> metric = CosineSimilarity()
        >>> y_pred = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> y = torch.tensor([[0.0, 2.0], [3.0, 3.0]])
        >>> metric.update((y_pred, y))
        >>> round(metric.compute(), 6)
        0.5
    """

    def __init__(
        self,
        eps: float = 1e-8,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps <= 0:
            raise ValueError(f"CosineSimilarity: argument eps should be a number > 0, got {eps!r}")
        self.eps = eps
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)``."""
        cls = type(self).__name__
        y_pred, y = unpack_pair(cls, output)
        for name, value in (("y_pred", y_pred), ("y", y)):
            check_real(cls, name, value)
            if value.ndim < 2:
                raise ValueError(
                    f"{cls}.update: {name} has shape {describe_shape(value)}; expected (N, D) or "
                    f"(N, D1, D2, ...), one vector per example"
                )
        if y_pred.shape != y.shape:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(y_pred)} but y has shape "
                f"{describe_shape(y)}; expected both of the same shape (N, D, ...)"
            )
        self._record_invalid([torch.isnan(y_pred).sum(), torch.isnan(y).sum()])
        y_pred = y_pred.flatten(start_dim=1).to(self._double_dtype)
        y = y.flatten(start_dim=1).to(self._double_dtype)
        similarities = cosine_similarity(y_pred, y, dim=1, eps=self.eps)
        self._add(similarities.sum(), y.shape[0])
