"""Accuracy: the share of correct predictions, for binary, multiclass and multilabel input.

Example:
    >>> import torch
    >>> from ember_metrics.classification.accuracy import Accuracy
    >>> accuracy = Accuracy()
    >>> accuracy.update((torch.tensor([[0.9, 0.1], [0.3, 0.7]]), torch.tensor([0, 0])))
    >>> accuracy.compute()
    0.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.classification._base import BaseClassification, identity
from ember_metrics.classification._input_checks import checked_on_host, raise_deferred_checks
from ember_metrics.classification._plain_batches import plain_multiclass_hits

__all__ = ["Accuracy"]


class Accuracy(BaseClassification):
    """The share of correct predictions: ``(TP + TN) / (TP + TN + FP + FN)``.

    ``update`` takes ``(y_pred, y)``:

    - binary: ``y_pred`` and ``y`` of shape ``(N, ...)`` (or ``y_pred`` of shape
      ``(N, 1, ...)``) holding 0 and 1; every element counts as one prediction;
    - multiclass: scores ``y_pred`` of shape ``(N, C, ...)`` and class indices ``y`` of shape
      ``(N, ...)``; the prediction is the arg-max over ``C``;
    - multilabel (``is_multilabel=True``): ``y_pred`` and ``y`` of shape ``(N, C, ...)`` holding
      0 and 1; a prediction is correct when all its ``C`` labels are (subset accuracy).

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        is_multilabel: whether the input is multilabel.
        device: where the counters are kept; set it to the inputs' device so that ``update``
            never copies between devices.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    ``compute`` returns a float.

    Example:
        >>> import torch
        >>> from ember_metrics import Accuracy
        >>> acc = Accuracy()
        >>> y_pred = torch.tensor([[10.0, 0.1, -1.0], [2.0, -1.0, -2.0], [1.0, -1.0, 4.0]])
        >>> acc.update((y_pred, torch.tensor([0, 1, 2])))
        >>> acc.compute()
        0.6666666666666666
        >>> multilabel = Accuracy(is_multilabel=True)
        >>> labels = torch.tensor([[1, 0, 1], [0, 1, 0]])
        >>> multilabel.update((torch.tensor([[1, 0, 1], [0, 1, 1]]), labels))
        >>> multilabel.compute()
        0.5
    """

    _state_dict_all_req_keys = ("_num_correct", "_num_examples", "_type", "_num_classes")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        is_multilabel: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            output_transform,
            is_multilabel=is_multilabel,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update.

        Example:
            >>> import torch
            >>> from ember_metrics import Accuracy
            >>> acc = Accuracy()
            >>> acc.update((torch.tensor([1, 0]), torch.tensor([1, 1])))
            >>> acc.reset()
            >>> acc._num_examples
            0
        """
        self._cpu_counters = self._device.type == "cpu"  # read on every update: kept as a bool
        # On the CPU the count is a Python int (adding to it costs nothing); elsewhere a tensor
        # on the device, so that update never waits for the device.
        self._num_correct: int | torch.Tensor = (
            0 if self._cpu_counters else torch.tensor(0, dtype=torch.int64, device=self._device)
        )
        self._num_examples = 0
        self._reset_input_type()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Count the correct predictions of one batch ``(y_pred, y)``.

        Example:
            >>> import torch
            >>> from ember_metrics import Accuracy
            >>> acc = Accuracy()
            >>> acc.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1])))
            >>> acc._num_examples
            3
        """
        if self._cpu_counters and self._type == "multiclass":
            hits = plain_multiclass_hits(output, self._num_classes)
            if hits is not None:  # a checked plain batch, counted on the host
                self._num_correct += hits[0]
                self._num_examples += hits[1]
                return
        correct = self._correct(*self._checked_input(output))
        count = torch.count_nonzero(correct)
        if self._cpu_counters and checked_on_host(count):
            self._num_correct += int(count)  # a host value already: reading it costs nothing
        else:  # a tensor on the counters' device: update never waits for an accelerator
            self._num_correct = self._num_correct + count.to(self._device)
        self._num_examples += correct.numel()

    def _correct(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Whether each prediction of a checked batch is right."""
        if self._type == "multiclass":
            correct = y_pred.argmax(dim=1) == y
        elif self._type == "multilabel":
            num_labels = y_pred.shape[1]
            per_label = (y_pred == y).movedim(1, -1).reshape(-1, num_labels)
            correct = per_label.all(dim=-1)
        else:
            correct = y_pred == y
        return correct

    @sync_all_reduce("_num_correct", "_num_examples")
    def compute(self) -> float:
        """The share of correct predictions since ``reset``.

        Example:
            >>> import torch
            >>> from ember_metrics import Accuracy
            >>> acc = Accuracy()
            >>> acc.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 1, 1, 1])))
            >>> acc.compute()
            0.75
        """
        raise_deferred_checks(self)
        if self._num_examples == 0:
            raise NotComputableError(
                "Accuracy must have at least one example before it can be computed"
            )
        return int(self._num_correct) / self._num_examples
