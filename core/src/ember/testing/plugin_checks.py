"""``check_plugin``: what a plugin module must satisfy before it is published.

Example:
    >>> import types
    >>> from ember.plugins import hookimpl
    >>> from ember.testing import check_plugin
    >>> plugin = types.ModuleType("demo_plugin")
    >>> @hookimpl
    ... def ember_register_loggers(register):
    ...     register("stdout", "builtins:print", summary="print every event")
    >>> plugin.ember_register_loggers = ember_register_loggers
    >>> sorted(check_plugin(plugin, check_imports=False)["loggers"])
    ['stdout']
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import warnings
from types import ModuleType
from typing import Any

import pluggy

from ember.plugins import PluginHost, PluginLoadWarning, Policy, hookspecs
from ember.plugins.discovery import discover
from ember.plugins.markers import PROJECT

__all__ = ["HEAVY_MODULES", "check_plugin"]

# Modules a plugin's entry-point module must not import at its top level.
HEAVY_MODULES = (
    "scipy",
    "sklearn",
    "pandas",
    "matplotlib",
    "tensorboard",
    "tensorflow",
    "mlflow",
    "neptune",
    "torch_xla",
    "horovod",
    "visdom",
    "wandb",
    "clearml",
)

_IMPORT_PROBE = (
    "import json, sys, importlib\n"
    "import ember\n"
    "before = set(sys.modules)\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps(sorted(set(sys.modules) - before)))\n"
)


def _resolve(plugin: str | ModuleType | Any) -> tuple[Any, str, str]:
    """The plugin object, its module name and its distribution for a name, module or object."""
    candidates = discover()
    if not isinstance(plugin, str):
        name = getattr(plugin, "__name__", None) or type(plugin).__module__
        dist = next((c.dist for c in candidates if c.module == name), "<checked>")
        return plugin, name, dist
    for candidate in candidates:
        if plugin in (candidate.name, candidate.dist, candidate.value, candidate.module):
            module_name, _, attr = candidate.value.partition(":")
            target: Any = importlib.import_module(module_name.strip())
            for part in filter(None, attr.split(".")):
                target = getattr(target, part)
            return target, module_name.strip(), candidate.dist
    return importlib.import_module(plugin), plugin, "<checked>"


def _heavy_imports(module_name: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, module_name],
        capture_output=True,
        text=True,
        timeout=300,
        # The same import path as the caller, so that a plugin found here is found there.
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
    )
    if result.returncode != 0:
        raise AssertionError(
            f"importing {module_name} in a fresh interpreter failed:\n{result.stderr[-2000:]}"
        )
    imported = json.loads(result.stdout.splitlines()[-1])
    return sorted({name for name in imported if name.split(".")[0] in HEAVY_MODULES})


def check_plugin(
    plugin: str | ModuleType | Any, check_imports: bool = True
) -> dict[str, list[str]]:
    """Check a plugin and return the names it registers, by kind; raise AssertionError if not.

    Checks: every hookimpl names one of ember's hooks and takes only that hook's arguments; every
    registration hook runs without error; its names clash with no other installed plugin's;
    and (``check_imports``) importing the entry-point module in a fresh interpreter imports none
    of :data:`HEAVY_MODULES`.

    Args:
        plugin: an entry-point name, distribution name or module path of an installed plugin,
            or the plugin module or object itself.
        check_imports: run the subprocess import check (needs a module importable by name).
    """
    target, module_name, dist = _resolve(plugin)
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    try:
        manager.register(target)
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        raise AssertionError(f"{module_name}: invalid hook implementation: {error}") from None

    host = PluginHost(policy=Policy(), autoload=False)
    try:
        host.add_plugin(target, dist=dist)
    except Exception as error:
        raise AssertionError(f"{module_name}: registration failed: {error}") from None
    provides = {
        kind: [e.name for e in registry.entries()]
        for kind, registry in host.registries.items()
        if len(registry)
    }
    others = PluginHost(policy=Policy())
    with warnings.catch_warnings():
        # Other plugins' load failures are not this plugin's; only clashes are reported.
        warnings.simplefilter("ignore", PluginLoadWarning)
        installed = others.entries()
    clashes = [
        f"{entry.kind} {entry.name!r} is also registered by {entry.dist}"
        for entry in installed
        if entry.dist != dist and entry.name in provides.get(entry.kind, [])
    ]
    if clashes:
        raise AssertionError(f"{module_name}: name clashes: " + "; ".join(clashes))
    if check_imports:
        heavy = _heavy_imports(module_name)
        if heavy:
            raise AssertionError(
                f"{module_name} imports heavy modules at import time: {', '.join(heavy)}; "
                "register 'module:attr' strings so they load only when used"
            )
    return provides
