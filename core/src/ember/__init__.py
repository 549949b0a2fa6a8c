"""ember: train and evaluate PyTorch models with a small engine, events and plugins.

Example:
    >>> from ember import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch * 2)
    >>> state = engine.run([1, 2, 3], max_epochs=2)
    >>> state.iteration, state.output
    (6, 6)
"""

from typing import Any

from ember._version import __version__
from ember.engine import Engine, EventEnum, Events, State

__all__ = ["Engine", "EventEnum", "Events", "State", "__version__", "hookimpl", "hookspec"]


def __getattr__(name: str) -> Any:
    # The pluggy markers, without importing the plugin system at ``import ember``.
    if name in ("hookimpl", "hookspec"):
        from ember.plugins import markers

        return getattr(markers, name)
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
