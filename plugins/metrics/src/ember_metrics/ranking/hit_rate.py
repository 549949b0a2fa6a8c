"""Hit rate at k: the share of queries with a relevant item among the k best-scored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.metric import reinit__is_reduced
from ember_metrics.ranking._base import RankingMetric, parse_top_k
from ember_metrics.regression._base import identity

__all__ = ["HitRate"]


class HitRate(RankingMetric):
    """Hit rate at each ``k`` of ``top_k``: the share of queries whose ``k`` items with the highest
    scores include at least one relevant item (``y > 0``).

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, L)``: scores and relevance of ``L``
    items for ``N`` queries. Ties in the scores are broken by item position (the first item
    wins), so results are deterministic; a ``k`` above ``L`` counts all items. ``compute`` returns
    a list with one value per ``k``, in increasing order of ``k``.

    Args:
        top_k: a cut-off or a list of them (positive ints).
        ignore_zero_hits: skip queries without any relevant item (they could never be hits).
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import HitRate
        >>> metric = HitRate(top_k=[1, 2])
        >>> scores = torch.tensor([[0.9, 0.5, 0.1], [0.2, 0.8, 0.6], [0.3, 0.2, 0.1]])
        >>> relevant = torch.tensor([[1, 0, 0], [1, 0, 1], [0, 0, 0]])
        >>> metric.update((scores, relevant))  # the third query has no relevant item: skipped
        >>> metric.compute()
        [0.5, 1.0]
    """

    def __init__(
        self,
        top_k: int | list[int] = 1,
        ignore_zero_hits: bool = True,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            parse_top_k("HitRate", top_k),
            ignore_zero_hits,
            output_transform,
            device,
            skip_unrolling,
        )

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of ``N`` queries."""
        y_pred, y = self._checked_pair(output)
        n, items = y.shape
        if n == 0 or items == 0:
            return
        relevant = y > 0
        counted = relevant.any(dim=1) if self.ignore_zero_hits else torch.ones_like(relevant[:, 0])
        deepest = min(self.top_k[-1], items)
        order = torch.argsort(y_pred, dim=1, descending=True, stable=True)[:, :deepest]
        hit_within = relevant.gather(1, order).cumsum(dim=1) > 0  # a hit at this rank or above
        # One column per k, by basic indexing: no index tensor to copy to the device.
        hits = torch.stack([hit_within[:, min(k, items) - 1] for k in self.top_k], dim=1)
        self._add(hits.to(self._double_dtype), counted)
