"""Loss: the average of a loss function over all samples of the period.

Example:
    >>> import torch
    >>> from ember_metrics.aggregation.loss import Loss
    >>> loss = Loss(torch.nn.functional.mse_loss)
    >>> loss.update((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
    >>> loss.compute()
    2.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Number
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce

__all__ = ["Loss"]


def _identity(output: Any) -> Any:
    return output


class Loss(Metric):
    """The average of ``loss_fn(y_pred, y)`` over samples, weighting each batch by its size.

    ``update`` takes ``(y_pred, y)`` or ``(y_pred, y, criterion_kwargs)``, where
    ``criterion_kwargs`` is a dict of keyword arguments for ``loss_fn``. ``loss_fn`` must return
    the batch's *average* loss, a 0-d tensor (``reduction="mean"``); it is multiplied by
    ``batch_size(y)`` and summed. A NaN or infinite loss is accumulated as it is, so that it
    shows in the result. When the engine's output is a dict, it needs the keys ``"y_pred"``,
    ``"y"`` and ``"criterion_kwargs"`` (``required_output_keys``).

    Args:
        loss_fn: ``loss_fn(y_pred, y, **criterion_kwargs)`` returns the average loss.
        output_transform: maps the engine's output to what ``update`` takes.
        batch_size: ``batch_size(y)`` is the number of samples of a batch (``len`` by default).
        device: where the running sum is kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import Loss
        >>> loss = Loss(torch.nn.CrossEntropyLoss())
        >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
        >>> loss.update((logits[:2], torch.tensor([0, 1])))
        >>> loss.update((logits[2:], torch.tensor([0])))
        >>> round(loss.compute(), 4)
        0.3157
    """

    required_output_keys = ("y_pred", "y", "criterion_kwargs")
    _state_dict_all_req_keys = ("_sum", "_num_examples")

    def __init__(
        self,
        loss_fn: Callable[..., torch.Tensor],
        output_transform: Callable[[Any], Any] = _identity,
        batch_size: Callable[[Any], int] = len,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        for name, value in (("loss_fn", loss_fn), ("batch_size", batch_size)):
            if not callable(value):
                raise TypeError(
                    f"Loss: argument {name} should be a callable, got {type(value).__name__}"
                )
        self._loss_fn = loss_fn
        self._batch_size = batch_size
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update."""
        self._sum = torch.tensor(0.0, dtype=self._double_dtype, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[Any]) -> None:
        """Add ``loss_fn``'s average loss of one batch, times the batch size."""
        if (
            isinstance(output, (str, bytes))
            or not isinstance(output, Sequence)
            or len(output) not in (2, 3)
        ):
            raise ValueError(
                f"Loss.update: output should be (y_pred, y) or (y_pred, y, criterion_kwargs), "
                f"got {type(output).__name__}"
                + (f" of length {len(output)}" if isinstance(output, Sequence) else "")
            )
        y_pred, y = output[0], output[1]
        kwargs = output[2] if len(output) == 3 else {}
        if not isinstance(kwargs, dict):
            raise TypeError(
                f"Loss.update: criterion_kwargs should be a dict of keyword arguments for "
                f"loss_fn, got {type(kwargs).__name__}"
            )
        average = self._loss_fn(y_pred, y, **kwargs)
        if isinstance(average, Number):
            average = torch.tensor(float(average))
        if not isinstance(average, torch.Tensor) or average.ndim != 0:
            shape = tuple(average.shape) if isinstance(average, torch.Tensor) else None
            raise ValueError(
                f"Loss.update: loss_fn returned {type(average).__name__}"
                + (f" of shape {shape}" if shape is not None else "")
                + "; expected the batch's average loss, a 0-d tensor (use reduction='mean')"
            )
        count = self._batch_size(y)
        self._sum += average.detach().to(self._device, self._double_dtype) * count
        self._num_examples += count

    @sync_all_reduce("_sum", "_num_examples")
    def compute(self) -> float:
        """The average loss per sample, a float."""
        if self._num_examples == 0:
            raise NotComputableError(
                "Loss must have at least one example before it can be computed"
            )
        return float(self._sum.item()) / self._num_examples
