"""What the ranking metrics share: the cut-offs ``top_k``, the input checks and the sums per k.

``update`` takes ``(y_pred, y)`` of the same shape ``(N, L)``: for each of ``N`` queries (users),
the scores the model gives to ``L`` items and the items' true relevance. Items are ranked by
decreasing score. Sums are kept per cut-off in float64 on the metric's device; the number of
counted queries is a device tensor too, so skipping queries without relevant items needs no
synchronisation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._checks import CheckedMetric, check_real, describe_shape, unpack_pair

__all__ = ["RankingMetric", "parse_top_k"]


def parse_top_k(metric: str, top_k: int | list[int]) -> list[int]:
    """``top_k`` as a sorted list of positive ints; errors name ``metric``."""
    values = [top_k] if isinstance(top_k, int) and not isinstance(top_k, bool) else top_k
    if (
        not isinstance(values, (list, tuple))
        or not values
        or any(isinstance(k, bool) or not isinstance(k, int) or k <= 0 for k in values)
    ):
        raise ValueError(
            f"{metric}: argument top_k should be a positive int or a non-empty list of positive "
            f"ints, got {top_k!r}"
        )
    return sorted(values)


class RankingMetric(CheckedMetric):
    """Adds, per cut-off ``k``, a value per counted query; ``compute`` returns their means."""

    _state_dict_all_req_keys = ("_sum_per_k", "_num_examples", "_num_invalid")

    def __init__(
        self,
        top_k: list[int],
        ignore_zero_hits: bool,
        output_transform: Callable[[Any], Any],
        device: str | torch.device,
        skip_unrolling: bool,
    ) -> None:
        self.top_k = top_k
        self.ignore_zero_hits = ignore_zero_hits
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._sum_per_k = torch.zeros(
            len(self.top_k), dtype=self._double_dtype, device=self._device
        )
        self._num_examples = torch.zeros((), dtype=torch.int64, device=self._device)
        self._reset_invalid()

    def _checked_pair(self, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
        cls = type(self).__name__
        y_pred, y = unpack_pair(cls, output)
        check_real(cls, "y_pred", y_pred)
        check_real(cls, "y", y)
        if y_pred.ndim != 2:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(y_pred)}; expected (N, L): "
                f"the scores of L items for each of N queries"
            )
        if y_pred.shape != y.shape:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(y_pred)} but y has shape "
                f"{describe_shape(y)}; expected y of the same shape (N, L)"
            )
        self._record_invalid([torch.isnan(y_pred).sum(), torch.isnan(y).sum()])
        return y_pred, y

    def _add(self, per_query: torch.Tensor, counted: torch.Tensor) -> None:
        """Add ``per_query`` (``(N, len(top_k))``) of the queries where ``counted`` is true."""
        weights = counted.to(per_query.dtype)[:, None]
        self._sum_per_k += (per_query * weights).sum(dim=0).to(self._device, self._double_dtype)
        self._num_examples += counted.sum().to(self._device)

    @sync_all_reduce("_sum_per_k", "_num_examples", "_num_invalid")
    def compute(self) -> list[float]:
        """The mean value per cut-off, in the order of the sorted ``top_k``."""
        if int(self._num_examples.item()) == 0:
            skipped = (
                " (queries without a relevant item are skipped)" if self.ignore_zero_hits else ""
            )
            raise NotComputableError(
                f"{type(self).__name__} must have at least one query before it can be computed"
                f"{skipped}"
            )
        self._raise_if_invalid()
        return [float(value) for value in (self._sum_per_k / self._num_examples).tolist()]
