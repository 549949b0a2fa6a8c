"""SelectionRate: how often each class (or label) is predicted, overall or per group."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced
from ember.metric.reduction import get_collective_hooks
from ember_metrics.classification._base import BaseClassification, identity
from ember_metrics.classification._input_checks import raise_deferred_checks
from ember_metrics.fairness._groups import (
    GROUP_KEYS,
    checked_grouped_input,
    parse_groups,
    per_group,
)

__all__ = ["SelectionRate"]


class SelectionRate(BaseClassification):
    """The selection rate: the share of predictions that select each class (or label).

    The input follows :class:`~ember_metrics.Accuracy`'s rules; ``y`` is checked but does not
    change the value. ``compute`` returns a tensor with one rate per category, as
    PyTorch-Ignite does:

    - binary (``y_pred`` of 0 and 1, shape ``(N, ...)``): ``[share of 0, share of 1]``, so the
      share of positive predictions is the element ``[1]``; every element counts;
    - multiclass (scores ``(N, C, ...)``, prediction = arg-max over ``C``): the share of each
      class among the predictions, shape ``(C,)``;
    - multilabel (``is_multilabel=True``, ``(N, C, ...)`` of 0 and 1): the share of predictions
      with each label set, shape ``(C,)``.

    With ``groups`` (an ember extension), ``update`` takes ``(y_pred, y, group_labels)`` with
    a 1-D integer tensor ``group_labels`` of shape ``(N,)`` and ``compute`` returns
    ``{group: rates}`` for each group with samples since ``reset``. Counts are kept per group
    on the metric's device, so ``update`` never waits for it.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)`` (or
            ``(y_pred, y, group_labels)`` with ``groups``).
        is_multilabel: whether the input is multilabel.
        device: where the counts are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.
        groups: the group identifiers (distinct ints) to compute the rates of separately;
            ``None`` (the default) computes one overall rate.

    Example:
        >>> import torch
        >>> from ember_metrics import SelectionRate
        >>> metric = SelectionRate()
        >>> metric.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
        >>> metric.compute()
        tensor([0.2500, 0.7500], dtype=torch.float64)
        >>> by_group = SelectionRate(groups=[0, 1])
        >>> by_group.update(
        ...     (torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        ... )
        >>> by_group.compute()
        {0: tensor([0.5000, 0.5000], dtype=torch.float64), 1: tensor([0., 1.], dtype=torch.float64)}
    """

    _state_dict_all_req_keys = ("_num_selected", "_num_examples", "_type", "_num_classes")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        is_multilabel: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
        groups: Sequence[int] | None = None,
    ) -> None:
        self._groups = None if groups is None else parse_groups(type(self).__name__, groups)
        if self._groups is not None:
            self.required_output_keys = GROUP_KEYS
        super().__init__(
            output_transform,
            is_multilabel=is_multilabel,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch.

        Example:
            >>> import torch
            >>> from ember_metrics import SelectionRate
            >>> metric = SelectionRate()
            >>> metric.update((torch.tensor([1, 0]), torch.tensor([1, 1])))
            >>> metric.reset()
            >>> metric._num_examples.tolist()
            [0]
        """
        rows = 1 if self._groups is None else len(self._groups)
        # One column per category; the number of categories is known at the first update.
        self._num_selected = torch.zeros(rows, 0, dtype=torch.int64, device=self._device)
        self._num_examples = torch.zeros(rows, dtype=torch.int64, device=self._device)
        self._reset_input_type()

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        """Count the predictions of each category in one batch, per group.

        Example:
            >>> import torch
            >>> from ember_metrics import SelectionRate
            >>> metric = SelectionRate()
            >>> metric.update((torch.tensor([[0.2, 0.8], [0.6, 0.4]]), torch.tensor([1, 1])))
            >>> metric._num_selected.tolist(), metric._num_examples.tolist()
            ([[1, 1]], [2])
        """
        y_pred, _, members = checked_grouped_input(self, output, self._groups)
        selected, positions = self._selected_per_sample(y_pred)
        if self._num_selected.shape[1] == 0:
            self._num_selected = self._num_selected.new_zeros(
                self._num_selected.shape[0], selected.shape[1]
            )
        self._num_selected += per_group(members, selected).to(self._device)
        self._num_examples += (members.sum(dim=0) * positions).to(self._device)

    def _selected_per_sample(self, y_pred: torch.Tensor) -> tuple[torch.Tensor, int]:
        """``(N, K)`` counts of the predictions of each category per sample, and the number of
        predictions per sample (positions beyond the batch and class dimensions)."""
        n = y_pred.shape[0]
        if self._type == "binary":
            positions = math.prod(y_pred.shape[1:])
            ones = y_pred.reshape(n, positions).to(torch.int64).sum(dim=1)
            return torch.stack([positions - ones, ones], dim=1), positions
        positions = math.prod(y_pred.shape[2:])
        if self._type == "multiclass":
            # A comparison, not F.one_hot, which checks the indices' range on the host.
            classes = torch.arange(y_pred.shape[1], device=y_pred.device)
            chosen = y_pred.argmax(dim=1).unsqueeze(-1) == classes  # (N, ..., C)
            return chosen.reshape(n, positions, -1).sum(dim=1), positions
        labels = y_pred.movedim(1, -1).reshape(n, positions, y_pred.shape[1])
        return labels.to(torch.int64).sum(dim=1), positions

    def _synced_counts(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The counts summed over all processes; a process that saw no batch has no columns
        yet, so every process pads to the widest first."""
        hooks = get_collective_hooks()
        selected, examples = self._num_selected, self._num_examples
        if hooks.get_world_size() <= 1:
            return selected, examples
        width = int(hooks.all_reduce(selected.shape[1], "MAX"))
        padded = selected.new_zeros(selected.shape[0], width)
        padded[:, : selected.shape[1]] = selected
        return hooks.all_reduce(padded, "SUM"), hooks.all_reduce(examples.clone(), "SUM")

    def _rates(self) -> dict[int, torch.Tensor]:
        """The rates of every row (group) with examples, keyed by group (0 without groups)."""
        raise_deferred_checks(self)
        selected, examples = self._synced_counts()
        keys = [0] if self._groups is None else self._groups
        rates = selected.to(self._double_dtype) / examples.to(self._double_dtype)[:, None]
        return {
            key: rates[row]
            for row, (key, count) in enumerate(zip(keys, examples.tolist(), strict=True))
            if count
        }

    def compute(self) -> torch.Tensor | dict[int, torch.Tensor]:
        """The rate of each category; ``{group: rates}`` when the metric has ``groups``.

        Example:
            >>> import torch
            >>> from ember_metrics import SelectionRate
            >>> metric = SelectionRate(is_multilabel=True)
            >>> y_pred = torch.tensor([[1, 0, 1], [1, 1, 0]])
            >>> metric.update((y_pred, torch.tensor([[1, 0, 1], [0, 1, 0]])))
            >>> metric.compute()
            tensor([1.0000, 0.5000, 0.5000], dtype=torch.float64)
        """
        rates = self._rates()
        if not rates:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        return rates[0] if self._groups is None else rates
