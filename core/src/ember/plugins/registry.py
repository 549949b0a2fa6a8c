"""Registries of named components (metrics, handlers, loggers, savers, back-ends).

Plugins fill them through the registration hooks; each entry remembers the distribution that
registered it. A factory is a callable or a ``"module:attr"`` string imported on first use.

Example:
    >>> from ember.plugins.registry import Registry
    >>> registry = Registry("metrics")
    >>> registry.register("Mean", "statistics:mean", summary="arithmetic mean", dist="demo")
    >>> registry.create("Mean", [1, 2, 3])
    2
    >>> [(entry.name, entry.dist) for entry in registry.entries()]
    [('Mean', 'demo')]
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ember.exceptions import DuplicateNameError, UnknownNameError
from ember.plugins.first_party import providing_distribution

__all__ = ["KINDS", "Entry", "Factory", "Register", "Registry"]

KINDS = ("metrics", "handlers", "loggers", "savers", "backends")

Factory = Callable[..., Any] | str

# Registrations made by a program, not by an installed distribution.
RUNTIME = "<runtime>"


class Register(Protocol):
    """The ``register`` callback a registration hook receives."""

    def __call__(
        self, name: str, factory: Factory, *, summary: str = "", override: bool = False
    ) -> None:
        """Register ``factory`` under ``name``; ``override=True`` replaces an earlier entry."""


@dataclass(frozen=True)
class Entry:
    """One registered name: its factory, a one-line summary and who registered it."""

    kind: str
    name: str
    factory: Factory
    summary: str = ""
    dist: str = RUNTIME
    version: str | None = None
    _loaded: list[Callable[..., Any]] = field(default_factory=list, repr=False, compare=False)

    def load(self) -> Callable[..., Any]:
        """The factory itself, importing it first when it was given as ``"module:attr"``."""
        if callable(self.factory):
            return self.factory
        if not self._loaded:
            module_name, _, attr_path = self.factory.partition(":")
            try:
                target: Any = importlib.import_module(module_name)
                for attr in attr_path.split("."):
                    target = getattr(target, attr)
            except (ImportError, AttributeError) as error:
                raise ImportError(
                    f"{self.kind} {self.name!r} from {self.dist}: cannot load {self.factory!r}: "
                    f"{error}"
                ) from error
            self._loaded.append(target)
        return self._loaded[0]


def _check_factory(kind: str, name: str, factory: Any) -> None:
    if callable(factory):
        return
    if isinstance(factory, str):
        module_name, colon, attr_path = factory.partition(":")
        parts = [*module_name.split("."), *attr_path.split(".")]
        if colon and all(part.isidentifier() for part in parts):
            return
    raise TypeError(
        f"register: factory for {kind} {name!r} should be a callable or a 'module:attr' string, "
        f"got {factory!r}"
    )


class Registry:
    """Named components of one kind, each with the distribution that registered it.

    Args:
        kind: what the registry holds (``"metrics"``, ``"loggers"``, ...), used in messages.

    Example:
        >>> from ember.plugins.registry import Registry
        >>> registry = Registry("loggers")
        >>> registry.register("print", print)
        >>> "print" in registry, registry.names()
        (True, ['print'])
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(
        self,
        name: str,
        factory: Factory,
        *,
        summary: str = "",
        dist: str = RUNTIME,
        version: str | None = None,
        override: bool = False,
    ) -> None:
        """Add ``name``; a name already present is an error unless ``override=True``.

        Args:
            name: the name users look the component up by.
            factory: a callable, or ``"module:attr"`` imported only when the name is used.
            summary: one line shown by ``ember plugins``.
            dist: the distribution registering it (filled in for plugins).
            version: that distribution's version.
            override: replace an existing entry on purpose (for example a company's patched
                metric in place of the first-party one).
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"register: name should be a non-empty str, got {name!r}")
        _check_factory(self.kind, name, factory)
        existing = self._entries.get(name)
        if existing is not None and not override:
            first, second = _who(existing.dist, existing.version), _who(dist, version)
            raise DuplicateNameError(
                f"{self.kind} {name!r} is registered by both {first} and {second}; uninstall "
                "one, or register with override=True to replace it on purpose"
            )
        self._entries[name] = Entry(self.kind, name, factory, summary, dist, version)

    def bound_register(self, dist: str, version: str | None) -> Register:
        """A ``register`` callback that records ``dist`` and ``version`` on every entry."""

        def register(
            name: str, factory: Factory, *, summary: str = "", override: bool = False
        ) -> None:
            self.register(
                name, factory, summary=summary, dist=dist, version=version, override=override
            )

        return register

    def snapshot(self) -> dict[str, Entry]:
        """The entries now, for :meth:`restore` after a plugin fails half-way through."""
        return dict(self._entries)

    def restore(self, snapshot: dict[str, Entry]) -> None:
        """Go back to the entries of a :meth:`snapshot`."""
        self._entries = dict(snapshot)

    def get(self, name: str) -> Entry:
        """The entry for ``name``; an unknown name raises an error listing the known ones."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self._unknown_message(name)) from None

    def load(self, name: str) -> Callable[..., Any]:
        """The factory registered under ``name`` (imported if it was a string)."""
        return self.get(name).load()

    def create(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call the factory registered under ``name`` with ``args`` and ``kwargs``."""
        return self.load(name)(*args, **kwargs)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._entries)

    def entries(self) -> list[Entry]:
        """Every entry, sorted by name."""
        return [self._entries[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, names={self.names()})"

    def _unknown_message(self, name: str) -> str:
        message = f"no {self.kind} entry named {name!r}"
        dist = providing_distribution(self.kind, name)
        if dist is not None and not any(e.dist == dist for e in self._entries.values()):
            message += f"; it is provided by {dist}, which is not loaded: pip install {dist}"
        close = difflib.get_close_matches(name, self._entries, n=3)
        if close:
            message += f"; did you mean {', '.join(map(repr, close))}?"
        known = ", ".join(self.names()) or "none"
        return f"{message} (known {self.kind}: {known})"


def _who(dist: str, version: str | None) -> str:
    return f"{dist} {version}" if version else dist
