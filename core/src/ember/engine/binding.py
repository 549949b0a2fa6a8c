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
    handler: Call,
    event_name: Any,
    engine: Engine,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    event_args: tuple[Any, ...] = (),
    optional_event_args: bool = False,
) -> tuple[bool, bool]:
    """How ``handler`` is called: ``(with the engine first, with the event's arguments)``.

    The forms tried, in order: ``(engine, *event_args, *args)``, then without the event's
    arguments when they are optional, then the same without the engine. Raises ``ValueError``
    naming the handler and the event when none fits.
    """
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        return True, True  # builtins without a signature: call them the way Ignite documents
    forms = [(True, True), (True, False), (False, True), (False, False)]
    for with_engine, with_event_args in forms:
        if not with_event_args and not optional_event_args:
            continue
        positional = (*((engine,) if with_engine else ()), *(event_args if with_event_args else ()))
        try:
            signature.bind(*positional, *args, **kwargs)
        except TypeError:
            continue
        return with_engine, with_event_args
    shown = ", ".join(
        ["engine", *(repr(a) for a in (*event_args, *args)), *(f"{k}=..." for k in kwargs)]
    )
    raise ValueError(
        f"Handler {_describe(handler)} cannot be attached to {event_name!r}: it takes "
        f"parameters {list(signature.parameters)} but would be called with ({shown}) "
        "or without the engine"
    )


def bind_handler(
    handler: Call,
    with_engine: bool,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    counter_attr: str | None,
    event_filter: EventFilter | None,
    with_event_args: bool = True,
) -> Call:
    """The callable fired as ``call(engine, *event_args)`` for one registration."""
    call: Call
    if not with_event_args:

        def call(engine: Engine, *event_args: Any) -> None:
            if with_engine:
                handler(engine, *args, **kwargs)
            else:
                handler(*args, **kwargs)

    elif with_engine and not args and not kwargs:
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
