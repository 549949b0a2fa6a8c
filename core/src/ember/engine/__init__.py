"""The engine, its events and state, and the supervised training and evaluation helpers.

Example:
    >>> from ember.engine import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch)
    >>> engine.run([1, 2], max_epochs=1).output
    2
"""

from ember.engine.deterministic import DeterministicEngine
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
from ember.engine.supervised import (
    create_supervised_evaluator,
    create_supervised_trainer,
    supervised_evaluation_step,
    supervised_evaluation_step_amp,
    supervised_training_step,
    supervised_training_step_amp,
)

__all__ = [
    "CallableEventWithFilter",
    "DeterministicEngine",
    "Engine",
    "EventEnum",
    "EventFilter",
    "Events",
    "EventsList",
    "FilteredEvent",
    "RemovableEventHandle",
    "State",
    "create_supervised_evaluator",
    "create_supervised_trainer",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "supervised_training_step",
    "supervised_training_step_amp",
]
