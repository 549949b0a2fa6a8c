"""pytest fixtures for plugin authors: an isolated plugin manager and temporary plugins.

Enable it in a ``conftest.py`` with ``pytest_plugins = ["ember.testing.pytest_plugin"]``.
The module imports nothing from ember until a fixture is used, so it is cheap to enable.

Example (in a test module)::

    def test_my_metric_is_registered(plugin_manager, tmp_plugin):
        import my_plugin.plugin

        with tmp_plugin(my_plugin.plugin):
            assert "MyMetric" in plugin_manager.registry("metrics")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ember.plugins import PluginHost


@pytest.fixture
def plugin_manager() -> Iterator[PluginHost]:
    """A :class:`~ember.plugins.PluginHost` that never autoloads, installed as the process-wide
    one for the test (so ``ember.plugins.registry`` and new engines use it), then removed."""
    from ember.plugins import PluginHost, Policy, reset_plugins
    from ember.plugins.manager import get_host

    previous = get_host.__globals__["_HOST"]
    host = PluginHost(policy=Policy(), autoload=False)
    host.load()
    reset_plugins(host)
    try:
        yield host
    finally:
        reset_plugins(previous)


@pytest.fixture
def tmp_plugin(
    plugin_manager: PluginHost,
) -> Callable[..., AbstractContextManager[PluginHost]]:
    """``with tmp_plugin(obj, dist="name"):`` registers ``obj`` on ``plugin_manager`` meanwhile."""
    from ember.testing.temporary import tmp_plugin as context

    def use(plugin: Any, dist: str = "<tmp>", version: str | None = None) -> Any:
        return context(plugin, dist=dist, version=version, host=plugin_manager)

    return use
