"""Small metrics written against the ember.metric protocol, used only by the core's tests.

They are deliberately plain: each follows the way the protocol documents a metric should be
written (decorated ``reset``/``update``/``compute``, ``_state_dict_all_req_keys``,
``NotComputableError`` before any update), so tests can exercise the protocol without the
metrics plugin.
"""

from __future__ import annotations

from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce

__all__ = [
    "CountingAccuracy",
    "MeanAbsoluteError",
    "PerClassPrecision",
    "PerClassRecall",
    "Recorder",
    "SummaryStats",
    "seed_batches",
]


class CountingAccuracy(Metric):
    """Share of correct predictions: logits ``(N, C)`` against labels ``(N,)``, or binary."""

    _state_dict_all_req_keys = ("_num_correct", "_num_examples")

    @reinit__is_reduced
    def reset(self) -> None:
        self._num_correct = torch.tensor(0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        if y_pred.ndim == y.ndim + 1:
            predicted = y_pred.argmax(dim=1)
        elif y_pred.shape == y.shape:
            predicted = y_pred.round().long()
        else:
            raise ValueError(
                f"CountingAccuracy.update: y_pred has shape {tuple(y_pred.shape)} but y has shape "
                f"{tuple(y.shape)}; expected y_pred of shape (N, C) or (N,)"
            )
        self._num_correct += (predicted == y).sum().to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_num_correct", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError(
                "CountingAccuracy must have at least one example before it can be computed"
            )
        return self._num_correct.item() / self._num_examples


class MeanAbsoluteError(Metric):
    """Mean of ``|y_pred - y|`` over every element seen."""

    _state_dict_all_req_keys = ("_sum_of_absolute_errors", "_num_examples")

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_absolute_errors = torch.tensor(0.0, dtype=torch.float64)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        errors = torch.abs(y_pred - y.view_as(y_pred)).to(torch.float64)
        self._sum_of_absolute_errors += errors.sum()
        self._num_examples += y.shape[0]

    @sync_all_reduce("_sum_of_absolute_errors", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError(
                "MeanAbsoluteError must have at least one example before it can be computed"
            )
        return self._sum_of_absolute_errors.item() / self._num_examples


class _PerClass(Metric):
    """Counts true positives per class and a per-class denominator chosen by the subclass."""

    _state_dict_all_req_keys = ("_true_positives", "_denominator")

    def __init__(self, num_classes: int, **kwargs: Any) -> None:
        self.num_classes = num_classes
        super().__init__(**kwargs)

    @reinit__is_reduced
    def reset(self) -> None:
        self._true_positives = torch.zeros(self.num_classes, dtype=torch.float64)
        self._denominator = torch.zeros(self.num_classes, dtype=torch.float64)

    def _counted(self, predicted: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        predicted = y_pred.argmax(dim=1)
        for cls in range(self.num_classes):
            self._true_positives[cls] += ((predicted == cls) & (y == cls)).sum()
        self._denominator += torch.bincount(
            self._counted(predicted, y), minlength=self.num_classes
        ).to(torch.float64)

    @sync_all_reduce("_true_positives", "_denominator")
    def compute(self) -> torch.Tensor:
        if self._denominator.sum() == 0:
            raise NotComputableError(f"{type(self).__name__} needs at least one example")
        return self._true_positives / self._denominator.clamp(min=1)


class PerClassPrecision(_PerClass):
    """Precision of each class, as a tensor of shape ``(num_classes,)``."""

    def _counted(self, predicted: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return predicted


class PerClassRecall(_PerClass):
    """Recall of each class, as a tensor of shape ``(num_classes,)``."""

    def _counted(self, predicted: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return y


class SummaryStats(Metric):
    """Smallest and largest value seen, returned as a dict ``{"min": ..., "max": ...}``."""

    _state_dict_all_req_keys = ("_min", "_max")

    @reinit__is_reduced
    def reset(self) -> None:
        self._min = float("inf")
        self._max = float("-inf")

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        values = torch.as_tensor(output, dtype=torch.float64)
        self._min = min(self._min, values.min().item())
        self._max = max(self._max, values.max().item())

    @sync_all_reduce("_min:MIN", "_max:MAX")
    def compute(self) -> dict[str, float]:
        if self._min > self._max:
            raise NotComputableError("SummaryStats needs at least one value")
        return {"min": self._min, "max": self._max}


class Recorder(Metric):
    """Keeps every output it is updated with; computes the list of them."""

    _state_dict_all_req_keys = ("outputs",)

    def reset(self) -> None:
        self.outputs: list[Any] = []

    def update(self, output: Any) -> None:
        self.outputs.append(output)

    def compute(self) -> list[Any]:
        return list(self.outputs)


def seed_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The two (logits, labels) batches of the seed document's Accuracy example."""
    first = (
        torch.tensor([[10.0, 0.1, -1.0], [2.0, -1.0, -2.0], [1.0, -1.0, 4.0], [0.0, 5.0, -1.0]]),
        torch.tensor([0, 1, 2, 1]),
    )
    second = (
        torch.tensor([[2.0, 1.0, -1.0], [0.0, 1.0, -2.0], [2.6, 1.0, -4.0], [1.0, -3.0, 2.0]]),
        torch.tensor([1, 2, 0, 2]),
    )
    return [first, second]
