"""Perplexity of a language model: the exponential of its mean negative log-likelihood per token.

For logits ``y_pred`` over ``C`` token ids and target ids ``y``, each counted token contributes
``-log softmax(logits)[target]``; perplexity is ``exp(total / number of counted tokens)`` over
every batch since the last reset. Tokens whose target is ``ignore_index`` (padding) are not
counted, as in ``torch.nn.functional.cross_entropy``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.nn import functional as F  # noqa: N812 - the usual name

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import (
    CheckedMetric,
    ValueCheck,
    describe_shape,
    unpack_pair,
)

__all__ = ["Perplexity"]

_PRECISE_DTYPES = (torch.float32, torch.float64)


class Perplexity(CheckedMetric):
    """Perplexity ``exp(mean cross-entropy)`` of logits against target token ids.

    ``update`` takes ``(y_pred, y)``: logits of shape ``(N, C)`` and integer targets ``(N,)``, or
    logits ``(N, C, L)`` (batch, vocabulary, sequence) and targets ``(N, L)``; more trailing
    dimensions work alike, as in ``torch.nn.functional.cross_entropy``. Targets equal to
    ``ignore_index`` are skipped. The negative log-likelihood is summed over tokens (not
    averaged per batch), so batches of any size and padding weigh right. ``compute`` returns a
    float.

    Target ids outside ``[0, C)`` (other than ``ignore_index``) and NaN logits are counted on the
    device and reported by ``compute``, so ``update`` never waits for the device.

    Args:
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        ignore_index: the target id of tokens that are not counted (padding).
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import Perplexity
        >>> metric = Perplexity()
        >>> logits = torch.tensor([[[2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, 1.0]]])  # (N, C, L)
        >>> targets = torch.tensor([[0, 1], [1, -100]])  # the last token is padding
        >>> metric.update((logits, targets))
        >>> round(metric.compute(), 4)
        1.2855
    """

    _state_dict_all_req_keys = ("_sum_of_nll", "_num_tokens", "_num_invalid")
    _value_checks = (
        ValueCheck("y", "out-of-range", "token ids in [0, C) or ignore_index"),
        ValueCheck("y_pred", "NaN", "numbers, not NaN"),
    )

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        ignore_index: int = -100,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
            raise ValueError(
                f"Perplexity: argument ignore_index should be an int, got {ignore_index!r}"
            )
        self.ignore_index = ignore_index
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every token."""
        self._sum_of_nll = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._num_tokens = torch.zeros((), dtype=torch.int64, device=self._device)
        self._reset_invalid()

    def _checked_pair(self, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
        y_pred, y = unpack_pair("Perplexity", output)
        if not y_pred.is_floating_point():
            raise TypeError(
                f"Perplexity.update: y_pred has dtype {y_pred.dtype}; expected floating point "
                f"logits"
            )
        if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
            raise TypeError(f"Perplexity.update: y has dtype {y.dtype}; expected integer token ids")
        if y_pred.ndim < 2:
            raise ValueError(
                f"Perplexity.update: y_pred has shape {describe_shape(y_pred)}; expected logits "
                f"of shape (N, C) or (N, C, L)"
            )
        if y.shape != y_pred.shape[:1] + y_pred.shape[2:]:
            expected = str((y_pred.shape[0], *y_pred.shape[2:]))
            raise ValueError(
                f"Perplexity.update: y_pred has shape {describe_shape(y_pred)} but y has shape "
                f"{describe_shape(y)}; expected y of shape {expected}: y_pred without its "
                f"class dimension 1, (N,) for logits (N, C) and (N, L) for logits (N, C, L)"
            )
        return y_pred, y

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add a batch ``(y_pred, y)`` of logits and target token ids."""
        y_pred, y = self._checked_pair(output)
        if y_pred.dtype not in _PRECISE_DTYPES:
            y_pred = y_pred.float()  # half precision loses too much in log-softmax
        num_classes = y_pred.shape[1]
        counted = y != self.ignore_index
        out_of_range = counted & ((y < 0) | (y >= num_classes))
        counted &= ~out_of_range
        # Every target is made a valid id so that cross_entropy never fails on the device; the
        # tokens that are not counted are masked out of the sum.
        safe_targets = torch.where(counted, y, torch.zeros_like(y)).long()
        nll = F.cross_entropy(y_pred, safe_targets, reduction="none")
        nll = torch.where(counted, nll, torch.zeros_like(nll))
        self._sum_of_nll += nll.sum(dtype=self._double_dtype).to(self._device)
        self._num_tokens += counted.sum().to(self._device)
        self._record_invalid([out_of_range.sum(), torch.isnan(y_pred).sum()])

    @sync_all_reduce("_sum_of_nll", "_num_tokens", "_num_invalid")
    def compute(self) -> float:
        """``exp(total negative log-likelihood / number of counted tokens)``."""
        self._raise_if_invalid()
        if int(self._num_tokens.item()) == 0:
            raise NotComputableError(
                "Perplexity must have at least one counted token (a target other than "
                "ignore_index) before it can be computed"
            )
        return float(torch.exp(self._sum_of_nll / self._num_tokens).item())
