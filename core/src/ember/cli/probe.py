"""The child side of ``ember plugins check --import``: import one plugin, validate its hooks.

Run as ``python -c "from ember.cli.probe import main; ..." DIST VERSION NAME VALUE`` by the
check, one process per entry point, so that a plugin that crashes the interpreter (a native
extension, ``os._exit``) takes down only its own process. The problems found are printed as one
JSON list after :data:`MARKER`; the exit status is 0 whenever that line was printed.

Example:
    >>> from ember.cli.probe import probe
    >>> probe("demo", "1.0", "demo", "ember.plugins.markers")
    []
    >>> probe("demo", "1.0", "demo", "no_such_module_here")[0]["rule"]
    'import'
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
from typing import Any

import pluggy

from ember.plugins import hookspecs
from ember.plugins.markers import PROJECT
from ember.plugins.registry import KINDS, Registry

__all__ = ["MARKER", "main", "probe"]

MARKER = "ember-probe-result: "

_HOOKS = frozenset(hookspecs.__all__)


def _problem(rule: str, message: str) -> dict[str, str]:
    return {"rule": rule, "message": " ".join(message.split())}


def _load(value: str) -> Any:
    module_name, _, attr_path = value.partition(":")
    target: Any = importlib.import_module(module_name.strip())
    for attr in filter(None, attr_path.strip().split(".")):
        target = getattr(target, attr)
    return target


def _hook_names(pm: pluggy.PluginManager, plugin: Any) -> list[dict[str, str]]:
    """Unknown hook names, and functions named like a hook but not marked as one."""
    problems = []
    for attr in sorted(dir(plugin)):
        try:
            marked = pm.parse_hookimpl_opts(plugin, attr) is not None
        except Exception:  # an attribute that cannot be read is not a hookimpl
            continue
        if marked and attr not in _HOOKS:
            close = difflib.get_close_matches(attr, _HOOKS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                _problem(
                    "hooks",
                    f"unknown hook {attr!r}{hint} (ember's hooks: {', '.join(sorted(_HOOKS))})",
                )
            )
        elif not marked and attr in _HOOKS and callable(getattr(plugin, attr, None)):
            problems.append(
                _problem(
                    "hooks",
                    f"{attr} is not marked with @ember.plugins.hookimpl, so ember never calls it",
                )
            )
    return problems


def _registrations(pm: pluggy.PluginManager, dist: str, version: str) -> list[dict[str, str]]:
    """Call the registration hooks as the plugin host would, and the commands hook."""
    from ember.cli.parser import BUILTIN_COMMANDS

    problems = []
    for kind in KINDS:
        register = Registry(kind).bound_register(dist, version or None)
        for impl in getattr(pm.hook, f"ember_register_{kind}").get_hookimpls():
            try:
                impl.function(**dict.fromkeys(impl.argnames, register))
            except Exception as error:
                problems.append(
                    _problem(
                        "hooks", f"ember_register_{kind} raised {type(error).__name__}: {error}"
                    )
                )
    commands = argparse.ArgumentParser(prog="ember").add_subparsers()
    for builtin in BUILTIN_COMMANDS:
        commands.add_parser(builtin)
    for impl in pm.hook.ember_register_commands.get_hookimpls():
        try:
            impl.function(**dict.fromkeys(impl.argnames, commands))
        except Exception as error:
            problems.append(
                _problem("hooks", f"ember_register_commands raised {type(error).__name__}: {error}")
            )
    for name, parser in commands.choices.items():
        if name not in BUILTIN_COMMANDS and parser.get_default("handler") is None:
            problems.append(
                _problem("hooks", f"command {name!r} sets no handler (set_defaults(handler=...))")
            )
    return problems


def probe(dist: str, version: str, name: str, value: str) -> list[dict[str, str]]:
    """Import entry point ``name = value`` of ``dist``; list its problems (rule and message).

    The hooks are checked against ember's hookspecs with a fresh pluggy manager: unknown hook
    names, arguments the spec lacks, unmarked hook functions, and registration hooks that raise
    when called (see the module example).
    """
    try:
        plugin = _load(value)
    except BaseException as error:  # SystemExit at import too: report it, do not exit
        return [_problem("import", f"importing {value} failed: {type(error).__name__}: {error}")]
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    problems = _hook_names(pm, plugin)
    try:
        pm.register(plugin, name=f"{dist}:{name}")
    except Exception as error:
        return [*problems, _problem("hooks", str(error))]
    return problems + _registrations(pm, dist, version)


def main(argv: list[str]) -> int:
    """Probe the entry point given as ``DIST VERSION NAME VALUE``; print the result line.

    Example:
        >>> from ember.cli.probe import main
        >>> main(["demo", "1.0", "demo", "ember.plugins.markers"])
        ember-probe-result: []
        0
    """
    dist, version, name, value = argv
    problems = probe(dist, version, name, value)
    print(f"{MARKER}{json.dumps(problems)}", flush=True)
    return 0
