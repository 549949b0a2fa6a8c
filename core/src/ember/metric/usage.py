"""Metric usages: on which engine events a metric is reset, updated and computed.

| usage | reset on | update on | compute and store on |
| --- | --- | --- | --- |
| `EpochWise` | `EPOCH_STARTED` | `ITERATION_COMPLETED` | `EPOCH_COMPLETED` |
| `RunningEpochWise` | `STARTED` | `EPOCH_COMPLETED` | `EPOCH_COMPLETED` |
| `BatchWise` | `ITERATION_STARTED` | `ITERATION_COMPLETED` | `ITERATION_COMPLETED` |
| `RunningBatchWise` | `STARTED` | `ITERATION_COMPLETED` | `ITERATION_COMPLETED` |
| `SingleEpochRunningBatchWise` | `EPOCH_STARTED` | `ITERATION_COMPLETED` | `ITERATION_COMPLETED` |
| `BatchFiltered(**f)` | `EPOCH_STARTED` | `ITERATION_COMPLETED(**f)` | `EPOCH_COMPLETED` |

`Metric.attach` also takes the usages by name: `"epoch_wise"`, `"running_epoch_wise"`,
`"batch_wise"`, `"running_batch_wise"`, `"single_epoch_running_batch_wise"` (each class's
`usage_name`).

`RunningEpochWise` updates once per epoch from the output of the epoch's last iteration;
`RunningBatchWise` and `SingleEpochRunningBatchWise` store a running value after every
iteration, over the whole run or over the current epoch.

Example:
    >>> from ember.engine import Events
    >>> from ember.metric import BatchWise
    >>> usage = BatchWise()
    >>> usage.STARTED is Events.ITERATION_STARTED, usage.usage_name
    (True, 'batch_wise')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ember.engine.events import CallableEventWithFilter, Events

__all__ = [
    "BatchFiltered",
    "BatchWise",
    "EpochWise",
    "MetricUsage",
    "RunningBatchWise",
    "RunningEpochWise",
    "SingleEpochRunningBatchWise",
]


class MetricUsage:
    """The three events that drive a metric: reset on ``STARTED``, update on
    ``ITERATION_COMPLETED``, compute and store on ``COMPLETED``.

    Subclass it, or instantiate it directly, for a usage the built-in ones do not cover.

    Example:
        >>> from ember.engine import Events
        >>> from ember.metric import MetricUsage
        >>> every_third = MetricUsage(
        ...     started=Events.EPOCH_STARTED,
        ...     completed=Events.EPOCH_COMPLETED,
        ...     iteration_completed=Events.ITERATION_COMPLETED(every=3),
        ... )
        >>> every_third.COMPLETED
        Events.EPOCH_COMPLETED
    """

    usage_name: str = "custom"

    def __init__(
        self,
        started: CallableEventWithFilter,
        completed: CallableEventWithFilter,
        iteration_completed: CallableEventWithFilter,
    ) -> None:
        for argument, value in (
            ("started", started),
            ("completed", completed),
            ("iteration_completed", iteration_completed),
        ):
            if not isinstance(value, CallableEventWithFilter):
                raise TypeError(
                    f"{type(self).__name__}: argument {argument} should be an event such as "
                    f"Events.EPOCH_STARTED, got {value!r} ({type(value).__name__})"
                )
        self._started = started
        self._completed = completed
        self._iteration_completed = iteration_completed

    @property
    def STARTED(self) -> CallableEventWithFilter:  # noqa: N802 - Ignite's name
        """The event on which the metric is reset."""
        return self._started

    @property
    def COMPLETED(self) -> CallableEventWithFilter:  # noqa: N802 - Ignite's name
        """The event on which the metric is computed and stored in ``state.metrics``."""
        return self._completed

    @property
    def ITERATION_COMPLETED(self) -> CallableEventWithFilter:  # noqa: N802 - Ignite's name
        """The event on which the metric is updated from the engine's output."""
        return self._iteration_completed

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(started={self._started!r}, completed={self._completed!r}, "
            f"iteration_completed={self._iteration_completed!r})"
        )


class EpochWise(MetricUsage):
    """Reset at each epoch's start, update every iteration, store at each epoch's end.

    The default usage: the value covers the batches of one epoch.

    Example:
        >>> from ember.engine import Engine
        >>> from ember.metric import EpochWise, Metric
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0
        ...     def update(self, output):
        ...         self._total += output
        ...     def compute(self):
        ...         return self._total
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Total().attach(engine, "total", usage=EpochWise())
        >>> engine.run([1, 2, 3], max_epochs=2).metrics["total"]
        6
    """

    usage_name: str = "epoch_wise"

    def __init__(self) -> None:
        super().__init__(
            started=Events.EPOCH_STARTED,
            completed=Events.EPOCH_COMPLETED,
            iteration_completed=Events.ITERATION_COMPLETED,
        )


