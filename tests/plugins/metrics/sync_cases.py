"""Every two-process synchronisation case of the metric tests, gathered from the family files.

Each ``sync_cases_<family>.py`` of this folder holds ``CASES``: a name (the metric's registry
name, or ``name[config]`` for another configuration) mapped to ``(factory, batches)`` for
``ember.testing.check_metrics_distributed``, or to ``None`` where the two-process check cannot
apply (the family file's docstring or comment says why). :func:`all_cases` merges them.

The family modules are imported by their plain names (``sync_cases_<family>``), with this folder
on ``sys.path``, so that the factories they define pickle under names the spawned processes can
import.

Example:
    >>> from sync_cases import all_cases
    >>> "accuracy" in all_cases()
    True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ember.metric import Metric

__all__ = ["Case", "all_cases"]

Case = tuple[Callable[[], Metric], list[Any]]

_HERE = Path(__file__).resolve().parent


def all_cases() -> dict[str, Case | None]:
    """Every family's ``CASES`` merged into one dict; a name in two families is an error.

    Raises:
        RuntimeError: a case name is defined by two family files, or a family file has no
            ``CASES`` dict.
    """
    if str(_HERE) not in sys.path:
        sys.path.insert(0, str(_HERE))
    merged: dict[str, Case | None] = {}
    owner: dict[str, str] = {}
    for path in sorted(_HERE.glob("sync_cases_*.py")):
        module = importlib.import_module(path.stem)
        cases = getattr(module, "CASES", None)
        if not isinstance(cases, dict):
            raise RuntimeError(f"{path.name} should define CASES, a dict of name -> case")
        for name, case in cases.items():
            if name in merged:
                raise RuntimeError(
                    f"sync case {name!r} is defined by both {owner[name]} and {path.name}"
                )
            merged[name] = case
            owner[name] = path.name
    return merged
