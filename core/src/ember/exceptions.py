"""Errors raised by the ember core.

Every error ember raises on purpose derives from :class:`EmberError`, so callers can catch the
library's own failures apart from bugs elsewhere.

Example:
    >>> from ember.exceptions import EmberError, NotComputableError
    >>> issubclass(NotComputableError, EmberError)
    True
"""

from __future__ import annotations

__all__ = [
    "DuplicateNameError",
    "EmberError",
    "NotComputableError",
    "PluginError",
    "PolicyError",
    "UnknownEventError",
    "UnknownNameError",
]


class EmberError(Exception):
    """Base class of the errors ember raises on purpose."""


class NotComputableError(EmberError, RuntimeError):
    """A metric was asked for its value before it saw any data.

    Example:
        >>> raise NotComputableError("Accuracy needs at least one example")
        Traceback (most recent call last):
        ...
        ember.exceptions.NotComputableError: Accuracy needs at least one example
    """


class UnknownEventError(EmberError, ValueError):
    """An event was used with an engine that has not registered it."""


class PluginError(EmberError, RuntimeError):
    """A plugin could not be loaded, or violates the plugin policy, in strict mode."""


class PolicyError(EmberError, ValueError):
    """A plugin policy file or environment variable is malformed; nothing is loaded."""


class UnknownNameError(EmberError, LookupError):
    """No plugin registered the name looked up in a registry."""


class DuplicateNameError(EmberError, ValueError):
    """Two plugins registered the same name in one registry."""
