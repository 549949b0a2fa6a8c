"""Turning a user handler into the one-shape callable the engine fires.

Handlers may be any callable and may or may not take the engine; extra arguments come from
``add_event_handler``. All of that is decided once, at registration, so that firing an event is a
plain loop over ``call(engine, *event_args)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ember.engine.engine import Engine
    from ember.engine.events import EventFilter

__all__ = ["HandlerEntry", "bind_handler", "takes_engine"]

Call = Callable[..., Any]


class HandlerEntry:
    """One registration: the user's handler, its extra arguments and the bound call."""

    __slots__ = ("args", "call", "handler", "kwargs")

    def __init__(
        self, handler: Call, call: Call, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self.handler = handler
        self.call = call
        self.args = args
        self.kwargs = kwargs

    def matches(self, handler: Any) -> bool:
        """Whether this entry was registered for ``handler``."""
        return self.handler is handler or self.handler == handler


def _describe(handler: Any) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def takes_engine(
    handler: Call, event_name: Any, engine: Engine, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> bool:
    """Whether ``handler`` is called with the engine first; raise if it accepts neither form."""
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        return True  # builtins without a signature: call them the way Ignite documents
    try:
        signature.bind(engine, *args, **kwargs)
        return True
    except TypeError:
        pass
    try:
        signature.bind(*args, **kwargs)
        return False
    except TypeError as error:
        shown = ", ".join(["engine", *(repr(a) for a in args), *(f"{k}=..." for k in kwargs)])
        raise ValueError(
            f"Handler {_describe(handler)} cannot be attached to {event_name!r}: it takes "
            f"parameters {list(signature.parameters)} but would be called with ({shown}) "
            f"or without the engine ({error})"
        ) from None


def bind_handler(
    handler: Call,
    with_engine: bool,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    counter_attr: str | None,
    event_filter: EventFilter | None,
) -> Call:
    """The callable fired as ``call(engine, *event_args)`` for one registration."""
    call: Call
    if with_engine and not args and not kwargs:
        call = handler
    elif with_engine:

        def call(engine: Engine, *event_args: Any) -> None:
            handler(engine, *event_args, *args, **kwargs)

    elif not args and not kwargs:

        def call(engine: Engine, *event_args: Any) -> None:
            handler(*event_args)

    else:

        def call(engine: Engine, *event_args: Any) -> None:
            handler(*event_args, *args, **kwargs)

    if event_filter is None or counter_attr is None:
        return call
    unfiltered = call

    def filtered(engine: Engine, *event_args: Any) -> None:
        if event_filter(engine, getattr(engine.state, counter_attr)):
            unfiltered(engine, *event_args)

    return filtered
