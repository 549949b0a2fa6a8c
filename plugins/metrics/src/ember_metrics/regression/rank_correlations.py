"""Rank correlations between predictions and targets: Spearman's rho and Kendall's tau.

Both keep every prediction and target until ``compute`` (ranks need all of them) and compute
in torch on the metric's device, without scipy: Spearman's rho is Pearson's r of the average
ranks; Kendall's tau counts discordant pairs as the inversions of a merge sort whose merges are
batched sorts, in O(N log² N).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import torch

from ember_metrics.regression._base import StoredRegression, identity

__all__ = ["KendallRankCorrelation", "SpearmanRankCorrelation"]


def _float_dtype(values: torch.Tensor) -> torch.dtype:
    return values.dtype if values.is_floating_point() else torch.float64


def average_ranks(values: torch.Tensor) -> torch.Tensor:
    """1-based ranks of ``values``; tied values share the mean of the ranks they span.

    Example:
        >>> import torch
        >>> average_ranks(torch.tensor([10.0, 30.0, 20.0, 30.0])).tolist()
        [1.0, 3.5, 2.0, 3.5]
    """
    group: torch.Tensor
    counts: torch.Tensor
    _, group, counts = torch.unique(values, sorted=True, return_inverse=True, return_counts=True)
    last_rank = counts.cumsum(0).to(_float_dtype(values))
    ranks: torch.Tensor = (last_rank - (counts - 1) / 2)[group]
    return ranks


def tied_pairs(values: torch.Tensor) -> torch.Tensor:
    """The number of pairs of equal values (rows, for a 2-D tensor).

    Example:
        >>> import torch
        >>> int(tied_pairs(torch.tensor([1, 2, 1, 1])))
        3
    """
    counts: torch.Tensor = torch.unique(values, dim=0, return_counts=True)[1]
    return (counts * (counts - 1) // 2).sum()


def count_inversions(values: torch.Tensor) -> torch.Tensor:
    """The number of pairs ``i < j`` with ``values[i] > values[j]``.

    A bottom-up merge sort: at each level the sorted blocks are paired, every element of a right
    block counts the elements of its left block that are greater (a batched ``searchsorted``),
    and each pair is merged by one batched sort.

    Example:
        >>> import torch
        >>> int(count_inversions(torch.tensor([3.0, 1.0, 2.0, 2.0])))
        3
    """
    n = values.numel()
    size = 1
    while size < n:
        size *= 2
    # Padding at the end with +inf adds no inversion: a block that holds padding is followed
    # only by padding.
    blocks = torch.full((size, 1), float("inf"), dtype=_float_dtype(values), device=values.device)
    blocks[:n, 0] = values
    inversions = torch.zeros((), dtype=torch.int64, device=values.device)
    width = 1
    while width < size:
        pairs = blocks.reshape(-1, 2, width)
        left, right = pairs[:, 0].contiguous(), pairs[:, 1].contiguous()
        not_greater = torch.searchsorted(left, right, right=True)
        inversions += (width - not_greater).sum()
        blocks = pairs.reshape(-1, 2 * width).sort(dim=1).values
        width *= 2
    return inversions


def kendall_tau(x: torch.Tensor, y: torch.Tensor, variant: str) -> float:
    """Kendall's tau-b or tau-c of two 1-D tensors (NaN when either is constant).

    Example:
        >>> import torch
        >>> x, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 3.0, 2.0])
        >>> round(kendall_tau(x, y, "b"), 6)
        0.333333
    """
    n = x.numel()
    total = n * (n - 1) // 2
    x_ties, y_ties = int(tied_pairs(x)), int(tied_pairs(y))
    if x_ties == total or y_ties == total:
        return float("nan")
    joint_ties = int(tied_pairs(torch.stack([x, y], dim=1)))
    # Sorted by x, then y: pairs tied in x are in order of y, so every inversion of y left is a
    # discordant pair.
    order = torch.argsort(y, stable=True)
    order = order[torch.argsort(x[order], stable=True)]
    discordant = int(count_inversions(y[order]))
    concordant_minus_discordant = total - x_ties - y_ties + joint_ties - 2 * discordant
    if variant == "b":
        tau = concordant_minus_discordant / math.sqrt((total - x_ties) * (total - y_ties))
    else:
        classes = min(torch.unique(x).numel(), torch.unique(y).numel())
        tau = 2 * concordant_minus_discordant / (n * n * (classes - 1) / classes)
    return min(1.0, max(-1.0, tau))


class SpearmanRankCorrelation(StoredRegression):
    """Spearman's rank correlation: Pearson's r of the average ranks of ``y_pred`` and ``y``.

    Ties share their mean rank, as in ``scipy.stats.spearmanr``. The value is NaN when either side
    is constant. ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``; every value is
    kept until ``compute``.

    Args:
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        check_compute_fn: accepted for compatibility with Ignite, where it tries scipy on the
            first batch; ember computes in torch, so there is nothing to try.
        device: where the values are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import SpearmanRankCorrelation
        >>> metric = SpearmanRankCorrelation()
        >>> metric.update((torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 3.0, 2.0, 9.0])))
        >>> metric.compute()
        0.8
    """

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = True,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        pred_ranks = average_ranks(y_pred)
        y_ranks = average_ranks(y)
        pred_ranks = pred_ranks - pred_ranks.mean()
        y_ranks = y_ranks - y_ranks.mean()
        denominator = (pred_ranks.square().sum() * y_ranks.square().sum()).sqrt()
        rho = (pred_ranks * y_ranks).sum() / denominator
        return float(rho.clamp(-1.0, 1.0).item())


class KendallRankCorrelation(StoredRegression):
    """Kendall's rank correlation tau between ``y_pred`` and ``y``, variant ``"b"`` or ``"c"``.

    Tau-b corrects for ties on either side; tau-c (Stuart's) suits tables whose two sides have
    different numbers of distinct values. The values match ``scipy.stats.kendalltau``; they are
    NaN when either side is constant. ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or
    ``(N, 1)``; every value is kept until ``compute``.

    Args:
        variant: ``"b"`` or ``"c"``.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        check_compute_fn: accepted for compatibility with Ignite, where it tries scipy on the
            first batch; ember computes in torch, so there is nothing to try.
        device: where the values are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import KendallRankCorrelation
        >>> metric = KendallRankCorrelation(variant="b")
        >>> metric.update((torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 3.0, 2.0, 9.0])))
        >>> round(metric.compute(), 6)
        0.666667
    """

    def __init__(
        self,
        variant: Literal["b", "c"] = "b",
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = True,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if variant not in ("b", "c"):
            raise ValueError(
                f"KendallRankCorrelation: argument variant should be 'b' or 'c', got {variant!r}"
            )
        self.variant = variant
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        return kendall_tau(y_pred, y, self.variant)
