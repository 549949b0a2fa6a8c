"""A weak handle that removes a handler from an engine, also usable as a context manager."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import MethodType, TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ember.engine.engine import Engine

__all__ = ["RemovableEventHandle"]


def _weak(obj: Any) -> Callable[[], Any]:
    """A weak reference to ``obj``; a strong one for objects that cannot be weakly referenced."""
    if isinstance(obj, MethodType):
        return weakref.WeakMethod(obj)
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


class RemovableEventHandle:
    """Removes the handler it was returned for; holds the engine and handler weakly.

    Returned by :meth:`Engine.add_event_handler`. Use :meth:`remove`, or a ``with`` block to keep
    a handler attached for the duration of the block only.

    Example:
        >>> from ember.engine import Engine, Events
        >>> engine = Engine(lambda engine, batch: None)
        >>> calls = []
        >>> with engine.add_event_handler(Events.COMPLETED, lambda engine: calls.append(1)):
        ...     _ = engine.run([0])
        >>> _ = engine.run([0])
        >>> calls
        [1]
    """

    def __init__(self, event_name: Any, handler: Callable[..., Any], engine: Engine) -> None:
        self.event_name = event_name
        self.handler = _weak(handler)
        self.engine: Callable[[], Engine | None] = weakref.ref(engine)

    def remove(self) -> None:
        """Remove the handler from the engine; does nothing if either is already gone."""
        handler = self.handler()
        engine = self.engine()
        if handler is None or engine is None:
            return
        from ember.engine.events import EventsList

        events = self.event_name if isinstance(self.event_name, EventsList) else [self.event_name]
        for event in events:
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def __enter__(self) -> RemovableEventHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()
