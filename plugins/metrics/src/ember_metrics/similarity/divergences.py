"""Kullback-Leibler and Jensen-Shannon divergences between predicted and target distributions.

Both read logits ``y_pred`` and ``y`` of the same shape ``(B, C)`` or ``(B, C, ...)`` (classes
along dimension 1) and turn each row into a distribution with softmax. For ``(B, C, d1, ...)``
every position counts as one example. Values are in nats.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional

from ember.metric import reinit__is_reduced
from ember_metrics.regression._checks import describe_shape, unpack_pair
from ember_metrics.similarity._base import RunningMean, check_class_scores, rows_of_classes

__all__ = ["JSDivergence", "KLDivergence"]


class KLDivergence(RunningMean):
    """Mean Kullback-Leibler divergence ``KL(q_i || p_i) = sum_c q_ic log(q_ic / p_ic)``.

    ``p_i = softmax(y_pred_i)`` is the prediction and ``q_i = softmax(y_i)`` the target.
    ``update`` takes ``(y_pred, y)``, both logits of the same shape ``(B, C)`` or ``(B, C, ...)``.

    Example:
        >>> import torch
        >>> from ember_metrics import KLDivergence
        >>> metric = KLDivergence()
        >>> y_pred = torch.tensor([[1.0, 3.0]]).log()  # p = (0.25, 0.75)
        >>> y = torch.tensor([[0.0, 0.0]])  # q = (0.5, 0.5)
        >>> metric.update((y_pred, y))
        >>> round(metric.compute(), 6)  # 0.5 log(0.5 / 0.25) + 0.5 log(0.5 / 0.75)
        0.143841
    """

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of logits."""
        cls = type(self).__name__
        y_pred, y = unpack_pair(cls, output)
        check_class_scores(cls, "y_pred", y_pred)
        check_class_scores(cls, "y", y)
        if y_pred.shape != y.shape:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(y_pred)} but y has shape "
                f"{describe_shape(y)}; expected both of the same shape (B, C, ...)"
            )
        self._record_invalid([torch.isnan(y_pred).sum(), torch.isnan(y).sum()])
        log_p = functional.log_softmax(rows_of_classes(y_pred).to(self._double_dtype), dim=1)
        log_q = functional.log_softmax(rows_of_classes(y).to(self._double_dtype), dim=1)
        self._add(self._divergence(log_p, log_q), log_p.shape[0])

    def _divergence(self, log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
        """The summed divergence of a batch of log-distributions (prediction, target)."""
        return functional.kl_div(log_p, log_q, reduction="sum", log_target=True)


class JSDivergence(KLDivergence):
    """Mean Jensen-Shannon divergence ``(KL(p_i || m_i) + KL(q_i || m_i)) / 2``.

    ``m_i = (p_i + q_i) / 2`` is the mixture of prediction and target. Symmetric and at most
    ``log 2``. Inputs as for :class:`KLDivergence`.

    Example:
        >>> import torch
        >>> from ember_metrics import JSDivergence
        >>> metric = JSDivergence()
        >>> metric.update((torch.tensor([[30.0, -30.0]]), torch.tensor([[-30.0, 30.0]])))
        >>> round(metric.compute(), 6)  # disjoint distributions: log(2)
        0.693147
    """

    def _divergence(self, log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
        log_m = torch.logaddexp(log_p, log_q) - math.log(2.0)
        to_mean = functional.kl_div(log_m, log_p, reduction="sum", log_target=True)
        return (to_mean + functional.kl_div(log_m, log_q, reduction="sum", log_target=True)) / 2
