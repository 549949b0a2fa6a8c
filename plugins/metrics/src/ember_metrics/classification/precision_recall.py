"""Precision and recall, per class or averaged, for binary, multiclass and multilabel input.

Both count true positives per class (or per label, or per sample); precision divides them by
the predicted positives, recall by the actual positives. A class with nothing to divide by
scores 0, as scikit-learn's ``zero_division=0``.

Example:
    >>> import torch
    >>> from ember_metrics.classification.precision_recall import Precision, Recall
    >>> y_pred, y = torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])
    >>> precision, recall = Precision(average="macro"), Recall(average="macro")
    >>> precision.update((y_pred, y)); recall.update((y_pred, y))
    >>> precision.compute(), recall.compute()
    (0.8333333333333333, 0.75)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics._optional_numpy import numpy as _numpy  # plain batches
from ember_metrics._shape_agreement import agree_on_shapes
from ember_metrics.classification._base import BaseClassification, identity
from ember_metrics.classification._input_checks import checked_on_host, raise_deferred_checks

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Precision", "Recall"]

_AVERAGES = ("micro", "macro", "weighted", "samples")
_PAIR_COUNT_LIMIT = 64  # classes up to which a C x C count of (target, predicted) pairs is cheap


def _same_device(tensor: torch.Tensor, device: torch.device) -> bool:
    """``tensor.device == device``, without building a device object in the common CPU case."""
    if tensor.is_cpu:
        return device.type == "cpu"
    return tensor.device == device


def _ratio(numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
    """``numerator / denominator``, 0 where the denominator is 0 (sklearn's zero_division=0)."""
    return torch.where(denominator > 0, numerator / denominator, 0.0)


def _per_class_counts(
    input_type: str,
    y_pred: torch.Tensor,
    y: torch.Tensor,
    per_sample: bool,
    two_classes: bool,
    needed: tuple[bool, bool] = (True, True),
    predicted: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """``(true positives, predicted positives, actual positives)`` of one batch, as int64.

    Per class for multiclass input, per label (or per sample) for multilabel input, and for
    binary input either for the positive class alone or for classes 0 and 1. ``needed`` says
    whether the predicted and the actual positives are used: an unneeded one may be ``None``.
    ``predicted``: the arg-max of multiclass scores, when the caller has it already.
    """
    if input_type == "multiclass":
        num_classes = y_pred.shape[1]
        if predicted is None:
            predicted = y_pred.argmax(dim=1).flatten()
        if checked_on_host(predicted) and num_classes <= _PAIR_COUNT_LIMIT:
            # One bincount of (target, predicted) pairs gives all three counts; class indices
            # on the CPU were checked already. (bincount would synchronise on an accelerator.)
            pairs = torch.bincount(
                predicted.add(y.flatten().long(), alpha=num_classes),
                minlength=num_classes * num_classes,
            ).view(num_classes, num_classes)
            predicted_positives = pairs.sum(dim=0) if needed[0] else None
            return pairs.diagonal(), predicted_positives, pairs.sum(dim=1) if needed[1] else None
        # Out-of-range targets have been reported (or flagged on the device); clamping keeps
        # scatter_add_ from indexing out of bounds before compute() raises.
        target = y.flatten().long().clamp(0, num_classes - 1)
        zeros = torch.zeros(num_classes, dtype=torch.int64, device=y_pred.device)
        ones = torch.ones_like(predicted)
        true_pos = zeros.scatter_add(0, target, (predicted == target).long())
        return true_pos, zeros.scatter_add(0, predicted, ones), zeros.scatter_add(0, target, ones)
    predicted, target = y_pred == 1, y == 1
    if input_type == "multilabel":
        num_labels = y_pred.shape[1]
        predicted = predicted.movedim(1, -1).reshape(-1, num_labels)
        target = target.movedim(1, -1).reshape(-1, num_labels)
        dim = 1 if per_sample else 0
        return (predicted & target).sum(dim), predicted.sum(dim), target.sum(dim)
    true_pos, pred_pos, actual_pos = (predicted & target).sum(), predicted.sum(), target.sum()
    if not two_classes:
        return true_pos, pred_pos, actual_pos
    total = predicted.numel()
    true_neg = total - pred_pos - actual_pos + true_pos
    return (
        torch.stack([true_neg, true_pos]),
        torch.stack([total - pred_pos, pred_pos]),
        torch.stack([total - actual_pos, actual_pos]),
    )


def _was_updated(metric: _PrecisionRecall) -> bool:
    return metric._updated


class _PrecisionRecall(BaseClassification):
    _state_dict_all_req_keys = (
        "_numerator",
        "_denominator",
        "_weight",
        "_updated",
        "_type",
        "_num_classes",
    )
    _divides_by_predicted: bool

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        average: bool | str | None = False,
        is_multilabel: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if not (average is None or isinstance(average, bool) or average in _AVERAGES):
            raise ValueError(
                f"{type(self).__name__}: argument average is {average!r}; expected False, None, "
                f"True or one of {', '.join(repr(a) for a in _AVERAGES)}"
            )
        self._average: bool | str | None = "macro" if average is True else average
        super().__init__(
            output_transform,
            is_multilabel=is_multilabel,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update."""
        self._numerator: int | torch.Tensor = 0
        self._denominator: int | torch.Tensor = 0
        self._weight: int | torch.Tensor = 0
        self._updated = False
        self._reset_input_type()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add the counts of one batch ``(y_pred, y)``."""
        plain = self._plain_multiclass(output)
        if plain is not None:
            if self._add_plain_counts(*plain):
                return
            predicted: torch.Tensor | None = torch.from_numpy(plain[0])
            y_pred, y = output
        else:
            predicted = None
            y_pred, y = self._checked_input(output)
        input_type = self._type
        assert input_type is not None  # set by _checked_input
        if self._average == "samples" and input_type != "multilabel":
            raise ValueError(
                f"{type(self).__name__}.update: the input is {input_type}, but "
                f"average='samples' needs multilabel input (is_multilabel=True)"
            )
        true_pos, pred_pos, actual_pos = _per_class_counts(
            input_type,
            y_pred,
            y,
            per_sample=self._average == "samples",
            two_classes=self._average is not False,
            needed=(
                self._divides_by_predicted,
                not self._divides_by_predicted or self._average == "weighted",
            ),
            predicted=predicted,
        )
        positives = pred_pos if self._divides_by_predicted else actual_pos
        assert positives is not None  # asked for above
        device, dtype = self._device, self._double_dtype
        if self._average == "samples":
            per_sample = _ratio(true_pos.to(dtype), positives)
            self._numerator += per_sample.sum().to(device, dtype)
            self._denominator += per_sample.numel()
        elif self._average == "micro":
            self._numerator += true_pos.sum().to(device, dtype)
            self._denominator += positives.sum().to(device, dtype)
        elif isinstance(self._numerator, torch.Tensor) and _same_device(true_pos, device):
            # After the first update: add the int64 counts in place (no float64 copies).
            self._numerator += true_pos
            self._denominator += positives
            if self._average == "weighted":
                assert actual_pos is not None  # asked for above
                self._weight += actual_pos
        else:
            self._numerator = self._numerator + true_pos.to(device, dtype)
            self._denominator = self._denominator + positives.to(device, dtype)
            if self._average == "weighted":
                assert actual_pos is not None  # asked for above
                self._weight = self._weight + actual_pos.to(device, dtype)
        self._updated = True

    def _add_plain_counts(self, predicted: NDArray[Any], target: NDArray[Any]) -> bool:
        """Add the per-class counts of a plain multiclass batch (numpy views, see
        :meth:`_plain_multiclass`) to counters on the CPU, in place; False if the counters are
        not per-class tensors on the CPU (the first update, ``average`` "micro" or "samples").
        """
        numerator = self._numerator
        if (
            self._average in ("micro", "samples")
            or type(numerator) is not torch.Tensor
            or not numerator.is_cpu
        ):
            return False
        size = self._num_classes
        denominator = self._denominator
        assert isinstance(denominator, torch.Tensor)  # set together with the numerator
        numerator.numpy()[:] += _numpy.bincount(target[predicted == target], minlength=size)
        positives = predicted if self._divides_by_predicted else target
        denominator.numpy()[:] += _numpy.bincount(positives, minlength=size)
        if self._average == "weighted":
            weight = self._weight
            assert isinstance(weight, torch.Tensor)  # set together with the numerator
            weight.numpy()[:] += _numpy.bincount(target, minlength=size)
        return True

    # A process without updates still holds the int zeros of reset(): agree on the counts'
    # shapes (and on being updated) first, so that every process reduces the same tensors.
    @agree_on_shapes(
        "_numerator", "_denominator", "_weight", has_data=_was_updated, flag="_updated"
    )
    @sync_all_reduce("_numerator", "_denominator", "_weight")
    def compute(self) -> torch.Tensor | float:
        """The metric per class (``average`` False or None) or averaged (a float)."""
        raise_deferred_checks(self)
        if not self._updated:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        if self._average == "samples":
            if self._denominator == 0:
                raise NotComputableError(
                    f"{type(self).__name__} must have at least one sample before it can be "
                    f"computed with average='samples'"
                )
            return float(self._numerator / self._denominator)
        fraction = _ratio(torch.as_tensor(self._numerator), torch.as_tensor(self._denominator))
        if self._average == "weighted":
            weight = torch.as_tensor(self._weight)
            return float(_ratio((fraction * weight).sum(), weight.sum()))
        if self._average == "micro":
            return float(fraction)
        if self._average == "macro":
            return float(fraction.mean())
        return fraction


class Precision(_PrecisionRecall):
    """Precision ``TP / (TP + FP)``: the share of predicted positives that are right.

    Inputs as for :class:`~ember_metrics.classification.accuracy.Accuracy`: binary (0 and 1),
    multiclass (scores ``(N, C, ...)`` and class indices ``(N, ...)``) or multilabel
    (``is_multilabel=True``, 0 and 1 of shape ``(N, C, ...)``). Extra dimensions ``...`` count
    as more samples. A class that was never predicted has precision 0.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        average: how the per-class values are combined:

            - ``False`` (default): per class (multiclass) or per label (multilabel) as a float64
              tensor; for binary input the precision of the positive class, a 0-d tensor;
            - ``None``: like ``False``, but binary input gives both classes, ``[class 0, class 1]``
              (as scikit-learn's ``average=None``);
            - ``"micro"``: from the true and predicted positives of all classes together (equal
              to accuracy for binary and multiclass input);
            - ``"macro"`` (or ``True``): the unweighted mean over classes (binary input: over
              both classes);
            - ``"weighted"``: the mean over classes weighted by their number of actual
              positives;
            - ``"samples"``: multilabel input only; the mean over samples of each sample's
              precision over its labels.

            Averaged values are floats.
        is_multilabel: whether the input is multilabel.
        device: where the counters are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import Precision
        >>> y_true = torch.tensor([2, 0, 2, 1, 0])
        >>> y_pred = torch.tensor([
        ...     [0.03, 0.17, 0.31], [0.69, 0.40, 0.82], [0.92, 0.02, 0.84],
        ...     [0.18, 0.27, 0.61], [0.84, 0.72, 0.73],
        ... ])
        >>> per_class, macro = Precision(), Precision(average=True)
        >>> per_class.update((y_pred, y_true)); macro.update((y_pred, y_true))
        >>> per_class.compute()
        tensor([0.5000, 0.0000, 0.3333], dtype=torch.float64)
        >>> macro.compute()
        0.27777777777777773
    """

    _divides_by_predicted = True


class Recall(_PrecisionRecall):
    """Recall ``TP / (TP + FN)``: the share of actual positives that are found.

    Inputs and ``average`` as for :class:`Precision`, with "weighted" weighing classes by their
    actual positives as well. A class without actual positives has recall 0.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        average: ``False`` (default), ``None``, ``"micro"``, ``"macro"`` (or ``True``),
            ``"weighted"`` or ``"samples"``; see :class:`Precision`.
        is_multilabel: whether the input is multilabel.
        device: where the counters are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import Recall
        >>> y_true = torch.tensor([[0, 0, 1], [0, 0, 0], [1, 0, 0], [0, 1, 1]])
        >>> y_pred = torch.tensor([[1, 1, 0], [1, 0, 1], [1, 0, 1], [1, 1, 0]])
        >>> per_label = Recall(is_multilabel=True)
        >>> samples = Recall(is_multilabel=True, average="samples")
        >>> per_label.update((y_pred, y_true)); samples.update((y_pred, y_true))
        >>> per_label.compute()
        tensor([1., 1., 0.], dtype=torch.float64)
        >>> samples.compute()
        0.375
    """

    _divides_by_predicted = False
