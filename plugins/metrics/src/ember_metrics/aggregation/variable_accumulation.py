"""VariableAccumulation: folds every output into an accumulator with a binary operation.

Example:
    >>> import torch
    >>> from ember_metrics.aggregation.variable_accumulation import VariableAccumulation
    >>> largest = VariableAccumulation(torch.maximum)
    >>> largest.update(torch.tensor(3.0)); largest.update(torch.tensor(1.5))
    >>> largest.compute()
    (tensor(3., dtype=torch.float64), 2)
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember_metrics._shape_agreement import agree_on_shapes
from ember_metrics.classification._input_checks import clear_deferred_checks

__all__ = ["VariableAccumulation"]

Output = float | torch.Tensor


def _identity(output: Any) -> Any:
    return output


def has_examples(metric: VariableAccumulation) -> bool:
    """Whether ``metric`` has seen an example since its last reset.

    Example:
        >>> from ember_metrics.aggregation.variable_accumulation import VariableAccumulation
        >>> metric = VariableAccumulation(lambda acc, x: acc + x)
        >>> has_examples(metric)
        False
        >>> metric.update(1.0)
        >>> has_examples(metric)
        True
    """
    return metric.num_examples > 0


class VariableAccumulation(Metric):
    """Accumulates ``accumulator = op(accumulator, output)`` and counts the examples.

    ``update`` takes a number or a tensor. The accumulator starts as a float64 zero on
    ``device`` and tensors are moved there (as float64) before ``op`` sees them. A number, a 0-d
    tensor or a 1-d tensor counts as one example; a tensor with two or more dimensions counts as
    ``output.shape[0]`` examples. In a distributed run the accumulator and the count are summed
    over processes, so ``op`` should be a sum for the result to make sense there.

    Args:
        op: ``op(accumulator, output)`` returns the new accumulator.
        output_transform: maps the engine's output to what ``update`` takes.
        device: where the accumulator is kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    ``compute`` returns ``(accumulator, number of examples)``.

    Example:
        >>> import torch
        >>> from ember_metrics import VariableAccumulation
        >>> sum_of_squares = VariableAccumulation(lambda acc, x: acc + (x**2).sum())
        >>> sum_of_squares.update(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> sum_of_squares.compute()
        (tensor(30., dtype=torch.float64), 2)
    """

    required_output_keys = None
    _state_dict_all_req_keys = ("accumulator", "num_examples")

    def __init__(
        self,
        op: Callable[[torch.Tensor, Output], torch.Tensor],
        output_transform: Callable[[Any], Any] = _identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(op):
            raise TypeError(
                f"{type(self).__name__}: argument op should be a callable "
                f"op(accumulator, output), got {type(op).__name__}"
            )
        self._op = op
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Start again from a zero accumulator."""
        self.accumulator = torch.tensor(0.0, dtype=self._double_dtype, device=self._device)
        self.num_examples = 0
        clear_deferred_checks(self)

    def _check_output(self, output: Output) -> None:
        """Validate one output before it is accumulated; for subclasses."""

    @reinit__is_reduced
    def update(self, output: Output) -> None:
        """Fold one output into the accumulator."""
        if isinstance(output, bool) or not isinstance(output, (Number, torch.Tensor)):
            raise TypeError(
                f"{type(self).__name__}.update: output should be a number or a torch.Tensor, "
                f"got {type(output).__name__}"
            )
        if isinstance(output, torch.Tensor):
            output = output.detach().to(self.accumulator.device, self.accumulator.dtype)
        self._check_output(output)
        self.accumulator = self._op(self.accumulator, output)
        if isinstance(output, torch.Tensor) and output.ndim > 1:
            self.num_examples += output.shape[0]
        else:
            self.num_examples += 1

    def _require_examples(self) -> None:
        if self.num_examples < 1:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )

    # The accumulator takes the examples' shape at the first update; a process without
    # examples reduces zeros of that shape (the sum's identity) rather than its 0-d zero.
    @agree_on_shapes("accumulator", has_data=has_examples)
    @sync_all_reduce("accumulator", "num_examples")
    def compute(self) -> Any:
        """``(accumulator, number of examples)``."""
        self._require_examples()
        return self.accumulator, self.num_examples
