"""Carrying the exception of a failed process back to the process that spawned it.

``torch.multiprocessing`` reports a failed child as a ``ProcessRaisedException`` holding the
child's traceback as text. :func:`reporting` wraps the function each child runs so that the
exception itself is saved too; :func:`reraise_first_failure` then raises, in the parent, the
exception of the process that failed first (its type and message intact), chained to torch's
report, with the failed process's own traceback attached as a note (Python 3.11+). The other
processes usually fail after it, in a collective that lost its peer; their errors are
consequences, not the cause.

Example:
    >>> import tempfile
    >>> from ember.distributed.failures import reporting, reraise_first_failure
    >>> def fails(local_rank):
    ...     raise KeyError(f"rank {local_rank} has no data")
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     try:
    ...         reporting(fails, directory)(3)
    ...     except KeyError:
    ...         try:
    ...             reraise_first_failure(directory, RuntimeError("a process failed"))
    ...         except KeyError as error:
    ...             print(repr(error), "from", repr(error.__cause__))
    KeyError('rank 3 has no data') from RuntimeError('a process failed')
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["reporting", "reraise_first_failure"]


class _Reporting:
    """Calls ``fn`` and, if it raises, saves the exception in ``directory`` before re-raising."""

    def __init__(self, fn: Callable[..., Any], directory: str) -> None:
        self.fn = fn
        self.directory = directory

    def __call__(self, local_rank: int, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.fn(local_rank, *args, **kwargs)
        except Exception as error:
            _save(self.directory, local_rank, error)
            raise


def reporting(fn: Callable[..., Any], directory: str) -> Callable[..., Any]:
    """Wrap ``fn(local_rank, ...)`` so that an exception it raises is saved in ``directory``.

    Example:
        >>> from ember.distributed.failures import reporting
        >>> reporting(lambda local_rank: local_rank + 1, "/unused")(1)
        2
    """
    return _Reporting(fn, directory)


def _save(directory: str, local_rank: int, error: BaseException) -> None:
    record: dict[str, Any] = {
        "time": time.time(),
        "local_rank": local_rank,
        "type": f"{type(error).__module__}.{type(error).__qualname__}",
        "message": str(error),
        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    }
    try:
        record["error"] = pickle.dumps(error)
    except Exception:  # an exception holding something unpicklable: keep type and message
        record["error"] = None
    try:
        with tempfile.NamedTemporaryFile("wb", dir=directory, delete=False) as handle:
            pickle.dump(record, handle)
        os.replace(handle.name, os.path.join(directory, f"rank-{local_rank}.pkl"))
    except OSError:
        pass  # the parent still gets torch's report with the traceback


def _first_record(directory: str) -> dict[str, Any] | None:
    records = []
    for path in Path(directory).glob("rank-*.pkl"):
        try:
            records.append(pickle.loads(path.read_bytes()))
        except Exception:
            continue
    return min(records, key=lambda record: record["time"]) if records else None


def reraise_first_failure(directory: str, error: BaseException) -> NoReturn:
    """Raise the exception saved first in ``directory``, chained to ``error``; else ``error``.

    When the saved exception cannot be rebuilt here (its class lives in a module this process
    cannot import), a ``RuntimeError`` naming its type and message is raised instead.
    """
    record = _first_record(directory)
    if record is None:
        raise error
    original: BaseException | None = None
    if record["error"] is not None:
        try:
            original = pickle.loads(record["error"])
        except Exception:
            original = None
    who = f"the process of local rank {record['local_rank']}"
    if not isinstance(original, BaseException):
        raise RuntimeError(
            f"{who} failed first, with {record['type']}: {record['message']}"
        ) from error
    if hasattr(original, "add_note"):  # Python 3.11+
        original.add_note(f"raised first by {who}, with this traceback:\n{record['traceback']}")
    raise original from error
