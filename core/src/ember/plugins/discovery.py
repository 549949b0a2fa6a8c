"""Finding the installed distributions that declare an entry point in the group ``ember``.

A direct scan of ``sys.path`` for ``*.dist-info`` / ``*.egg-info`` directories: the name and
version come from the directory name, and only ``entry_points.txt`` is read, so an unrelated
distribution costs one failed ``open`` and no metadata parsing. The result matches
``importlib.metadata.entry_points(group="ember")``, sorted by canonical distribution name and
then entry-point name; where a distribution is found twice, the first on ``sys.path`` wins.

Example:
    >>> from ember.plugins.discovery import discover
    >>> all(c.dist == c.dist.lower() for c in discover())
    True
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["GROUP", "Candidate", "canonical_name", "discover"]

GROUP = "ember"
_SUFFIXES = (".dist-info", ".egg-info")


_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """A distribution name normalised as PEP 503 says (``Ember_Metrics`` → ``ember-metrics``).

    Written out here rather than imported from ``packaging.utils``, whose import costs more than
    a whole scan of a typical environment.
    """
    return _SEPARATORS.sub("-", name.strip()).lower()


@dataclass(frozen=True)
class Candidate:
    """An entry point in the ``ember`` group and the distribution that declares it."""

    name: str
    value: str
    dist: str
    version: str | None
    location: str

    @property
    def module(self) -> str:
        """The module the entry point names (``"pkg.plugin"`` for ``"pkg.plugin:obj"``)."""
        return self.value.partition(":")[0].strip()


def _ember_section(text: str) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of the ``[ember]`` section of an ``entry_points.txt``."""
    pairs = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            inside = line == f"[{GROUP}]"
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    return pairs


def _name_version(directory: str, metadata_dir: str) -> tuple[str, str | None]:
    stem = directory[: -len(".dist-info")] if directory.endswith(".dist-info") else directory[:-9]
    name, _, version = stem.partition("-")
    if directory.endswith(".egg-info"):
        version = version.split("-py")[0]
    if not version:
        version = _metadata_version(metadata_dir)
    return canonical_name(name), version or None


def _metadata_version(metadata_dir: str) -> str:
    for file_name in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(metadata_dir, file_name), encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return ""


def discover(path: Iterable[str] | None = None) -> list[Candidate]:
    """Every ``ember`` entry point installed on ``path`` (default ``sys.path``), sorted."""
    seen: set[str] = set()
    found: list[Candidate] = []
    for entry in sys.path if path is None else path:
        try:
            children = os.scandir(entry or ".")
        except OSError:
            continue
        with children:
            metadata_dirs = sorted(c.name for c in children if c.name.endswith(_SUFFIXES))
        for directory in metadata_dirs:
            metadata_dir = os.path.join(entry or ".", directory)
            try:
                with open(os.path.join(metadata_dir, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                text = ""
            dist, version = _name_version(directory, metadata_dir)
            if dist in seen:
                continue
            seen.add(dist)
            if f"[{GROUP}]" not in text:
                continue
            found.extend(
                Candidate(name, value, dist, version, metadata_dir)
                for name, value in _ember_section(text)
            )
    return sorted(found, key=lambda c: (c.dist, c.name))
