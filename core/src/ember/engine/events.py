"""Events the engine fires, the filters that narrow them and lists of stacked events.

Every member of an :class:`EventEnum` can be called with a filter to fire a handler only on some
occurrences, and events can be stacked with ``|`` to share one handler:

Example:
    >>> from ember.engine import Engine, Events
    >>> engine = Engine(lambda engine, batch: None)
    >>> seen = []
    >>> @engine.on(Events.EPOCH_COMPLETED(every=2) | Events.COMPLETED)
    ... def record(engine):
    ...     seen.append((engine.state.epoch, str(engine.last_event_name)))
    >>> _ = engine.run([0, 1], max_epochs=3)
    >>> seen
    [(2, 'epoch_completed'), (3, 'completed')]
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Collection, Iterator
from enum import Enum
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from ember.engine.engine import Engine

__all__ = [
    "CallableEventWithFilter",
    "EventEnum",
    "EventFilter",
    "Events",
    "EventsList",
    "FilteredEvent",
]

EventFilter = Callable[["Engine", int], bool]
"""A filter receives the engine and the event's counter (epoch or iteration) and says whether
the handler runs."""


class CallableEventWithFilter:
    """Behaviour shared by every event that handlers can be attached to.

    Calling an event with one filter argument returns a :class:`FilteredEvent`; ``|`` stacks events
    into an :class:`EventsList`. The filter arguments:

    - ``every=n``: occurrences whose counter is a multiple of ``n``. Combined with ``before`` /
      ``after``, every ``n``-th occurrence inside the window counted from its first one
      (``after + 1``), as in PyTorch-Ignite: ``every=5, after=8, before=25`` fires on 9, 14, 19, 24.
    - ``once=n`` or ``once=[n, m, ...]``: only the occurrences with those counters.
    - ``before=n`` / ``after=n``: counters strictly below ``n`` / strictly above ``n`` (``after``
      defaults to 0; both may be given).
    - ``event_filter=f``: any callable ``f(engine, counter) -> bool``.

    The counter is the state attribute the engine maps the event to: ``epoch`` for the epoch
    events and ``STARTED``/``COMPLETED``, ``iteration`` for the iteration and batch events, and
    the ``event_to_attr`` attribute for custom events.

    Example:
        >>> from ember.engine import Events
        >>> Events.ITERATION_COMPLETED(every=3).filter(None, 6)
        True
        >>> Events.ITERATION_COMPLETED(once=[1, 4]).filter(None, 2)
        False
    """

    __slots__ = ()

    @property
    def event(self) -> EventEnum:
        """The plain event handlers are stored under."""
        raise NotImplementedError  # pragma: no cover - defined by both subclasses

    @property
    def filter(self) -> EventFilter | None:
        """The filter of this event, or ``None`` when every occurrence fires."""
        return None

    def __call__(
        self,
        event_filter: EventFilter | None = None,
        every: int | None = None,
        once: int | Collection[int] | None = None,
        before: int | None = None,
        after: int | None = None,
    ) -> CallableEventWithFilter:
        if self.filter is not None:
            raise TypeError(
                f"{self.event.name} already has a filter; call the plain event "
                f"(Events.{self.event.name}(...)) with all filter arguments at once"
            )
        built = _build_filter(self.event, event_filter, every, once, before, after)
        if built is None:
            return self.event
        return FilteredEvent(self.event, built)

    def __or__(self, other: Any) -> EventsList:
        events = EventsList()
        events.append(self)
        events.append(other)
        return events


def _check_positive(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"Argument {name} should be an integer >= {minimum}, got {value!r}")
    return int(value)


def _build_filter(
    event: EventEnum,
    event_filter: EventFilter | None,
    every: int | None,
    once: int | Collection[int] | None,
    before: int | None,
    after: int | None,
) -> EventFilter | None:
    given = [
        name
        for name, value in (("event_filter", event_filter), ("every", every), ("once", once))
        if value is not None
    ]
    bounded = before is not None or after is not None
    if bounded and given in ([], ["every"]):
        pass
    elif bounded or len(given) != 1:
        received = ", ".join(given + (["before/after"] if bounded else [])) or "none"
        raise ValueError(
            f"{event.name}(...) takes exactly one of event_filter, every, once, or before/after "
            f"(every may be combined with before/after); got {received}"
        )

    if event_filter is not None:
        if not callable(event_filter):
            raise TypeError(
                f"Argument event_filter should be a callable (engine, counter) -> bool, "
                f"got {event_filter!r}"
            )
        return event_filter
    upper = float("inf") if before is None else _check_positive("before", before, 0)
    lower = 0 if after is None else _check_positive("after", after, 0)
    if every is not None:
        step = _check_positive("every", every, 1)
        if not bounded:
            return None if step == 1 else lambda engine, counter: counter % step == 0
        return lambda engine, counter: lower < counter < upper and (counter - lower - 1) % step == 0
    if once is not None:
        if not isinstance(once, Collection):
            target = _check_positive("once", once, 1)
            return lambda engine, counter: counter == target
        if isinstance(once, (str, bytes)) or len(once) == 0:
            raise ValueError(
                f"Argument once should be a positive integer or a non-empty collection of "
                f"positive integers, got {once!r}"
            )
        targets = frozenset(_check_positive("once", value, 1) for value in once)
        return lambda engine, counter: counter in targets
    return lambda engine, counter: lower < counter < upper


class EventEnum(CallableEventWithFilter, Enum):
    """Base class of event enumerations: the core :class:`Events` and user-defined ones.

    Members can be filtered and stacked like the core events. Register a custom enumeration with
    :meth:`Engine.register_events` before attaching handlers to it.

    Example:
        >>> from ember.engine import Engine, EventEnum
        >>> class BackpropEvents(EventEnum):
        ...     BACKWARD_STARTED = "backward_started"
        ...     BACKWARD_COMPLETED = "backward_completed"
        >>> str(BackpropEvents.BACKWARD_STARTED)
        'backward_started'
    """

    @property
    def event(self) -> EventEnum:
        return self

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class Events(EventEnum):
    """The events fired by :meth:`Engine.run`.

    In order: ``STARTED``, then for each epoch ``EPOCH_STARTED``, for each batch
    ``GET_BATCH_STARTED``, ``GET_BATCH_COMPLETED``, ``ITERATION_STARTED``,
    ``ITERATION_COMPLETED``, then ``EPOCH_COMPLETED``, and finally ``COMPLETED``.
    ``DATALOADER_STOP_ITERATION`` fires when the data iterator runs out and is restarted,
    ``TERMINATE`` / ``TERMINATE_SINGLE_EPOCH`` after :meth:`Engine.terminate` /
    :meth:`Engine.terminate_epoch`, ``INTERRUPT`` after :meth:`Engine.interrupt`, and
    ``EXCEPTION_RAISED`` (with the exception as extra argument) when the run fails.

    Example:
        >>> from ember.engine import Events
        >>> Events.EPOCH_COMPLETED.value
        'epoch_completed'
    """

    EPOCH_STARTED = "epoch_started"
    EPOCH_COMPLETED = "epoch_completed"
    STARTED = "started"
    COMPLETED = "completed"
    ITERATION_STARTED = "iteration_started"
    ITERATION_COMPLETED = "iteration_completed"
    EXCEPTION_RAISED = "exception_raised"
    GET_BATCH_STARTED = "get_batch_started"
    GET_BATCH_COMPLETED = "get_batch_completed"
    DATALOADER_STOP_ITERATION = "dataloader_stop_iteration"
    TERMINATE = "terminate"
    TERMINATE_SINGLE_EPOCH = "terminate_single_epoch"
    INTERRUPT = "interrupt"


class FilteredEvent(CallableEventWithFilter):
    """An event together with the filter that decides which of its occurrences fire a handler.

    Created by calling an event: ``Events.EPOCH_COMPLETED(every=5)``.

    Example:
        >>> from ember.engine import Events
        >>> filtered = Events.EPOCH_COMPLETED(once=5)
        >>> filtered.event is Events.EPOCH_COMPLETED, filtered.filter(None, 5)
        (True, True)
    """

    __slots__ = ("_event", "_filter")

    def __init__(self, event: EventEnum, event_filter: EventFilter) -> None:
        self._event = event
        self._filter = event_filter

    @property
    def event(self) -> EventEnum:
        return self._event

    @property
    def filter(self) -> EventFilter:
        return self._filter

    @property
    def name(self) -> str:
        """The name of the underlying event."""
        return self._event.name

    @property
    def value(self) -> Any:
        """The value of the underlying event."""
        return self._event.value

    def __str__(self) -> str:
        return str(self._event)

    def __repr__(self) -> str:
        return f"{self._event!r}(filtered)"


AnyEvent = Union[CallableEventWithFilter, "EventsList", Any]
"""An event argument: a (filtered) event, a stacked list, or a registered custom event name."""


class EventsList:
    """Several events that share handlers, built with ``|``.

    Example:
        >>> from ember.engine import Events
        >>> stacked = Events.STARTED | Events.EPOCH_COMPLETED(every=2)
        >>> len(stacked), stacked[0]
        (2, Events.STARTED)
    """

    __slots__ = ("_events",)

    def __init__(self) -> None:
        self._events: list[Any] = []

    def append(self, event: Any) -> None:
        """Add one event (or every event of another list) to this list."""
        if isinstance(event, EventsList):
            self._events.extend(event)
        elif isinstance(event, (CallableEventWithFilter, str, Enum)):
            self._events.append(event)
        else:
            raise TypeError(
                f"Only events (members of an EventEnum, filtered events, registered names) can be "
                f"stacked with |, got {event!r}"
            )

    def __or__(self, other: Any) -> EventsList:
        self.append(other)
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(self._events)

    def __getitem__(self, index: int) -> Any:
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __repr__(self) -> str:
        return " | ".join(repr(event) for event in self._events)
