"""``ember new-plugin NAME``: scaffold a plugin distribution that works as generated.

Example:
    >>> from ember.cli.parser import build_parser
    >>> parser = build_parser(with_plugins=False)
    >>> args = parser.parse_args(["new-plugin", "acme", "--kind", "saver"])
    >>> args.name, args.kind, args.dir
    ('acme', 'saver', '.')
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ember.plugins.scaffold import KINDS, scaffold

__all__ = ["add_commands", "run_new_plugin"]


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``new-plugin`` command."""
    parser = commands.add_parser(
        "new-plugin",
        help="scaffold a plugin distribution (pyproject, plugin module, example, tests)",
        description="Write NAME/ with a pyproject declaring the ember entry point, a light "
        "plugin module, a working example component of the chosen kind, a README and tests "
        "using ember.testing.",
    )
    parser.add_argument("name", metavar="NAME", help="distribution name, e.g. acme-metrics")
    parser.add_argument("--kind", choices=sorted(KINDS), default="metric")
    parser.add_argument("--dir", default=".", help="where NAME/ is created (default: .)")
    parser.set_defaults(handler=run_new_plugin)


def run_new_plugin(args: argparse.Namespace) -> int:
    """Scaffold the plugin; a bad name or an existing directory is exit status 2."""
    try:
        root = scaffold(args.name, kind=args.kind, directory=args.dir)
    except (ValueError, FileExistsError) as error:
        print(f"ember: error: {error}", file=sys.stderr)
        return 2
    print(f"created {root}")
    print(f"next: cd {root} && pip install -e '.[test]' && pytest && ember plugins")
    return 0
