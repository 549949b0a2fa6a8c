"""Frequency: throughput, the accumulated output (tokens, images, ...) per second.

Example:
    >>> from ember_metrics.aggregation.frequency import Frequency
    >>> frequency = Frequency()
    >>> frequency.update(128)
    >>> frequency.compute() > 0
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from numbers import Real
from typing import TYPE_CHECKING, Any

import torch

from ember.engine import Events
from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember.metric.reduction import get_collective_hooks

if TYPE_CHECKING:
    from ember.engine import Engine

__all__ = ["Frequency"]


def _identity(output: Any) -> Any:
    return output


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class Frequency(Metric):
    """How much output per second since ``reset``: ``sum(outputs) / elapsed seconds``.

    ``update`` takes a number (for example the number of tokens of the batch; a 0-d tensor is
    accepted but read back to the host). Time runs from ``reset``. In a distributed run the
    counts are summed over processes and divided by the mean elapsed time, giving the total
    throughput.

    Attached as in PyTorch-Ignite: :meth:`attach` resets on ``EPOCH_STARTED``, updates on
    ``ITERATION_COMPLETED`` and stores ``int(compute())`` on ``event_name``.

    Args:
        output_transform: maps the engine's output to the count of the batch.
        device: accepted for symmetry with other metrics; the counters are Python numbers.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> from ember.engine import Engine
        >>> from ember_metrics import Frequency
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Frequency(output_transform=lambda batch: len(batch)).attach(engine, "items/s")
        >>> state = engine.run([[1, 2, 3], [4, 5]])
        >>> isinstance(state.metrics["items/s"], int)
        True
    """

    _state_dict_all_req_keys = ("_n", "_elapsed", "_updated")
    # The clock, a class attribute so that tests can substitute a deterministic one.
    _clock: Callable[[], float] = staticmethod(time.perf_counter)

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = _identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Start counting, and the clock, again."""
        self._start = self._clock()
        self._n: float = 0
        self._elapsed = 0.0
        self._updated = False

    @reinit__is_reduced
    def update(self, output: float | torch.Tensor) -> None:
        """Add one batch's count and note the time."""
        count: Any = (
            output.item() if isinstance(output, torch.Tensor) and output.ndim == 0 else output
        )
        if not _is_number(count):
            raise TypeError(
                f"Frequency.update: output should be a number (e.g. the batch's token count), "
                f"got {type(output).__name__}"
            )
        self._n += count
        self._elapsed = self._clock() - self._start
        self._updated = True

    @sync_all_reduce("_n", "_elapsed")
    def compute(self) -> float:
        """Output per second, a float."""
        if not self._updated:
            raise NotComputableError(
                "Frequency must have at least one update before it can be computed"
            )
        if self._elapsed <= 0:
            raise NotComputableError("Frequency: no time has passed since reset()")
        return self._n / self._elapsed * get_collective_hooks().get_world_size()

    def completed(self, engine: Engine, name: str) -> None:
        """Store ``int(compute())`` as ``engine.state.metrics[name]``."""
        engine.state.metrics[name] = int(self.compute())

    def attach(  # Ignite's signature: an event, not a usage
        self, engine: Engine, name: str, event_name: Any = Events.ITERATION_COMPLETED
    ) -> None:
        """Reset each epoch, update each iteration, store the rate on ``event_name``.

        Example:
            >>> from ember.engine import Engine, Events
            >>> from ember_metrics import Frequency
            >>> engine = Engine(lambda engine, batch: batch)
            >>> frequency = Frequency()
            >>> frequency.attach(engine, "rate", event_name=Events.EPOCH_COMPLETED)
            >>> frequency.is_attached(engine, event_name=Events.EPOCH_COMPLETED)
            True
        """
        self._check_name(name)
        engine.add_event_handler(Events.EPOCH_STARTED, self.started)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(event_name, self.completed, name)

    def detach(self, engine: Engine, event_name: Any = Events.ITERATION_COMPLETED) -> None:
        """Remove the handlers :meth:`attach` added.

        Example:
            >>> from ember.engine import Engine
            >>> from ember_metrics import Frequency
            >>> engine = Engine(lambda engine, batch: batch)
            >>> frequency = Frequency()
            >>> frequency.attach(engine, "rate")
            >>> frequency.detach(engine)
            >>> frequency.is_attached(engine)
            False
        """
        for handler, event in (
            (self.completed, event_name),
            (self.started, Events.EPOCH_STARTED),
            (self.iteration_completed, Events.ITERATION_COMPLETED),
        ):
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def is_attached(self, engine: Engine, event_name: Any = Events.ITERATION_COMPLETED) -> bool:
        """Whether the rate is stored on ``event_name`` of ``engine``.

        Example:
            >>> from ember.engine import Engine
            >>> from ember_metrics import Frequency
            >>> Frequency().is_attached(Engine(lambda engine, batch: batch))
            False
        """
        return bool(engine.has_event_handler(self.completed, event_name))
