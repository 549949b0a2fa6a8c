"""The engine, its events and state, and the supervised training and evaluation helpers.

Example:
    >>> from ember.engine import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch)
    >>> engine.run([1, 2], max_epochs=1).output
    2
"""

from ember.engine.engine import Engine
from ember.engine.events import (
    CallableEventWithFilter,
    EventEnum,
    EventFilter,
    Events,
    EventsList,
    FilteredEvent,
)
from ember.engine.handle import RemovableEventHandle
from ember.engine.state import State

__all__ = [
    "CallableEventWithFilter",
    "Engine",
    "EventEnum",
    "EventFilter",
    "Events",
    "EventsList",
    "FilteredEvent",
    "RemovableEventHandle",
    "State",
]