class RunningEpochWise(EpochWise):
    """Reset when the run starts; at each epoch's end, update from the last output and store.

    The value accumulates one output per epoch over the whole run.

    Example:
        >>> from ember.engine import Engine
        >>> from ember.metric import Metric, RunningEpochWise
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0
        ...     def update(self, output):
        ...         self._total += output
        ...     def compute(self):
        ...         return self._total
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Total().attach(engine, "total", usage=RunningEpochWise())
        >>> engine.run([1, 2, 3], max_epochs=2).metrics["total"]
        6
    """

    usage_name: str = "running_epoch_wise"

    def __init__(self) -> None:
        MetricUsage.__init__(
            self,
            started=Events.STARTED,
            completed=Events.EPOCH_COMPLETED,
            iteration_completed=Events.EPOCH_COMPLETED,
        )


class BatchWise(MetricUsage):
    """Reset before each iteration, update and store after it: a value per batch.

    Example:
        >>> from ember.engine import Engine
        >>> from ember.metric import BatchWise, Metric
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0
        ...     def update(self, output):
        ...         self._total += output
        ...     def compute(self):
        ...         return self._total
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Total().attach(engine, "total", usage=BatchWise())
        >>> engine.run([1, 2, 3]).metrics["total"]
        3
    """

    usage_name: str = "batch_wise"

    def __init__(self) -> None:
        super().__init__(
            started=Events.ITERATION_STARTED,
            completed=Events.ITERATION_COMPLETED,
            iteration_completed=Events.ITERATION_COMPLETED,
        )


class RunningBatchWise(BatchWise):
    """Reset when the run starts, update and store after every iteration: a running value.

    Example:
        >>> from ember.engine import Engine
        >>> from ember.metric import Metric, RunningBatchWise
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0
        ...     def update(self, output):
        ...         self._total += output
        ...     def compute(self):
        ...         return self._total
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Total().attach(engine, "total", usage=RunningBatchWise())
        >>> engine.run([1, 2, 3], max_epochs=2).metrics["total"]
        12
    """

    usage_name: str = "running_batch_wise"

    def __init__(self) -> None:
        MetricUsage.__init__(
            self,
            started=Events.STARTED,
            completed=Events.ITERATION_COMPLETED,
            iteration_completed=Events.ITERATION_COMPLETED,
        )


class SingleEpochRunningBatchWise(BatchWise):
    """Reset at each epoch's start, update and store after every iteration.

    A running value over the batches seen so far in the current epoch.

    Example:
        >>> from ember.engine import Engine
        >>> from ember.metric import Metric, SingleEpochRunningBatchWise
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0
        ...     def update(self, output):
        ...         self._total += output
        ...     def compute(self):
        ...         return self._total
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Total().attach(engine, "total", usage=SingleEpochRunningBatchWise())
        >>> engine.run([1, 2, 3], max_epochs=2).metrics["total"]
        6
    """

    usage_name: str = "single_epoch_running_batch_wise"

    def __init__(self) -> None:
        MetricUsage.__init__(
            self,
            started=Events.EPOCH_STARTED,
            completed=Events.ITERATION_COMPLETED,
            iteration_completed=Events.ITERATION_COMPLETED,
        )


class BatchFiltered(MetricUsage):
    """Like :class:`EpochWise`, but update only on the iterations a filter selects.

    Takes the filter arguments of an event: ``every``, ``once``, ``before``, ``after`` or
    ``event_filter``.

    Example:
        >>> from ember.engine import Engine
        >>> from ember.metric import BatchFiltered, Metric
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0
        ...     def update(self, output):
        ...         self._total += output
        ...     def compute(self):
        ...         return self._total
        >>> engine = Engine(lambda engine, batch: batch)
        >>> Total().attach(engine, "total", usage=BatchFiltered(every=2))
        >>> engine.run([1, 2, 3, 4]).metrics["total"]
        6
    """

    usage_name: str = "batch_filtered"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            started=Events.EPOCH_STARTED,
            completed=Events.EPOCH_COMPLETED,
            iteration_completed=Events.ITERATION_COMPLETED(*args, **kwargs),
        )


_BY_NAME: dict[str, Callable[[], MetricUsage]] = {
    usage.usage_name: usage
    for usage in (
        EpochWise,
        RunningEpochWise,
        BatchWise,
        RunningBatchWise,
        SingleEpochRunningBatchWise,
    )
}


def resolve_usage(usage: str | MetricUsage, owner: str = "Metric") -> MetricUsage:
    """Return ``usage`` as a :class:`MetricUsage`, building it from its string name if needed.

    ``owner`` names the metric in error messages.

    Example:
        >>> from ember.metric.usage import resolve_usage
        >>> resolve_usage("running_batch_wise").usage_name
        'running_batch_wise'
    """
    if isinstance(usage, MetricUsage):
        return usage
    if isinstance(usage, str):
        usage_cls = _BY_NAME.get(usage)
        if usage_cls is None:
            raise ValueError(
                f"{owner}: argument usage is {usage!r}; expected a MetricUsage or one of "
                f"{', '.join(repr(name) for name in _BY_NAME)}"
            )
        return usage_cls()
    raise TypeError(
        f"{owner}: argument usage should be a MetricUsage or its name, got {usage!r} "
        f"({type(usage).__name__})"
    )
