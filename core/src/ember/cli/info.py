"""``ember info``: versions, devices and distributed back-ends, for bug reports.

Example:
    >>> from ember.cli.info import collect
    >>> sorted(collect())
    ['backends', 'devices', 'distributed', 'ember', 'platform', 'plugins_error', 'python', 'torch']
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from typing import Any

from ember._version import __version__
from ember.cli.host import load_host, report_error

__all__ = ["add_commands", "collect", "format_info", "run_info"]


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``info`` command."""
    parser = commands.add_parser(
        "info",
        help="versions, devices and distributed back-ends (for bug reports)",
        description="Print the versions of ember, Python and torch, the devices and the "
        "distributed back-ends available.",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run_info)


def _devices() -> dict[str, Any]:
    import torch

    cuda: dict[str, Any] = {"available": torch.cuda.is_available(), "version": torch.version.cuda}
    count = torch.cuda.device_count() if cuda["available"] else 0
    cuda["devices"] = [torch.cuda.get_device_name(index) for index in range(count)]
    mps = getattr(torch.backends, "mps", None)
    return {
        "cpu": os.cpu_count(),
        "cuda": cuda,
        "mps": bool(mps is not None and mps.is_available()),
    }


def _distributed() -> dict[str, bool]:
    import torch.distributed as dist

    if not dist.is_available():
        return {"available": False}
    found = {"available": True}
    for name in ("gloo", "nccl", "mpi"):
        check = getattr(dist, f"is_{name}_available", None)
        found[name] = bool(check is not None and check())
    return found


def collect() -> dict[str, Any]:
    """Everything ``ember info`` shows, as a JSON-ready dict (see the module example).

    ``backends`` lists the names in the ``backends`` registry with the distribution providing
    each; ``plugins_error`` is the message of a policy or plugin error that stopped loading.
    """
    import torch

    host, error = load_host()
    backends = [
        {"name": e.name, "dist": e.dist, "version": e.version, "summary": e.summary}
        for e in host.registries["backends"].entries()
    ]
    return {
        "ember": __version__,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "torch": torch.__version__,
        "devices": _devices(),
        "distributed": _distributed(),
        "backends": backends,
        "plugins_error": None if error is None else str(error),
    }


def _yes(value: object) -> str:
    return "yes" if value else "no"


def format_info(found: dict[str, Any]) -> str:
    """The human form of :func:`collect`'s result.

    Example:
        >>> from ember.cli.info import collect, format_info
        >>> format_info(collect()).splitlines()[0].split()[0]
        'ember'
    """
    cuda = found["devices"]["cuda"]
    if cuda["available"]:
        cuda_line = f"{len(cuda['devices'])} device(s): " + ", ".join(cuda["devices"])
    else:
        cuda_line = "not available"
    lines = [
        f"ember     {found['ember']}",
        f"python    {found['python']} ({found['platform']})",
        f"torch     {found['torch']} (built with CUDA {cuda['version'] or 'none'})",
        "",
        "devices",
        f"  cpu     {found['devices']['cpu']} logical cores",
        f"  cuda    {cuda_line}",
        f"  mps     {'available' if found['devices']['mps'] else 'not available'}",
        "",
    ]
    distributed = found["distributed"]
    if distributed["available"]:
        lines.append("distributed (torch.distributed available)")
        lines += [f"  {name:<6}  {_yes(distributed[name])}" for name in ("gloo", "nccl", "mpi")]
    else:
        lines.append("distributed: torch.distributed is not available in this build")
    lines.append("  registered back-ends:" + ("" if found["backends"] else " none"))
    for entry in found["backends"]:
        who = f"{entry['dist']} {entry['version'] or ''}".strip()
        summary = f": {entry['summary']}" if entry["summary"] else ""
        lines.append(f"    {entry['name']} ({who}){summary}")
    return "\n".join(lines)


def run_info(args: argparse.Namespace) -> int:
    """``ember info [--json]``: print :func:`collect`; 2 if the plugins could not be loaded."""
    found = collect()
    print(json.dumps(found, indent=2) if args.json else format_info(found))
    if found["plugins_error"] is not None:
        report_error(found["plugins_error"])
        return 2
    return 0
