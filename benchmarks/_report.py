"""Shared helpers for the benchmark scripts: command line, optional imports, report tables.

Benchmarks report; they never assert a time. A target is printed next to each figure with
"met" or "MISSED" so that a reader sees at once where the figure stands.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import platform
import sys
from collections.abc import Sequence
from types import ModuleType


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options every benchmark takes: ``--quick`` for a fast smoke run, ``--repeats N``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a small, fast run that checks the script works"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="repetitions per measurement (best or median)"
    )
    return parser.parse_args(argv)


def optional_import(name: str) -> ModuleType | None:
    """Import ``name``, or print why it is skipped and return None."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        print(f"note: {name} is not importable ({error}); its rows are skipped")
        return None


def silence_loggers(*names: str) -> None:
    """Keep library loggers (Ignite logs every run start and end) out of the report."""
    for name in names:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


def header(title: str) -> None:
    """Print the benchmark's title and the environment the figures come from."""
    import torch

    print()
    print(title)
    print("=" * len(title))
    versions = [f"python {platform.python_version()}", f"torch {torch.__version__}"]
    for name, dist in (("ember", "ember"), ("ignite", "pytorch-ignite")):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{dist} {getattr(module, '__version__', '?')}")
    print(", ".join(versions) + f"; {platform.machine()}, torch threads {torch.get_num_threads()}")
    print()


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as an aligned text table; the first column left-aligned, the rest right."""
    cells = [[str(h) for h in headers]] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))
    print()


def verdict(value: float | None, limit: float) -> str:
    """``"met"`` when value is at most limit, ``"MISSED"`` above it, ``"n/a"`` without a value."""
    if value is None:
        return "n/a"
    return "met" if value <= limit else "MISSED"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
