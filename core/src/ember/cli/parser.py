"""The ``ember`` command line: its built-in commands plus those the plugins add.

Plugins add commands through the ``ember_register_commands(cli)`` hook, which receives the
sub-parsers of the ``ember`` parser. They are loaded only when the command line does not name a
built-in command, so that ``ember plugins check --import`` never imports a plugin in-process.

Example:
    >>> from ember.cli.parser import build_parser
    >>> args = build_parser(with_plugins=False).parse_args(["plugins", "--json"])
    >>> args.command, args.json
    ('plugins', True)
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any

from ember._version import __version__
from ember.cli import info, new_plugin, plugins
from ember.cli.host import load_host, warn

__all__ = ["BUILTIN_COMMANDS", "Handler", "add_plugin_commands", "build_parser"]

Handler = Callable[[argparse.Namespace], int]

BUILTIN_COMMANDS = ("plugins", "info", "new-plugin")

_trace = logging.getLogger("ember.plugins.trace")

_EPILOG = """\
exit status: 0 success; 1 a check found violations; 2 usage error, malformed plugin policy or
a plugin error. Plugins may add commands (the ember_register_commands hook).
"""


def build_parser(with_plugins: bool = True) -> argparse.ArgumentParser:
    """The ``ember`` parser; ``with_plugins`` loads the plugins and adds their commands.

    Each command sets a ``handler`` default: a function of the parsed arguments returning the
    exit status.

    Example:
        >>> from ember.cli.parser import build_parser
        >>> parser = build_parser(with_plugins=False)
        >>> parser.parse_args(["info"]).handler.__name__
        'run_info'
    """
    parser = argparse.ArgumentParser(
        prog="ember",
        description="ember: train and evaluate PyTorch models; inspect and check its plugins.",
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"ember {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    plugins.add_commands(commands)
    info.add_commands(commands)
    new_plugin.add_commands(commands)
    if with_plugins:
        add_plugin_commands(commands)
    return parser


def add_plugin_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Call each loaded plugin's ``ember_register_commands(cli=commands)``.

    A plugin whose hook raises (a name clash with another command, a bug) is reported as a
    warning and left out; the other commands keep working.
    """
    host, error = load_host()
    if error is not None:
        warn(f"plugin commands may be missing: {error}")
    for impl in host.pm.hook.ember_register_commands.get_hookimpls():
        _trace.debug("ember_register_commands: %s", impl.plugin_name)
        try:
            impl.function(**dict.fromkeys(impl.argnames, commands))
        except Exception as exc:
            warn(
                f"plugin {impl.plugin_name} could not add its commands and is left out: "
                f"{type(exc).__name__}: {exc}"
            )
