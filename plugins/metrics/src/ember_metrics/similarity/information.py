"""Entropy and mutual information of the class distributions a model predicts.

Both read logits ``y_pred`` of shape ``(B, C)`` or ``(B, C, ...)`` (classes along dimension 1)
and turn each row into a distribution with softmax; the target ``y`` is not used. For
``(B, C, d1, ...)`` every position counts as one example.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.nn import functional

from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics._shape_agreement import agree_on_shapes
from ember_metrics.regression._checks import NAN_CHECKS
from ember_metrics.similarity._base import RunningMean, check_class_scores, rows_of_classes

__all__ = ["Entropy", "MutualInformation"]


class Entropy(RunningMean):
    """Mean entropy (in nats) of the predicted distributions: ``mean_i -sum_c p_ic log p_ic``.

    ``p_i = softmax(y_pred_i)``. ``update`` takes ``(y_pred, y)`` (``y`` is ignored) with
    ``y_pred`` of shape ``(B, C)`` or ``(B, C, ...)``.

    Example:
        >>> import torch
        >>> from ember_metrics import Entropy
        >>> metric = Entropy()
        >>> logits = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
        >>> metric.update((logits, torch.tensor([0, 1])))
        >>> round(metric.compute(), 6)  # log(2): two equally likely classes
        0.693147
    """

    _value_checks = (NAN_CHECKS[0],)

    @reinit__is_reduced
    def update(self, output: Sequence[Any]) -> None:
        """Add one batch ``(y_pred, y)``; only ``y_pred`` is read."""
        cls = type(self).__name__
        if isinstance(output, (str, bytes)) or not isinstance(output, Sequence) or not output:
            raise ValueError(
                f"{cls}.update: output should be a pair (y_pred, y), got {type(output).__name__}"
            )
        y_pred = output[0]
        if not isinstance(y_pred, torch.Tensor):
            raise TypeError(
                f"{cls}.update: y_pred should be a torch.Tensor, got {type(y_pred).__name__}"
            )
        y_pred = y_pred.detach()
        check_class_scores(cls, "y_pred", y_pred)
        self._record_invalid([torch.isnan(y_pred).sum()])
        logits = rows_of_classes(y_pred).to(self._double_dtype)
        log_prob = functional.log_softmax(logits, dim=1)
        self._accumulate(log_prob.exp(), log_prob)

    def _accumulate(self, prob: torch.Tensor, log_prob: torch.Tensor) -> None:
        # xlogy: a probability that underflows to 0 contributes 0, not 0 * -inf.
        self._add(-torch.special.xlogy(prob, prob).sum(), prob.shape[0])


def _has_examples(metric: RunningMean) -> bool:
    return metric._count > 0


class MutualInformation(Entropy):
    """Mutual information between inputs and predicted classes: ``H(mean_i p_i) - mean_i H(p_i)``.

    The entropy of the average predicted distribution minus the average entropy of the
    predicted distributions (in nats), clamped at 0; high when the model is confident on each
    example yet uses every class. Inputs as for :class:`Entropy`.

    Example:
        >>> import torch
        >>> from ember_metrics import MutualInformation
        >>> metric = MutualInformation()
        >>> logits = torch.tensor([[20.0, 0.0], [0.0, 20.0]])
        >>> metric.update((logits, torch.tensor([0, 1])))
        >>> round(metric.compute(), 6)  # confident and balanced: log(2)
        0.693147
    """

    _state_dict_all_req_keys = ("_total", "_count", "_sum_of_probabilities", "_num_invalid")

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        super().reset()
        self._sum_of_probabilities = torch.zeros((), dtype=self._double_dtype, device=self._device)

    def _accumulate(self, prob: torch.Tensor, log_prob: torch.Tensor) -> None:
        super()._accumulate(prob, log_prob)
        # Broadcasting turns the initial 0-d zero into one sum per class.
        self._sum_of_probabilities = self._sum_of_probabilities + prob.sum(dim=0).to(self._device)

    def _value(self) -> float:
        marginal = self._sum_of_probabilities / self._count
        marginal_entropy = -torch.special.xlogy(marginal, marginal).sum()
        information = marginal_entropy - self._total / self._count
        return float(information.clamp(min=0.0).item())

    # A process without examples holds the 0-d zero of reset(): it reduces zeros per class.
    @agree_on_shapes("_sum_of_probabilities", has_data=_has_examples)
    @sync_all_reduce("_total", "_count", "_sum_of_probabilities", "_num_invalid")
    def compute(self) -> float:
        """The mutual information over every example since the last reset."""
        return self._checked_value()
