"""RunningAverage: an exponential moving average of a metric or of the engine's output.

Example:
    >>> from ember_metrics.aggregation.running_average import RunningAverage
    >>> smooth = RunningAverage(output_transform=lambda loss: loss, alpha=0.5)
    >>> for loss in (4.0, 2.0, 1.0):
    ...     smooth.update(loss)
    >>> smooth.compute()
    2.0
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from numbers import Number, Real
from typing import TYPE_CHECKING, Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import (
    Metric,
    MetricUsage,
    RunningBatchWise,
    SingleEpochRunningBatchWise,
    reinit__is_reduced,
)
from ember.metric.reduction import get_collective_hooks

if TYPE_CHECKING:
    from ember.engine import Engine

__all__ = ["RunningAverage"]

Value = float | torch.Tensor


def _identity(output: Any) -> Any:
    return output


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class RunningAverage(Metric):
    """``value = alpha * value + (1 - alpha) * new``, started at the first new value.

    Two sources, exactly one of which is given:

    - ``src``, a metric: each ``update(output)`` updates ``src`` with ``output``, folds
      ``src.compute()`` into the average and resets ``src``, so every batch contributes the
      metric of that batch. Attached to an engine, ``src`` reads the engine's output through
      its own ``output_transform``.
    - ``output_transform``: each ``update`` folds in the (transformed) output itself, a number
      or a tensor; in a distributed run it is first averaged over processes.

    By default it is attached with ``usage=RunningBatchWise()``: updated and stored after every
    iteration, reset only when the run starts (``"single_epoch_running_batch_wise"`` resets each
    epoch). NaN values propagate.

    Args:
        src: the metric to smooth, or ``None``.
        alpha: weight of the past, in ``(0, 1]``.
        output_transform: maps the engine's output to the value to smooth; required when
            ``src`` is ``None``, and must be ``None`` otherwise.
        epoch_bound: deprecated (as in PyTorch-Ignite): ``True`` means
            ``usage=SingleEpochRunningBatchWise()``, ``False`` ``usage=RunningBatchWise()``.
        device: where the average is kept (default CPU); must be ``None`` with ``src``, whose
            device is used.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember.engine import Engine
        >>> from ember_metrics import Accuracy, RunningAverage
        >>> engine = Engine(lambda engine, batch: batch)
        >>> RunningAverage(Accuracy(), alpha=0.5).attach(engine, "running_acc")
        >>> ones = torch.ones(4, dtype=torch.int64)
        >>> batches = [(ones, ones), (ones, 1 - ones), (ones, ones)]  # accuracy 1, 0, 1
        >>> engine.run(batches).metrics["running_acc"]
        0.75
    """

    required_output_keys = None
    _state_dict_all_req_keys = ("_value", "src")

    def __init__(
        self,
        src: Metric | None = None,
        alpha: float = 0.98,
        output_transform: Callable[[Any], Any] | None = None,
        epoch_bound: bool | None = None,
        device: str | torch.device | None = None,
        skip_unrolling: bool = False,
    ) -> None:
        if not (src is None or isinstance(src, Metric)):
            raise TypeError(
                f"RunningAverage: argument src should be a Metric or None, got {type(src).__name__}"
            )
        if not _is_number(alpha) or not 0.0 < alpha <= 1.0:
            raise ValueError(f"RunningAverage: argument alpha should be in (0, 1], got {alpha!r}")
        if src is not None:
            for name, value in (("output_transform", output_transform), ("device", device)):
                if value is not None:
                    raise ValueError(
                        f"RunningAverage: argument {name} should be None when src is a metric; "
                        f"src reads the output with its own output_transform, on its own device"
                    )
            output_transform, device = _identity, src._device
        elif output_transform is None:
            raise ValueError(
                "RunningAverage: argument output_transform should be given when src is None: it "
                "picks the value to average from the engine's output"
            )
        if epoch_bound is not None:
            warnings.warn(
                "RunningAverage: epoch_bound is deprecated; pass usage to attach() instead "
                "(epoch_bound=True is usage=SingleEpochRunningBatchWise(), False is "
                "usage=RunningBatchWise())",
                DeprecationWarning,
                stacklevel=2,
            )
        self.src: Metric | None = src
        self.alpha: float = float(alpha)
        self.epoch_bound: bool | None = epoch_bound
        super().__init__(output_transform, device=device or "cpu", skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget the average (and reset ``src``)."""
        self._value: Value | None = None
        if self.src is not None:
            self.src.reset()

    def _fold(self, value: Value) -> None:
        if self._value is None:
            self._value = value
        else:
            self._value = self._value * self.alpha + (1.0 - self.alpha) * value

    def _fold_source(self) -> None:
        assert self.src is not None
        value = self.src.compute()
        self.src.reset()
        self._fold(value)

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        """Fold one value in: ``src``'s value on ``output``, or ``output`` itself."""
        if self.src is not None:
            self.src.update(output)
            self._fold_source()
            return
        if isinstance(output, bool) or not isinstance(output, (Number, torch.Tensor)):
            raise TypeError(
                f"RunningAverage.update: output should be a number or a torch.Tensor (pick it "
                f"with output_transform), got {type(output).__name__}"
            )
        value: Any = (
            output.detach().to(self._device, copy=True)
            if isinstance(output, torch.Tensor)
            else output
        )
        hooks = get_collective_hooks()
        world_size = hooks.get_world_size()
        if world_size > 1:
            value = hooks.all_reduce(value, "SUM") / world_size
        self._fold(value)

    @torch.no_grad()
    def iteration_completed(self, engine: Engine) -> None:
        """Update from the engine's output: through ``src`` when there is one.

        Example:
            >>> from types import SimpleNamespace
            >>> from ember_metrics import RunningAverage
            >>> smooth = RunningAverage(output_transform=lambda output: output["loss"])
            >>> engine = SimpleNamespace(state=SimpleNamespace(output={"loss": 2.0}))
            >>> smooth.iteration_completed(engine)
            >>> smooth.compute()
            2.0
        """
        if self.src is None:
            super().iteration_completed(engine)
            return
        self.src.iteration_completed(engine)
        self._take_source()

    @reinit__is_reduced
    def _take_source(self) -> None:
        self._fold_source()

    def compute(self) -> Value:
        """The running average: a float or a tensor, like the values averaged."""
        if self._value is None:
            raise NotComputableError(
                "RunningAverage must have at least one update before it can be computed"
            )
        return self._value

    def _usage(self, usage: str | MetricUsage) -> MetricUsage:
        if self.epoch_bound is not None:
            return SingleEpochRunningBatchWise() if self.epoch_bound else RunningBatchWise()
        return self._check_usage(usage)

    def attach(
        self, engine: Engine, name: str, usage: str | MetricUsage = "running_batch_wise"
    ) -> None:
        """Store the running average after every iteration (by default) as ``name``.

        Example:
            >>> from ember.engine import Engine
            >>> from ember_metrics import RunningAverage
            >>> engine = Engine(lambda engine, batch: batch)
            >>> RunningAverage(output_transform=float, alpha=0.5).attach(engine, "loss")
            >>> engine.run([4.0, 2.0]).metrics["loss"]
            3.0
        """
        super().attach(engine, name, self._usage(usage))

    def detach(self, engine: Engine, usage: str | MetricUsage = "running_batch_wise") -> None:
        """Remove the handlers :meth:`attach` added.

        Example:
            >>> from ember.engine import Engine
            >>> from ember_metrics import RunningAverage
            >>> engine = Engine(lambda engine, batch: batch)
            >>> smooth = RunningAverage(output_transform=float)
            >>> smooth.attach(engine, "loss")
            >>> smooth.detach(engine)
            >>> smooth.is_attached(engine)
            False
        """
        super().detach(engine, self._usage(usage))

    def is_attached(self, engine: Engine, usage: str | MetricUsage = "running_batch_wise") -> bool:
        """Whether the running average is stored on ``engine`` for ``usage``.

        Example:
            >>> from ember.engine import Engine
            >>> from ember_metrics import RunningAverage
            >>> engine = Engine(lambda engine, batch: batch)
            >>> smooth = RunningAverage(output_transform=float)
            >>> smooth.attach(engine, "loss")
            >>> smooth.is_attached(engine)
            True
        """
        return super().is_attached(engine, self._usage(usage))
