"""Configuring a ready-to-use :mod:`logging` logger in one call.

Example:
    >>> import io
    >>> from ember.utils import setup_logger
    >>> buffer = io.StringIO()
    >>> logger = setup_logger("ember.doc.module", stream=buffer, format="%(message)s",
    ...                       distributed_rank=0)
    >>> logger.info("hello")
    >>> buffer.getvalue()
    'hello\\n'
"""

from __future__ import annotations

import importlib
import logging
from typing import TextIO

__all__ = ["setup_logger"]

_DEFAULT_FORMAT = "%(asctime)s %(name)s %(levelname)s: %(message)s"


def _current_rank() -> int:
    # Imported lazily and looked up by name: ember.distributed is heavier than this module, and
    # plain torch.distributed is enough to know the rank when it is not there.
    try:
        get_rank = importlib.import_module("ember.distributed").get_rank
    except (ImportError, AttributeError):
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank())
        return 0
    return int(get_rank())


def setup_logger(
    name: str | None = "ember",
    level: int = logging.INFO,
    stream: TextIO | None = None,
    format: str = _DEFAULT_FORMAT,
    filepath: str | None = None,
    distributed_rank: int | None = None,
    reset: bool = False,
    encoding: str | None = "utf-8",
) -> logging.Logger:
    """Return the logger ``name``, configured with a stream handler and optionally a file.

    A logger that already exists keeps its configuration unless ``reset=True``, so calling this
    twice does not duplicate every message. On a process whose distributed rank is above zero the
    logger gets only a :class:`logging.NullHandler`, so that one message is not written once per
    process. A named logger does not propagate to its ancestors.

    Args:
        name: the logger's name; ``None`` configures the root logger.
        level: the level of the logger and of the handlers added.
        stream: where the stream handler writes; ``None`` means ``sys.stderr``.
        format: the :class:`logging.Formatter` format string of the handlers added.
        filepath: if given, messages are also written to this file.
        distributed_rank: this process's rank; ``None`` asks the distributed back-end (0 when
            none is initialised).
        reset: drop the logger's existing handlers and configure it again.
        encoding: the encoding of the file at ``filepath``.

    Returns:
        The configured logger.

    Example:
        >>> import io
        >>> from ember.utils import setup_logger
        >>> buffer = io.StringIO()
        >>> logger = setup_logger("ember.doc.function", stream=buffer,
        ...                       format="%(levelname)s %(message)s", distributed_rank=0)
        >>> logger.warning("careful")
        >>> buffer.getvalue()
        'WARNING careful\\n'
    """
    logger = logging.getLogger(name)
    # Configured already: a logger with a real handler (the placeholder entries logging keeps
    # for parents of used loggers, and ember's own NullHandlers, do not count).
    existed = any(not isinstance(h, logging.NullHandler) for h in logger.handlers)
    rank = _current_rank() if distributed_rank is None else distributed_rank

    if rank > 0 or reset:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
    if rank > 0:
        logger.addHandler(logging.NullHandler())

    if existed and not reset:
        return logger

    if rank == 0:
        logger.setLevel(level)
        formatter = logging.Formatter(format)
        handlers: list[logging.Handler] = [logging.StreamHandler(stream=stream)]
        if filepath is not None:
            handlers.append(logging.FileHandler(filepath, encoding=encoding))
        for handler in handlers:
            handler.setLevel(level)
            handler.setFormatter(formatter)
            logger.addHandler(handler)

    if name is not None:
        logger.propagate = False
    return logger
