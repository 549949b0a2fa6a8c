"""Every metric of the plugin by registry name: ``name -> (class, module, summary)``.

Each family of metrics lists its own entries in a module of this package
(``catalogue/classification.py``, ...), which holds plain strings only, so that reading the
catalogue imports no metric code. The entries are gathered by listing the package's modules.

Example:
    >>> from ember_metrics.catalogue import entries
    >>> cls, module, summary = entries()["accuracy"]
    >>> cls, module
    ('Accuracy', 'ember_metrics.classification.accuracy')
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import NamedTuple

__all__ = ["Entry", "by_class", "entries"]


class Entry(NamedTuple):
    """Where a metric lives: its class name, its module and a one-line summary."""

    cls: str
    module: str
    summary: str


@functools.cache
def entries() -> dict[str, Entry]:
    """Every metric by registry name, sorted; a name listed by two families is an error."""
    found: dict[str, Entry] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        family = importlib.import_module(f"{__name__}.{info.name}")
        for name, (cls, module, summary) in family.ENTRIES.items():
            if name in found:
                raise RuntimeError(f"metric name {name!r} is listed twice in the catalogue")
            found[name] = Entry(cls, module, summary)
    return dict(sorted(found.items()))


@functools.cache
def by_class() -> dict[str, Entry]:
    """Every metric by class name (for ``from ember_metrics import Accuracy``)."""
    return {entry.cls: entry for entry in entries().values()}
