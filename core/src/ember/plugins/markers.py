"""The pluggy markers of ember's hooks (project name ``"ember"``).

Example:
    >>> from ember.plugins import hookimpl
    >>> @hookimpl
    ... def ember_register_metrics(register):
    ...     register("Half", "my_plugin.metrics:Half", summary="half of the mean")
"""

from __future__ import annotations

import pluggy

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "ember"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
