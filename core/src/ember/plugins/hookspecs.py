"""The hooks a plugin implements: the plugin author's reference.

A plugin is a module named by an entry point in the group ``ember``; its functions marked with
``ember.plugins.hookimpl`` and named after a hook below are called by ember. A hook
implementation may take any subset of the hook's parameters, by name.

Registration hooks are called once per process, when a registry is first used; each receives a
``register`` callback with the signature of :class:`ember.plugins.Register`. Lifecycle hooks are
called at the moments they name, never inside the per-iteration loop.

Example:
    >>> from ember.plugins import hookimpl
    >>> @hookimpl
    ... def ember_register_loggers(register):
    ...     register("jsonl", "acme_ember.jsonl:JsonlLogger", summary="one JSON line per event")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ember.plugins.markers import hookspec

if TYPE_CHECKING:
    import argparse

    from ember.engine import Engine
    from ember.plugins.registry import Register

__all__ = [
    "ember_engine_created",
    "ember_register_backends",
    "ember_register_commands",
    "ember_register_handlers",
    "ember_register_loggers",
    "ember_register_metrics",
    "ember_register_savers",
]


@hookspec
def ember_register_metrics(register: Register) -> None:
    """Register metrics (subclasses of :class:`ember.metric.Metric`) by name.

    Called once per process, the first time the ``metrics`` registry is used.

    Args:
        register: call ``register(name, factory, summary="...")`` for each metric; ``factory`` is
            the class, or a ``"module:attr"`` string imported only when the name is used (keep
            the plugin module light: prefer strings).

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_register_metrics(register):
        ...     register("accuracy", "ember_metrics.accuracy:Accuracy", summary="top-1 accuracy")
    """


@hookspec
def ember_register_handlers(register: Register) -> None:
    """Register event handlers (early stopping, timers, schedulers, progress bars) by name.

    Called once per process, the first time the ``handlers`` registry is used.

    Args:
        register: ``register(name, factory, summary="...")``, as for metrics.

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_register_handlers(register):
        ...     register("early_stopping", "ember_handlers.early_stopping:EarlyStopping")
    """


@hookspec
def ember_register_loggers(register: Register) -> None:
    """Register experiment loggers (TensorBoard, MLflow, ...) by name.

    Called once per process, the first time the ``loggers`` registry is used.

    Args:
        register: ``register(name, factory, summary="...")``, as for metrics.

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_register_loggers(register):
        ...     register("tensorboard", "ember_loggers.tensorboard:TensorboardLogger")
    """


@hookspec
def ember_register_savers(register: Register) -> None:
    """Register checkpoint savers (where and how checkpoints are written) by name.

    Called once per process, the first time the ``savers`` registry is used.

    Args:
        register: ``register(name, factory, summary="...")``, as for metrics.

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_register_savers(register):
        ...     register("disk", "ember_checkpoint.disk_saver:DiskSaver")
    """


@hookspec
def ember_register_backends(register: Register) -> None:
    """Register distributed back-ends (XLA, Horovod, ...) for ``ember.distributed``.

    Called once per process, the first time the ``backends`` registry is used.

    Args:
        register: ``register(name, factory, summary="...")``; the factory builds the back-end's
            computation model.

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_register_backends(register):
        ...     register("horovod", "ember_horovod.backend:HorovodModel")
    """


@hookspec
def ember_register_commands(cli: argparse._SubParsersAction[Any]) -> None:
    """Add subcommands to the ``ember`` command.

    Called when the ``ember`` command builds its parser. Add a parser with
    ``cli.add_parser(name, help=...)`` and set its ``handler`` default to a function that takes
    the parsed arguments and returns the exit status.

    Args:
        cli: the sub-parsers of the ``ember`` command (``argparse``).

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_register_commands(cli):
        ...     hello = cli.add_parser("hello", help="say hello")
        ...     hello.set_defaults(handler=lambda args: print("hello") or 0)
    """


@hookspec
def ember_engine_created(engine: Engine) -> None:
    """Called at the end of every :class:`ember.engine.Engine` construction.

    For plugins that attach handlers to every engine (tracing, profiling). Keep it cheap: it
    runs for each engine a program creates, evaluators included. Not called inside ``run()``.

    Args:
        engine: the new engine, with no handlers yet.

    Example:
        >>> from ember.plugins import hookimpl
        >>> @hookimpl
        ... def ember_engine_created(engine):
        ...     engine.state.created_by_plugin = True
    """
