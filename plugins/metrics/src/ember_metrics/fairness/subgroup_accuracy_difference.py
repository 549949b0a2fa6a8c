"""SubgroupAccuracyDifference: the largest gap in accuracy between two groups of samples."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.classification._base import BaseClassification, identity
from ember_metrics.classification._input_checks import raise_deferred_checks
from ember_metrics.fairness._groups import (
    GROUP_KEYS,
    checked_grouped_input,
    parse_groups,
    per_group,
    spread,
)

__all__ = ["SubgroupAccuracyDifference"]


class SubgroupAccuracyDifference(BaseClassification):
    """The largest difference in accuracy between two groups: ``max - min`` of the groups'
    :class:`~ember_metrics.Accuracy` (overall accuracy equality).

    Gives the value of ``SubgroupDifference(Accuracy(is_multilabel=...), groups)`` but counts
    the correct predictions of each group on the metric's device, so that ``update`` never
    waits for it. ``update`` takes ``(y_pred, y, group_labels)``: ``y_pred`` and ``y`` as for
    :class:`~ember_metrics.Accuracy` (binary, multiclass, or multilabel with subset accuracy),
    and a 1-D integer tensor ``group_labels`` of shape ``(N,)``. ``compute`` returns a float
    over the groups with samples since ``reset``; with fewer than two:
    :class:`~ember.exceptions.NotComputableError`.

    Args:
        groups: the group identifiers, distinct ints; a label outside them is an error.
        is_multilabel: whether the input is multilabel.
        output_transform: maps the engine's output to ``(y_pred, y, group_labels)``.
        device: where the counts are kept.

    Example:
        >>> import torch
        >>> from ember_metrics import SubgroupAccuracyDifference
        >>> metric = SubgroupAccuracyDifference(groups=[0, 1])
        >>> y_pred = torch.tensor([[0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.2, 0.8]])
        >>> y = torch.tensor([0, 1, 1, 1])
        >>> group_labels = torch.tensor([0, 0, 1, 1])  # accuracy 1.0 and 0.5
        >>> metric.update((y_pred, y, group_labels))
        >>> metric.compute()
        0.5
    """

    required_output_keys = GROUP_KEYS
    _state_dict_all_req_keys = ("_num_correct", "_num_examples", "_type", "_num_classes")

    def __init__(
        self,
        groups: Sequence[int],
        is_multilabel: bool = False,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
    ) -> None:
        self._groups = parse_groups(type(self).__name__, groups)
        super().__init__(output_transform, is_multilabel=is_multilabel, device=device)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch.

        Example:
            >>> import torch
            >>> from ember_metrics import SubgroupAccuracyDifference
            >>> metric = SubgroupAccuracyDifference(groups=[0, 1])
            >>> metric.update((torch.tensor([1]), torch.tensor([1]), torch.tensor([1])))
            >>> metric.reset()
            >>> metric._num_examples.tolist()
            [0, 0]
        """
        size = len(self._groups)
        self._num_correct = torch.zeros(size, dtype=torch.int64, device=self._device)
        self._num_examples = torch.zeros(size, dtype=torch.int64, device=self._device)
        self._reset_input_type()

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        """Count each group's correct predictions in one batch ``(y_pred, y, group_labels)``.

        Example:
            >>> import torch
            >>> from ember_metrics import SubgroupAccuracyDifference
            >>> metric = SubgroupAccuracyDifference(groups=[0, 1])
            >>> y_pred, y = torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1])
            >>> metric.update((y_pred, y, torch.tensor([0, 1, 1])))
            >>> metric._num_correct.tolist(), metric._num_examples.tolist()
            ([1, 1], [1, 2])
        """
        y_pred, y, members = checked_grouped_input(self, output, self._groups)
        if self._type == "multiclass":
            correct = y_pred.argmax(dim=1) == y
        elif self._type == "multilabel":
            correct = (y_pred == y).all(dim=1)
        else:
            correct = y_pred == y
        positions = math.prod(correct.shape[1:])  # predictions per sample
        per_sample = correct.reshape(correct.shape[0], positions).sum(dim=1)
        self._num_correct += per_group(members, per_sample).to(self._device)
        self._num_examples += (members.sum(dim=0) * positions).to(self._device)

    @sync_all_reduce("_num_correct", "_num_examples")
    def compute(self) -> float:
        """``max - min`` of the groups' accuracies.

        Example:
            >>> import torch
            >>> from ember_metrics import SubgroupAccuracyDifference
            >>> metric = SubgroupAccuracyDifference(groups=[0, 1], is_multilabel=True)
            >>> y_pred = torch.tensor([[1, 0], [1, 1], [0, 1], [0, 0]])
            >>> y = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 1]])
            >>> metric.update((y_pred, y, torch.tensor([0, 0, 1, 1])))
            >>> metric.compute()
            0.0
        """
        raise_deferred_checks(self)
        correct, examples = self._num_correct.tolist(), self._num_examples.tolist()
        accuracies = {
            group: hits / count
            for group, hits, count in zip(self._groups, correct, examples, strict=True)
            if count
        }
        return spread(type(self).__name__, accuracies)
