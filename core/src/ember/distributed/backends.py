"""Back-end names: the native ones torch offers, and those plugins register.

``"gloo"``, ``"nccl"`` and ``"mpi"`` resolve to :class:`~ember.distributed.models.NativeModel`
without touching the plugin system. Any other name is looked up in the ``backends`` registry
(:func:`ember.plugins.registry`), which plugins fill with the ``ember_register_backends`` hook:
the registered factory is a :class:`~ember.distributed.models.ComputationModel` subclass, or a
callable returning one, whose ``available_backends`` lists the name when it can run here.

Example:
    >>> from ember.distributed.backends import model_class
    >>> model_class("gloo", "spawn").__name__
    'NativeModel'
"""

from __future__ import annotations

from typing import Any

from ember.distributed.models.base import ComputationModel
from ember.distributed.models.native import NativeModel

__all__ = ["available_backends", "model_class", "plugin_classes"]

_NATIVE_NAMES = ("nccl", "gloo", "mpi")
_plugin_classes: dict[str, type[ComputationModel]] = {}


def plugin_classes() -> list[type[ComputationModel]]:
    """The plugin model classes resolved so far in this process (no plugin is loaded).

    Example:
        >>> from ember.distributed.backends import plugin_classes
        >>> isinstance(plugin_classes(), list)
        True
    """
    return list(_plugin_classes.values())


def available_backends() -> tuple[str, ...]:
    """The native back-ends this torch offers, then the back-ends plugins registered.

    The first call loads the plugins (not the back-ends themselves).

    Example:
        >>> import ember.distributed as idist
        >>> "gloo" in idist.available_backends()
        True
    """
    from ember.plugins.manager import registry

    native = NativeModel.available_backends
    return native + tuple(name for name in registry("backends").names() if name not in native)


def model_class(backend: object, caller: str) -> type[ComputationModel]:
    """The computation model class that starts ``backend``, checked for use by ``caller``.

    Native names never load the plugin system; other names are looked up in the ``backends``
    registry, and the class each resolves to is kept for :func:`plugin_classes`.

    Example:
        >>> from ember.distributed.backends import model_class
        >>> model_class("gloo", "initialize").name
        'native-dist'
    """
    if not isinstance(backend, str):
        raise TypeError(
            f"{caller}: argument backend should be a str such as 'gloo', got {backend!r}"
        )
    if backend in NativeModel.available_backends:
        return NativeModel
    if backend in _NATIVE_NAMES:
        raise ValueError(
            f"{caller}: back-end {backend!r} is not available in this build of torch "
            f"(or on this machine); available back-ends: {', '.join(available_backends())}"
        )
    if backend in _plugin_classes:
        return _plugin_classes[backend]
    from ember.plugins.first_party import providing_distribution
    from ember.plugins.manager import registry

    backends = registry("backends")
    if backend not in backends:
        provider = providing_distribution("backends", backend)
        hint = (
            f"; {backend!r} is provided by {provider}: pip install {provider}" if provider else ""
        )
        raise ValueError(
            f"{caller}: argument backend should be one of {', '.join(available_backends())}, "
            f"got {backend!r}{hint}"
        )
    entry = backends.get(backend)
    try:
        factory: Any = entry.load()
        cls = factory if isinstance(factory, type) else factory()
    except ImportError as error:
        raise ValueError(
            f"{caller}: back-end {backend!r} (from {entry.dist}) cannot be loaded: {error}"
        ) from error
    if not (isinstance(cls, type) and issubclass(cls, ComputationModel)):
        raise TypeError(
            f"{caller}: back-end {backend!r} (from {entry.dist}) should register a "
            f"ComputationModel subclass, or a factory returning one, got {cls!r}"
        )
    if backend not in cls.available_backends:
        raise ValueError(
            f"{caller}: back-end {backend!r} (from {entry.dist}) is installed but not usable "
            f"here; {cls.__name__} can start {list(cls.available_backends)}"
        )
    _plugin_classes[backend] = cls
    return cls
