"""``ember plugins``: list the installed plugins, check them against a policy, pin them.

- ``ember plugins [--json]``: every ``ember`` entry point, loaded, blocked or failed (and why),
  with its distribution, version and the names it provides;
- ``ember plugins check [--policy FILE] [--import] [--json]``: the CI gate (see
  :mod:`ember.cli.check`);
- ``ember plugins export --requirements``: ``dist==version`` lines of the loaded plugins.

Example:
    >>> from ember.plugins import PluginRecord
    >>> from ember.cli.plugins import format_table
    >>> record = PluginRecord("metrics", "acme.plugin", "acme", "1.0", "loaded",
    ...                       provides={"metrics": ["Half"]})
    >>> print(format_table([record]))
    entry point  distribution  version  status  provides / reason
    metrics      acme          1.0      loaded  metrics: Half
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ember._version import __version__
from ember.cli import check
from ember.cli.host import describe_policy, load_host, report_error
from ember.plugins import PluginRecord

__all__ = ["add_commands", "export_requirements", "format_table", "list_plugins", "run_export"]

_HEADER = ("entry point", "distribution", "version", "status", "provides / reason")


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``plugins`` command and its ``check`` and ``export`` subcommands."""
    parser = commands.add_parser(
        "plugins",
        help="list the installed plugins (loaded, blocked, failed); check or pin them",
        description="List every installed ember plugin: loaded, blocked or failed, and why.",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of records")
    parser.set_defaults(handler=list_plugins)
    subcommands = parser.add_subparsers(dest="plugins_command", metavar="SUBCOMMAND")

    checker = subcommands.add_parser(
        "check",
        help="exit non-zero when the installed plugins do not satisfy the policy",
        description="Exit 0 when the installed plugins satisfy the plugin policy; otherwise "
        "1, with one line per violation (distribution, rule, file). A malformed policy exits "
        "with 2. The CI gate.",
    )
    checker.add_argument(
        "--policy",
        metavar="FILE",
        help="check against this policy file instead of the usual lookup (the environment "
        "variables and a locked site policy still apply)",
    )
    checker.add_argument(
        "--import",
        dest="import_",
        action="store_true",
        help="also import each allowed plugin in a subprocess and validate its hooks",
    )
    checker.add_argument("--json", action="store_true", help="print the result as JSON")
    checker.set_defaults(handler=check.run_check)

    exporter = subcommands.add_parser(
        "export",
        help="print the loaded plugin set, pinned",
        description="Print the loaded plugins as pinned requirements, ember first.",
    )
    formats = exporter.add_mutually_exclusive_group(required=True)
    formats.add_argument(
        "--requirements",
        action="store_true",
        help="pip requirements: ember==<version>, then dist==version per loaded plugin",
    )
    exporter.set_defaults(handler=run_export)


def list_plugins(args: argparse.Namespace) -> int:
    """``ember plugins [--json]``: print every record of the plugin host.

    Returns 0, or 2 when the policy is malformed or a required plugin did not load (after
    listing what was recorded).

    Example:
        >>> import argparse
        >>> from ember.cli.plugins import list_plugins
        >>> list_plugins(argparse.Namespace(json=True))  # doctest: +ELLIPSIS
        [...]
        0
    """
    host, error = load_host(quiet=True)
    if error is not None and not host.records:
        report_error(error)
        return 2
    if args.json:
        print(json.dumps([record.as_dict() for record in host.records], indent=2))
    else:
        print(_listing(host.records, describe_policy(host.policy)))
    if error is not None:
        report_error(error)
        return 2
    return 0


def _listing(records: list[PluginRecord], policy: str) -> str:
    if not records:
        return f"no ember plugins installed; policy: {policy}"
    counts = {s: sum(r.status == s for r in records) for s in ("loaded", "blocked", "failed")}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    return f"{format_table(records)}\n\n{len(records)} entry points: {summary}; policy: {policy}"


def format_table(records: list[PluginRecord]) -> str:
    """The records as an aligned text table, one line each (see the module example)."""
    rows = [_HEADER] + [(r.name, r.dist, r.version or "?", r.status, _detail(r)) for r in records]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADER) - 1)]
    return "\n".join(
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)), row[-1]]
        ).rstrip()
        for row in rows
    )


def _detail(record: PluginRecord) -> str:
    if record.status != "loaded":
        return " ".join(record.reason.split())  # one line per record, whatever the error
    provided = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in record.provides.items())
    return provided or "(hooks only)"


def export_requirements(records: list[PluginRecord], ember_version: str = __version__) -> str:
    """Pinned requirements for the loaded plugins of ``records``: ember first, then sorted.

    Example:
        >>> from ember.plugins import PluginRecord
        >>> from ember.cli.plugins import export_requirements
        >>> records = [PluginRecord("b", "b.plugin", "acme-b", "2.0", "loaded"),
        ...            PluginRecord("a", "a.plugin", "acme-a", "1.0", "loaded"),
        ...            PluginRecord("c", "c.plugin", "acme-c", "1.0", "blocked")]
        >>> print(export_requirements(records, "0.1.0"))
        ember==0.1.0
        acme-a==1.0
        acme-b==2.0
    """
    pins = {r.dist: r.version for r in records if r.status == "loaded"}
    lines = [f"ember=={ember_version}"]
    lines += [f"{dist}=={version}" if version else dist for dist, version in sorted(pins.items())]
    return "\n".join(lines)


def run_export(args: argparse.Namespace) -> int:
    """``ember plugins export --requirements``: print the pinned loaded set.

    Returns 0, or 2 when loading stopped on an error (nothing is printed: a partial set
    pinned by mistake would be worse than none).
    """
    host, error = load_host()
    if error is not None:
        report_error(error)
        return 2
    print(export_requirements(host.records))
    return 0
