"""MeanAveragePrecision: the area under the precision-recall curve, averaged over classes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced
from ember.metric.reduction import get_collective_hooks
from ember_metrics.classification._input_checks import (
    check_binary,
    check_class_indices,
    check_no_nan,
    check_same_input_type,
    clear_deferred_checks,
    detach_pair,
    detect_input_type,
    raise_deferred_checks,
)
from ember_metrics.detection._base import parse_thresholds
from ember_metrics.regression._base import identity

__all__ = ["MeanAveragePrecision", "step_average_precision"]

_CLASS_MEANS = ("micro", "macro", "weighted", None)


def step_average_precision(
    y_true: torch.Tensor, scores: torch.Tensor, rec_thresholds: torch.Tensor | None
) -> torch.Tensor:
    """Average precision ``sum_k (r_k - r_{k-1}) P_k`` of one class, as a float64 scalar.

    Without ``rec_thresholds`` the sum runs over the distinct scores taken as thresholds
    (scikit-learn's ``average_precision_score``); with them, ``P_k`` is the precision at the
    highest threshold whose recall reaches ``r_k`` (0 if none does). Recall is 1 everywhere
    when the class has no positive sample.
    """
    order = torch.argsort(scores, descending=True, stable=True)
    sorted_scores = scores[order]
    hits = y_true[order].to(torch.float64).cumsum(0)
    # One point per distinct score: the last sample of each run of equal scores.
    ends = torch.cat(
        [(sorted_scores[1:] != sorted_scores[:-1]).nonzero().squeeze(1), torch.tensor([-1])]
    ) % max(len(scores), 1)
    if len(scores) == 0:
        return torch.zeros((), dtype=torch.float64)
    true_positives = hits[ends]
    precision = true_positives / (ends + 1).to(torch.float64)
    positives = hits[-1]
    recall = true_positives / positives if positives > 0 else torch.ones_like(precision)
    if rec_thresholds is None:
        steps = torch.diff(recall, prepend=torch.zeros(1, dtype=torch.float64))
        return (steps * precision).sum()
    first_reaching = torch.searchsorted(recall, rec_thresholds, side="left")
    reached = first_reaching < len(recall)
    readings = precision[first_reaching.clamp(max=len(recall) - 1)].where(reached, 0.0)
    steps = torch.diff(rec_thresholds, prepend=torch.zeros(1, dtype=torch.float64))
    return (steps * readings).sum()


class MeanAveragePrecision(Metric):
    """Mean average precision of scored classification predictions (binary, multiclass or
    multilabel), as PyTorch-Ignite's ``MeanAveragePrecision``.

    For each class, samples are ranked by decreasing score and the average precision is
    ``sum_k (r_k - r_{k-1}) P_k``, the area under the step precision-recall curve over the
    distinct scores (scikit-learn's ``average_precision_score``), or over ``rec_thresholds``
    when given. ``class_mean`` decides how classes combine.

    ``update`` takes ``(y_pred, y)``: binary ``y_pred`` ``(N, ...)`` of positive-class scores
    and ``y`` ``(N, ...)`` of 0/1; multiclass ``y_pred`` ``(N, C, ...)`` and ``y`` ``(N, ...)``
    of class indices; multilabel (``is_multilabel=True``) ``y_pred`` and ``y`` ``(N, C, ...)``.
    Scores are kept (float64) until ``compute``, which gathers them from every process.

    Args:
        rec_thresholds: recall thresholds in [0, 1] (any order); ``None`` uses every distinct
            score.
        class_mean: ``"macro"`` (the mean over classes), ``"weighted"`` (weighted by each
            class's number of positives), ``"micro"`` (one curve of all (sample, class) pairs)
            or ``None`` (a tensor with one value per class; 0 for a class without positives).
            Ignored for binary input.
        is_multilabel: ``y`` has the shape of ``y_pred``, one 0/1 column per label.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the scores are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``compute`` returns a float for binary input and a float64 tensor otherwise (0-dimensional
    unless ``class_mean=None``).

    Example:
        >>> import torch
        >>> from ember_metrics import MeanAveragePrecision
        >>> metric = MeanAveragePrecision()
        >>> y_pred = torch.tensor(
        ...     [[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.5, 0.1, 0.4], [0.2, 0.3, 0.5]]
        ... )
        >>> metric.update((y_pred, torch.tensor([0, 1, 2, 1])))
        >>> round(metric.compute().item(), 4)
        0.8333
    """

    _state_dict_all_req_keys = ("_y_pred", "_y_true", "_type", "_num_classes")

    def __init__(
        self,
        rec_thresholds: Sequence[float] | torch.Tensor | None = None,
        class_mean: Literal["micro", "macro", "weighted"] | None = "macro",
        is_multilabel: bool = False,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        cls = type(self).__name__
        if class_mean not in _CLASS_MEANS:
            raise ValueError(
                f"{cls}: argument class_mean should be one of {list(_CLASS_MEANS)}, got "
                f"{class_mean!r}"
            )
        self.rec_thresholds = (
            None
            if rec_thresholds is None
            else parse_thresholds(cls, "rec_thresholds", rec_thresholds, torch.empty(0))
        )
        self.class_mean = class_mean
        self._is_multilabel = bool(is_multilabel)
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._y_pred: list[torch.Tensor] = []
        self._y_true: list[torch.Tensor] = []
        self._type: str | None = None
        self._num_classes: int | None = None
        clear_deferred_checks(self)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Keep one batch ``(y_pred, y)`` of scores and targets."""
        owner = f"{type(self).__name__}.update"
        y_pred, y = detach_pair(owner, output)
        if not y_pred.is_floating_point():
            raise TypeError(
                f"{owner}: y_pred has dtype {y_pred.dtype}; expected floating point scores"
            )
        input_type, num_classes = detect_input_type(owner, y_pred, y, self._is_multilabel)
        check_no_nan(self, y_pred, owner)
        if input_type == "multiclass":
            check_class_indices(self, y, num_classes, owner)
            targets = y.reshape(-1).to(self._device, torch.int64)
        else:
            check_binary(self, y, owner, "y")
            # Binary (N, ...) or (N, 1, ...) has a single class; multilabel (N, C, ...) has C.
            rows = y.reshape(1, -1) if input_type == "binary" else y.transpose(0, 1)
            targets = rows.reshape(num_classes, -1).to(self._device, torch.uint8)
        check_same_input_type(self, owner, input_type, num_classes)
        if input_type == "binary":
            scores = y_pred.reshape(1, -1)
        else:
            scores = y_pred.transpose(0, 1).reshape(num_classes, -1)
        self._y_pred.append(scores.to(self._device, self._double_dtype))
        self._y_true.append(targets)

    def _gathered(self) -> tuple[str, int, torch.Tensor, torch.Tensor]:
        """Input type, number of classes, scores ``(C, n)`` and targets of every process."""
        local = None
        if self._type is not None and self._num_classes is not None:
            local = (
                self._type,
                self._num_classes,
                torch.cat(self._y_pred, dim=-1).cpu(),
                torch.cat(self._y_true, dim=-1).cpu(),
            )
        hooks = get_collective_hooks()
        parts = hooks.all_gather(local) if hooks.get_world_size() > 1 else [local]
        present = [p for p in parts if p is not None]
        if not present:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        kinds = {(p[0], p[1]) for p in present}
        if len(kinds) > 1:
            raise ValueError(
                f"{type(self).__name__}: the processes saw different input types or numbers of "
                f"classes {sorted(kinds)}; expected the same in every process"
            )
        input_type, num_classes = present[0][0], present[0][1]
        scores = torch.cat([p[2] for p in present], dim=-1)
        targets = torch.cat([p[3] for p in present], dim=-1)
        return input_type, num_classes, scores, targets

    def compute(self) -> float | torch.Tensor:
        """Average precision: a float for binary input, otherwise a float64 tensor."""
        raise_deferred_checks(self)
        input_type, num_classes, scores, targets = self._gathered()
        if input_type == "multiclass":
            targets = torch.nn.functional.one_hot(targets, num_classes).T
        if self.class_mean == "micro":
            scores, targets = scores.reshape(1, -1), targets.reshape(1, -1)
        positives = targets.sum(dim=-1).to(torch.float64)
        per_class = torch.stack(
            [
                step_average_precision(targets[c], scores[c].to(torch.float64), self.rec_thresholds)
                for c in range(len(scores))
            ]
        )
        if input_type == "binary":
            return float(per_class[0])
        if self.class_mean is None:
            return per_class.to(self._device)
        if self.class_mean == "weighted":
            return ((positives * per_class).sum() / positives.sum()).to(self._device)
        return per_class.mean().to(self._device)
