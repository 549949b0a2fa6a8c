"""ember's plugin system: hooks, registries, discovery and the loading policy.

Plugins are distributions with an entry point in the group ``ember``; they are found and
loaded on first use (never at ``import ember``), within the policy in force.

Example:
    >>> from ember.plugins import hookimpl, registry
    >>> registry("metrics").kind
    'metrics'
"""

from ember.plugins.manager import (
    PluginHost,
    PluginLoadWarning,
    PluginRecord,
    get_host,
    get_plugin_manager,
    plugin_records,
    registry,
    reset_plugins,
)
from ember.plugins.markers import hookimpl, hookspec
from ember.plugins.policy import Decision, Policy, load_policy
from ember.plugins.registry import KINDS, Entry, Register, Registry

__all__ = [
    "KINDS",
    "Decision",
    "Entry",
    "PluginHost",
    "PluginLoadWarning",
    "PluginRecord",
    "Policy",
    "Register",
    "Registry",
    "get_host",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "load_policy",
    "plugin_records",
    "registry",
    "reset_plugins",
]
