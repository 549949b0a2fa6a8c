"""``tmp_plugin``: a plugin registered for the duration of a ``with`` block.

Example:
    >>> from ember.plugins import PluginHost, Policy, hookimpl
    >>> from ember.testing import tmp_plugin
    >>> class Extra:
    ...     @hookimpl
    ...     def ember_register_savers(self, register):
    ...         register("memory", dict)
    >>> host = PluginHost(policy=Policy(), autoload=False)
    >>> with tmp_plugin(Extra(), host=host):
    ...     "memory" in host.registry("savers")
    True
    >>> "memory" in host.registry("savers")
    False
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ember.plugins import PluginHost, get_host

__all__ = ["tmp_plugin"]


@contextmanager
def tmp_plugin(
    plugin: Any, dist: str = "<tmp>", version: str | None = None, host: PluginHost | None = None
) -> Iterator[PluginHost]:
    """Register ``plugin`` (a module or object with hookimpls) on ``host`` for the block.

    Args:
        plugin: the plugin module or object.
        dist: the distribution name its registrations are recorded under.
        version: that distribution's version.
        host: the plugin host; default the process-wide one.
    """
    host = get_host() if host is None else host
    snapshots = {kind: registry.snapshot() for kind, registry in host.registries.items()}
    records = len(host.records)
    host.add_plugin(plugin, dist=dist, version=version)
    try:
        yield host
    finally:
        if host.pm.is_registered(plugin):
            host.pm.unregister(plugin)
        for kind, snapshot in snapshots.items():
            host.registries[kind].restore(snapshot)
        del host.records[records:]
