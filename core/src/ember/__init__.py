"""ember: train and evaluate PyTorch models with a small engine, events and plugins.

Example:
    >>> from ember import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch * 2)
    >>> state = engine.run([1, 2, 3], max_epochs=2)
    >>> state.iteration, state.output
    (6, 6)
"""

from ember._version import __version__
from ember.engine import Engine, EventEnum, Events, State

__all__ = ["Engine", "EventEnum", "Events", "State", "__version__"]
