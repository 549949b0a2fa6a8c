"""Average and GeometricAverage: means of numbers or tensors over the period.

Example:
    >>> import torch
    >>> from ember_metrics.aggregation.average import Average, GeometricAverage
    >>> mean, geometric = Average(), GeometricAverage()
    >>> for value in (1.0, 4.0, 16.0):
    ...     mean.update(value); geometric.update(value)
    >>> mean.compute(), geometric.compute()
    (tensor(7., dtype=torch.float64), 4.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.metric import sync_all_reduce
from ember_metrics._shape_agreement import agree_on_shapes
from ember_metrics.aggregation.variable_accumulation import (
    Output,
    VariableAccumulation,
    has_examples,
)
from ember_metrics.classification._input_checks import raise_deferred_checks, require

__all__ = ["Average", "GeometricAverage"]


def _identity(output: Any) -> Any:
    return output


def add_examples(accumulator: torch.Tensor, output: Output) -> torch.Tensor:
    """Add one output to the sum; a batch ``(N, ...)`` adds its ``N`` examples.

    Example:
        >>> import torch
        >>> add_examples(torch.tensor(0.0), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([4., 6.])
    """
    if isinstance(output, torch.Tensor) and output.ndim > 1:
        output = output.sum(dim=0)
    return accumulator + output


def add_log_examples(accumulator: torch.Tensor, output: Output) -> torch.Tensor:
    """Add the logarithm of one output to the sum; a batch ``(N, ...)`` adds ``N`` of them.

    Example:
        >>> import torch
        >>> add_log_examples(torch.tensor(0.0), 1.0)
        tensor(0.)
    """
    if not isinstance(output, torch.Tensor):
        output = torch.tensor(output, dtype=accumulator.dtype, device=accumulator.device)
    logs = torch.log(output)
    if logs.ndim > 1:
        logs = logs.sum(dim=0)
    return accumulator + logs


class _Mean(VariableAccumulation):
    def _check_output(self, output: Output) -> None:
        if self.num_examples == 0 or not isinstance(output, torch.Tensor):
            return
        example_shape = output.shape[1:] if output.ndim > 1 else output.shape
        if example_shape != self.accumulator.shape:
            raise ValueError(
                f"{type(self).__name__}.update: output has shape {tuple(output.shape)}, one or "
                f"more examples of shape {tuple(example_shape)}, but earlier examples had shape "
                f"{tuple(self.accumulator.shape)}; expected examples of the same shape"
            )


class Average(_Mean):
    """The arithmetic mean of numbers, or element-wise of tensors, over all examples.

    ``update`` takes a number, a tensor that is one example (0-d or 1-d), or a batch of
    examples ``(N, ...)`` (two or more dimensions). NaN values propagate to the result, as in
    :func:`torch.mean`. ``compute`` returns a float64 tensor (0-d for numbers, a float in
    ``engine.state.metrics``).

    Args:
        output_transform: maps the engine's output to what ``update`` takes.
        device: where the sum is kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import Average
        >>> average = Average()
        >>> average.update(torch.tensor([[1.0, 10.0], [3.0, 30.0]]))
        >>> average.update(torch.tensor([5.0, 50.0]))
        >>> average.compute()
        tensor([ 3., 30.], dtype=torch.float64)
    """

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = _identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            add_examples,
            output_transform=output_transform,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    @agree_on_shapes("accumulator", has_data=has_examples)
    @sync_all_reduce("accumulator", "num_examples")
    def compute(self) -> torch.Tensor:
        """The mean, a float64 tensor."""
        self._require_examples()
        return self.accumulator / self.num_examples


class GeometricAverage(_Mean):
    """The geometric mean ``exp(mean(log x))`` of non-negative numbers or tensors.

    Inputs as for :class:`Average`; negative values are an error (0 gives a mean of 0, NaN
    propagates). ``compute`` returns a float when the result has one element, else a float64
    tensor.

    Args:
        output_transform: maps the engine's output to what ``update`` takes.
        device: where the sum of logarithms is kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import GeometricAverage
        >>> growth = GeometricAverage()
        >>> growth.update(torch.tensor([[1.0, 2.0], [4.0, 8.0]]))
        >>> growth.compute()
        tensor([2., 4.], dtype=torch.float64)
    """

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = _identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            add_log_examples,
            output_transform=output_transform,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    def _check_output(self, output: Output) -> None:
        owner, expected = "GeometricAverage.update", "values >= 0"
        if isinstance(output, torch.Tensor):
            require(self, output < 0, output, owner, "output", expected)
        elif output < 0:
            raise ValueError(f"{owner}: output is {output!r}; expected {expected}")
        super()._check_output(output)

    @agree_on_shapes("accumulator", has_data=has_examples)
    @sync_all_reduce("accumulator", "num_examples")
    def compute(self) -> float | torch.Tensor:
        """The geometric mean: a float, or a float64 tensor for tensor examples."""
        raise_deferred_checks(self)
        self._require_examples()
        mean = torch.exp(self.accumulator / self.num_examples)
        return float(mean) if mean.numel() == 1 else mean
