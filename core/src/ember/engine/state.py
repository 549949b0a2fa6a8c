"""The run state an engine shares with its process function and handlers."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

from ember.engine.events import Events

__all__ = ["State"]

_CORE_EVENT_TO_ATTR: dict[Any, str] = {
    Events.GET_BATCH_STARTED: "iteration",
    Events.GET_BATCH_COMPLETED: "iteration",
    Events.ITERATION_STARTED: "iteration",
    Events.ITERATION_COMPLETED: "iteration",
    Events.EPOCH_STARTED: "epoch",
    Events.EPOCH_COMPLETED: "epoch",
    Events.STARTED: "epoch",
    Events.COMPLETED: "epoch",
}


class State:
    """Progress and data of a run: counters, the current batch and output, metrics, timings.

    Attributes:
        iteration: iterations run so far, over all epochs (the first iteration is 1).
        epoch: the current epoch (the first epoch is 1; 0 before the run starts).
        epoch_length: iterations per epoch; ``None`` until known for data without ``len``.
        max_epochs: epochs to run (derived from ``max_iters`` when the run is bounded by it).
        max_iters: iterations to run, when given to :meth:`Engine.run` instead of ``max_epochs``.
        output: what the process function returned for the last batch.
        batch: the batch being processed.
        metrics: metric values written by attached metrics, by name.
        dataloader: the data the engine iterates over.
        seed: the seed a :class:`DeterministicEngine` derives its random streams from.
        times: wall time in seconds of the last completed epoch (``"EPOCH_COMPLETED"``) and of
            the whole run (``"COMPLETED"``).

    Any other attribute can be set by handlers to share data; :meth:`Engine.register_events`
    adds counters for custom events.

    Example:
        >>> from ember.engine import State
        >>> state = State(best_loss=1.5)
        >>> state.iteration, state.epoch, state.best_loss
        (0, 0, 1.5)
    """

    def __init__(self, **kwargs: Any) -> None:
        self.iteration = 0
        self.epoch = 0
        self.epoch_length: int | None = None
        self.max_epochs: int | None = None
        self.max_iters: int | None = None
        self.output: Any = None
        self.batch: Any = None
        self.metrics: dict[str, Any] = {}
        self.dataloader: Iterable[Any] | None = None
        self.seed: int | None = None
        self.times: dict[str, float | None] = {"EPOCH_COMPLETED": None, "COMPLETED": None}
        self.event_to_attr: dict[Any, str] = dict(_CORE_EVENT_TO_ATTR)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def add_event_counters(self, event_to_attr: Mapping[Any, str]) -> None:
        """Map custom events to counter attributes, creating each missing counter at 0."""
        for event, attr in event_to_attr.items():
            if not isinstance(attr, str) or not attr.isidentifier():
                raise ValueError(
                    f"event_to_attr maps {event!r} to {attr!r}; expected an attribute name (str)"
                )
            self.event_to_attr[event] = attr
            if not hasattr(self, attr):
                setattr(self, attr, 0)

    def get_event_attrib_value(self, event_name: Any) -> int:
        """The counter an event's filters are evaluated on (``epoch``, ``iteration``, ...)."""
        value: int = getattr(self, self.event_to_attr[event_name])
        return value

    def __repr__(self) -> str:
        lines = ["State:"]
        for attr, value in vars(self).items():
            if attr == "event_to_attr":
                continue
            shown = value if isinstance(value, (numbers.Number, str, type(None))) else type(value)
            lines.append(f"\t{attr}: {shown}")
        return "\n".join(lines)
