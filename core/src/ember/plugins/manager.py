"""Loading plugins: policy first, then each allowed plugin in isolation, then its registrations.

Nothing here runs at ``import ember``: the first registry or plugin-manager access (or the first
:class:`~ember.engine.Engine` created) loads the plugins, once per process.

Example:
    >>> from ember.plugins import PluginHost, Policy
    >>> host = PluginHost(policy=Policy(), autoload=False)
    >>> host.registry("metrics").register("Half", lambda: 0.5)
    >>> host.registry("metrics").create("Half")
    0.5
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from ember.exceptions import PluginError
from ember.plugins import hookspecs
from ember.plugins.discovery import Candidate, discover
from ember.plugins.markers import PROJECT
from ember.plugins.policy import Policy, load_policy, matches
from ember.plugins.registry import KINDS, Entry, Registry

if TYPE_CHECKING:
    from ember.engine import Engine

__all__ = [
    "PluginHost",
    "PluginLoadWarning",
    "PluginRecord",
    "get_host",
    "get_plugin_manager",
    "notify_engine_created",
    "plugin_records",
    "registry",
    "reset_plugins",
]

logger = logging.getLogger("ember.plugins")
trace_logger = logging.getLogger("ember.plugins.trace")


class PluginLoadWarning(UserWarning):
    """A plugin failed to load (or to register its names) and was left out."""


@dataclass
class PluginRecord:
    """What happened to one entry point: ``loaded``, ``blocked`` or ``failed``, and why."""

    name: str
    value: str
    dist: str
    version: str | None
    status: str
    reason: str = ""
    provides: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (used by ``ember plugins --json``)."""
        return {
            "entry_point": self.name,
            "value": self.value,
            "dist": self.dist,
            "version": self.version,
            "status": self.status,
            "reason": self.reason,
            "provides": self.provides,
        }


def _trace_enabled() -> bool:
    return os.environ.get("EMBER_TRACE_PLUGINS", "").strip() not in ("", "0")


def _enable_trace(pm: pluggy.PluginManager) -> None:
    if not trace_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        trace_logger.addHandler(handler)
    trace_logger.setLevel(logging.DEBUG)
    pm.trace.root.setwriter(lambda message: trace_logger.debug(message.rstrip()))
    pm.enable_tracing()


