"""Cohen's kappa: agreement between predicted and true labels beyond chance.

Example:
    >>> import torch
    >>> from ember_metrics.classification.cohen_kappa import CohenKappa
    >>> kappa = CohenKappa()
    >>> kappa.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
    >>> kappa.compute()
    0.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember.metric.reduction import get_collective_hooks
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    check_class_indices,
    clear_deferred_checks,
    detach_pair,
    raise_deferred_checks,
    shape_of,
)
from ember_metrics.classification.matthews import labels_confusion_matrix

__all__ = ["CohenKappa"]

_WEIGHTS = (None, "linear", "quadratic")


def kappa_from_confusion(matrix: torch.Tensor, weights: str | None) -> float:
    """Cohen's kappa ``1 - sum(W * observed) / sum(W * expected)`` from a confusion matrix.

    ``W`` is 1 off the diagonal (``weights=None``), ``|i - j|`` (linear) or ``(i - j)²``
    (quadratic), with classes at their label values. When chance already explains all
    agreement (a single class), kappa is undefined and 0 is returned, as in PyTorch-Ignite.

    Example:
        >>> import torch
        >>> kappa_from_confusion(torch.tensor([[2.0, 1.0], [0.0, 1.0]]), None)
        0.5
    """
    matrix = matrix.to(torch.float64)
    total = matrix.sum()
    if total == 0:
        raise NotComputableError(
            "CohenKappa must have at least one example before it can be computed"
        )
    index = torch.arange(matrix.shape[0], device=matrix.device, dtype=torch.float64)
    distance = index.unsqueeze(1) - index.unsqueeze(0)
    if weights is None:
        weight = (distance != 0).to(torch.float64)
    elif weights == "linear":
        weight = distance.abs()
    else:
        weight = distance**2
    expected = matrix.sum(dim=1, keepdim=True) * matrix.sum(dim=0, keepdim=True) / total
    expected_disagreement = (weight * expected).sum()
    if expected_disagreement == 0:
        return 0.0
    return float(1.0 - (weight * matrix).sum() / expected_disagreement)


class CohenKappa(Metric):
    """Cohen's kappa between predicted labels ``y_pred`` and true labels ``y``.

    ``update`` takes label tensors of shape ``(N,)`` (or ``(N, 1)``) holding class indices.
    With ``num_classes`` the metric counts a ``(C, C)`` confusion matrix on ``device`` and keeps
    nothing else; without it, it keeps every label of the period and takes the classes to be
    ``0..max label`` at ``compute``. The value is that of ``sklearn.metrics.cohen_kappa_score``
    with ``labels=range(C)``: weighted distances are between label values.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        weights: ``None`` (unweighted), ``"linear"`` or ``"quadratic"`` disagreement weights.
        check_compute_fn: accepted for compatibility with PyTorch-Ignite; the computation
            cannot fail on valid input, so there is nothing to check.
        device: where the counts or labels are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.
        num_classes: the number of classes ``C``, when known: constant memory.

    Example:
        >>> import torch
        >>> from ember_metrics import CohenKappa
        >>> kappa = CohenKappa(weights="quadratic", num_classes=4)
        >>> kappa.update((torch.tensor([0, 1, 2, 3, 3]), torch.tensor([0, 1, 3, 3, 2])))
        >>> round(kappa.compute(), 4)
        0.8529
    """

    _state_dict_all_req_keys = ("_confusion", "_predictions", "_targets")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        weights: str | None = None,
        check_compute_fn: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
        num_classes: int | None = None,
    ) -> None:
        if weights not in _WEIGHTS:
            raise ValueError(
                f"CohenKappa: argument weights is {weights!r}; expected None, 'linear' or "
                f"'quadratic'"
            )
        if num_classes is not None and (
            isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2
        ):
            raise ValueError(
                f"CohenKappa: argument num_classes should be None or an int >= 2, got "
                f"{num_classes!r}"
            )
        self.weights = weights
        self.num_classes = num_classes
        self._check_compute_fn = check_compute_fn
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update."""
        # Without num_classes the labels are kept instead and the matrix stays empty.
        size = self.num_classes or 0
        self._confusion = torch.zeros(size, size, dtype=torch.int64, device=self._device)
        self._predictions: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        clear_deferred_checks(self)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch of labels ``(y_pred, y)``."""
        owner = "CohenKappa.update"
        y_pred, y = detach_pair(owner, output)
        if y_pred.ndim == 2 and y_pred.shape[1] == 1:
            y_pred = y_pred.squeeze(1)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.squeeze(1)
        if y_pred.ndim != 1 or y.shape != y_pred.shape:
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}; "
                f"expected label tensors of the same shape (N,) (multilabel input is not "
                f"supported; turn scores into labels first, e.g. in output_transform)"
            )
        check_class_indices(self, y_pred, self.num_classes, owner, "y_pred")
        check_class_indices(self, y, self.num_classes, owner, "y")
        if self.num_classes is None:
            self._predictions.append(y_pred.to(self._device, torch.int64, copy=True))
            self._targets.append(y.to(self._device, torch.int64, copy=True))
            return
        size = self._confusion.shape[0]
        # Clamped so that a bad index flagged on an accelerator cannot write out of bounds.
        index = (y.long() * size + y_pred.long()).clamp(0, size * size - 1)
        counts = torch.zeros(size * size, dtype=torch.int64, device=index.device)
        counts.scatter_add_(0, index, torch.ones_like(index))
        self._confusion += counts.view(size, size).to(self._device)

    @sync_all_reduce("_confusion")
    def compute(self) -> float:
        """Cohen's kappa over every update since ``reset``, a float."""
        raise_deferred_checks(self)
        if self.num_classes is not None:
            return kappa_from_confusion(self._confusion, self.weights)
        hooks = get_collective_hooks()
        distributed = hooks.get_world_size() > 1
        local = (
            (torch.cat(self._predictions), torch.cat(self._targets)) if self._predictions else None
        )
        parts = [p for p in (hooks.all_gather(local) if distributed else [local]) if p is not None]
        if not parts:
            raise NotComputableError(
                "CohenKappa must have at least one example before it can be computed"
            )
        predicted = torch.cat([p.to(self._device) for p, _ in parts])
        target = torch.cat([t.to(self._device) for _, t in parts])
        return kappa_from_confusion(labels_confusion_matrix(predicted, target), self.weights)
