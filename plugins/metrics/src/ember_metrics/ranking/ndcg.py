"""Normalized Discounted Cumulative Gain at k."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import torch

from ember.metric import reinit__is_reduced
from ember_metrics.ranking._base import RankingMetric, parse_top_k
from ember_metrics.regression._base import identity

__all__ = ["NDCG"]

_GAINS = ("exp_rank", "linear_rank")


def _tie_averaged(gains: torch.Tensor, sorted_scores: torch.Tensor) -> torch.Tensor:
    """Replace each gain by the mean gain of the items that share its score.

    ``gains`` and ``sorted_scores`` are in rank order; tied items occupy consecutive ranks, and
    the expected DCG over every order of a tie gives each of those ranks the tie's mean gain.
    """
    starts = torch.ones_like(sorted_scores, dtype=torch.bool)
    starts[:, 1:] = sorted_scores[:, 1:] != sorted_scores[:, :-1]
    group = starts.cumsum(dim=1) - 1
    sums = torch.zeros_like(gains).scatter_add_(1, group, gains)
    counts = torch.zeros_like(gains).scatter_add_(1, group, torch.ones_like(gains))
    return (sums / counts).gather(1, group)


class NDCG(RankingMetric):
    """Normalized Discounted Cumulative Gain at each ``k`` of ``top_k``, averaged over queries.

    For one query, ``DCG@k = sum_{r=1..k} gain(rel_r) / log_b(r + 1)`` over the items ranked by
    decreasing score, and ``NDCG@k = DCG@k / IDCG@k`` where IDCG ranks the items by their true
    relevance (0 when no item is relevant). ``gain(rel) = 2^rel - 1`` (exponential) or ``rel``.
    Relevance below ``relevance_threshold`` counts as 0. Follows Ignite 0.5.5's ``NDCG``; the
    arguments of the older NDCG proposal (``log_base``, ``exponential``, ``ignore_ties``) are
    accepted too.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, L)``: scores and relevance of ``L``
    items for ``N`` queries; a ``k`` above ``L`` counts all items. ``compute`` returns a list
    with one value per ``k``, in increasing order of ``k``.

    Args:
        top_k: a cut-off or a list of them (positive ints).
        log_base: base of the logarithm in the discount (> 1). It scales DCG and IDCG alike, so
            NDCG does not depend on it; kept for compatibility.
        exponential: gains ``2^rel - 1`` (``True``, the default) or ``rel`` (``False``).
        ignore_ties: ``True`` (the default, as Ignite 0.5.5): tied scores are ranked by item
            position. ``False``: tied items share the mean of their gains, the expected DCG over
            every order of the tie (scikit-learn's ``ndcg_score`` default).
        ignore_zero_hits: skip queries without any item at or above ``relevance_threshold``.
        relevance_threshold: relevance below it counts as 0.
        gain_function: Ignite 0.5.5's spelling of ``exponential``: ``"exp_rank"`` or
            ``"linear_rank"``.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import NDCG
        >>> metric = NDCG(top_k=[1, 3], exponential=False)
        >>> scores = torch.tensor([[0.9, 0.5, 0.1]])
        >>> relevance = torch.tensor([[1.0, 0.0, 2.0]])
        >>> metric.update((scores, relevance))
        >>> [round(value, 6) for value in metric.compute()]
        [0.5, 0.760188]
    """

    def __init__(
        self,
        top_k: int | list[int],
        *,
        log_base: float = 2,
        exponential: bool | None = None,
        ignore_ties: bool = True,
        ignore_zero_hits: bool = True,
        relevance_threshold: float = 1.0,
        gain_function: Literal["exp_rank", "linear_rank"] | None = None,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(log_base, bool) or not isinstance(log_base, (int, float)) or log_base <= 1:
            raise ValueError(f"NDCG: argument log_base should be a number > 1, got {log_base!r}")
        if gain_function is not None:
            if gain_function not in _GAINS:
                raise ValueError(
                    f"NDCG: argument gain_function should be one of {_GAINS} or None, "
                    f"got {gain_function!r}"
                )
            if exponential is not None and exponential != (gain_function == "exp_rank"):
                raise ValueError(
                    f"NDCG: argument exponential={exponential!r} contradicts "
                    f"gain_function={gain_function!r}; pass one of them"
                )
            exponential = gain_function == "exp_rank"
        self.log_base = log_base
        self.exponential = True if exponential is None else bool(exponential)
        self.ignore_ties = ignore_ties
        self.relevance_threshold = relevance_threshold
        super().__init__(
            parse_top_k("NDCG", top_k), ignore_zero_hits, output_transform, device, skip_unrolling
        )

    def _dcg_at_ranks(self, ranked_gains: torch.Tensor) -> torch.Tensor:
        """DCG at every cut-off 1..L of gains in rank order (``(N, L)``)."""
        items = ranked_gains.shape[1]
        ranks = torch.arange(2, items + 2, dtype=ranked_gains.dtype, device=ranked_gains.device)
        discounts = math.log(self.log_base) / ranks.log()
        return (ranked_gains * discounts).cumsum(dim=1)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of ``N`` queries."""
        y_pred, y = self._checked_pair(output)
        n, items = y.shape
        if n == 0 or items == 0:
            return
        relevant = y >= self.relevance_threshold
        counted = relevant.any(dim=1) if self.ignore_zero_hits else torch.ones_like(relevant[:, 0])
        relevance = torch.where(relevant, y.to(self._double_dtype), 0.0)
        gains = torch.pow(2.0, relevance) - 1 if self.exponential else relevance
        sorted_scores, order = torch.sort(y_pred, dim=1, descending=True, stable=True)
        ranked = gains.gather(1, order)
        if not self.ignore_ties:
            ranked = _tie_averaged(ranked, sorted_scores)
        dcg = self._dcg_at_ranks(ranked)
        ideal = self._dcg_at_ranks(gains.sort(dim=1, descending=True).values)
        # One column per k, by basic indexing: no index tensor to copy to the device.
        dcg = torch.stack([dcg[:, min(k, items) - 1] for k in self.top_k], dim=1)
        ideal = torch.stack([ideal[:, min(k, items) - 1] for k in self.top_k], dim=1)
        ndcg = torch.where(ideal > 0, dcg / ideal.clamp(min=torch.finfo(ideal.dtype).tiny), 0.0)
        self._add(ndcg, counted)