class PluginHost:
    """One pluggy manager, its registries and the record of every plugin considered.

    Args:
        policy: the loading policy; default: read from files and environment at load time.
        autoload: scan installed entry points (``False``: only what is registered by hand).
        path: directories to scan instead of ``sys.path``.
    """

    def __init__(
        self,
        policy: Policy | None = None,
        autoload: bool = True,
        path: Iterable[str] | None = None,
    ) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.policy = policy
        self.autoload = autoload
        self.path = None if path is None else list(path)
        self.registries = {kind: Registry(kind) for kind in KINDS}
        self.records: list[PluginRecord] = []
        self.loaded = False
        self._failure: Exception | None = None
        self._lock = threading.RLock()
        if _trace_enabled():
            _enable_trace(self.pm)

    def registry(self, kind: str) -> Registry:
        """The registry of ``kind`` (``metrics``, ``handlers``, ``loggers``, ``savers``,
        ``backends``), loading the plugins first if needed."""
        if kind not in self.registries:
            raise ValueError(f"registry: kind should be one of {list(KINDS)}, got {kind!r}")
        self.load()
        return self.registries[kind]

    def load(self) -> None:
        """Discover and load the allowed plugins once; later calls do nothing."""
        with self._lock:
            if self._failure is not None:
                # Fail closed: a host whose loading failed never serves a partial registry.
                raise self._failure
            if self.loaded:
                return
            self.loaded = True
            try:
                policy = self.policy = self.policy if self.policy is not None else load_policy()
                candidates = discover(self.path) if self.autoload else []
                for candidate in candidates:
                    decision = policy.decide(candidate.dist, candidate.version)
                    if not decision.allowed:
                        self._record(candidate, "blocked", decision.reason)
                        continue
                    self._load_one(candidate, strict=policy.strict or decision.required)
                self._check_required(policy)
            except Exception as error:
                self._failure = error
                raise

    def add_plugin(self, plugin: Any, dist: str = "<runtime>", version: str | None = None) -> None:
        """Register a plugin object or module by hand, as if it came from an entry point.

        Errors are raised, not recorded: the caller asked for this plugin.
        """
        self.load()
        name = getattr(plugin, "__name__", type(plugin).__name__)
        candidate = Candidate(name, name, dist, version, "")
        self._load_one(candidate, strict=True, plugin=plugin)

    def _record(
        self,
        candidate: Candidate,
        status: str,
        reason: str = "",
        provides: dict[str, list[str]] | None = None,
    ) -> PluginRecord:
        record = PluginRecord(
            candidate.name, candidate.value, candidate.dist, candidate.version, status, reason
        )
        record.provides = {kind: names for kind, names in (provides or {}).items() if names}
        self.records.append(record)
        trace_logger.debug(
            "%s %s (%s %s) %s", status, record.name, record.dist, record.version, reason
        )
        return record

    def _load_one(self, candidate: Candidate, strict: bool, plugin: Any = None) -> None:
        snapshot = {kind: reg.snapshot() for kind, reg in self.registries.items()}
        registered_name = f"{candidate.dist}:{candidate.name}"
        try:
            if plugin is None:
                plugin = _import_entry_point(candidate.value)
            self.pm.register(plugin, name=registered_name)
            self.pm.check_pending()
            provides = self._call_registrations(plugin, candidate)
        except Exception as error:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            for kind, entries in snapshot.items():
                self.registries[kind].restore(entries)
            reason = f"{type(error).__name__}: {error}"
            self._record(candidate, "failed", reason)
            message = (
                f"ember plugin {candidate.name!r} from {candidate.dist} {candidate.version} "
                f"failed to load and is left out: {reason}"
            )
            if strict:
                raise PluginError(message) from error
            warnings.warn(message, PluginLoadWarning, stacklevel=4)
            return
        self._record(candidate, "loaded", provides=provides)

    def _call_registrations(self, plugin: Any, candidate: Candidate) -> dict[str, list[str]]:
        provides: dict[str, list[str]] = {}
        for kind, registry in self.registries.items():
            hook = getattr(self.pm.hook, f"ember_register_{kind}")
            before = set(registry.names())
            register = registry.bound_register(candidate.dist, candidate.version)
            for impl in hook.get_hookimpls():
                if impl.plugin is plugin:
                    trace_logger.debug("ember_register_%s: %s", kind, candidate.dist)
                    impl.function(**dict.fromkeys(impl.argnames, register))
            provides[kind] = sorted(set(registry.names()) - before)
        return provides

    def _check_required(self, policy: Policy) -> None:
        for policy_file, rule in policy.required_rules():
            matching = [r for r in self.records if matches(rule.dist, r.dist)]
            if not any(r.status == "loaded" for r in matching):
                why = "; ".join(f"{r.dist}: {r.status} ({r.reason})" for r in matching)
                raise PluginError(
                    f"plugin {rule.dist!r} is required by {policy_file.source} but "
                    + (f"did not load: {why}" if matching else "is not installed")
                )

    def entries(self) -> list[Entry]:
        """Every registered entry of every kind."""
        self.load()
        return [entry for reg in self.registries.values() for entry in reg.entries()]


def _import_entry_point(value: str) -> Any:
    module_name, _, attr_path = value.partition(":")
    target: ModuleType | Any = importlib.import_module(module_name.strip())
    for attr in filter(None, attr_path.strip().split(".")):
        target = getattr(target, attr)
    return target


_HOST: PluginHost | None = None
_HOST_LOCK = threading.Lock()


def get_host() -> PluginHost:
    """The process-wide :class:`PluginHost`, with the plugins loaded."""
    global _HOST
    if _HOST is None:
        with _HOST_LOCK:
            if _HOST is None:
                _HOST = PluginHost()
    _HOST.load()
    return _HOST


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide pluggy manager (project ``"ember"``), with the plugins loaded.

    Example:
        >>> from ember.plugins import get_plugin_manager
        >>> get_plugin_manager().project_name
        'ember'
    """
    return get_host().pm


def registry(kind: str) -> Registry:
    """The process-wide registry of ``kind``, with the plugins loaded.

    Example:
        >>> from ember.plugins import registry
        >>> registry("loggers").kind
        'loggers'
    """
    return get_host().registry(kind)


def plugin_records() -> list[PluginRecord]:
    """What happened to every installed ``ember`` entry point in this process."""
    return list(get_host().records)


def reset_plugins(host: PluginHost | None = None) -> None:
    """Forget the loaded plugins (tests), or install ``host`` as the process-wide one."""
    global _HOST
    with _HOST_LOCK:
        _HOST = host


def notify_engine_created(engine: Engine) -> None:
    """Call the ``ember_engine_created`` hook of every loaded plugin."""
    host = get_host()
    if host.pm.hook.ember_engine_created.get_hookimpls():
        host.pm.hook.ember_engine_created(engine=engine)
