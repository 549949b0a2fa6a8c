"""The module-level distributed API: one current computation model, and helpers that use it.

Until a back-end is started the model is serial (one process of rank 0; collectives return
their input), so code written for many processes also runs in one. :func:`initialize` joins a
process group in the current process, :func:`spawn` starts processes that each join one, and
:func:`sync` adopts a group the program started with ``torch.distributed`` directly (a group
started or destroyed that way is also noticed by the next call here).

Native back-end names (``"gloo"``, ``"nccl"``, ``"mpi"``) never touch the plugin system; any other
name is looked up in the ``backends`` registry that plugins fill (``"xla-tpu"`` from ember-xla,
``"horovod"`` from ember-horovod, or a third party's).

While more than one process takes part, metrics reduce their accumulators over all of them:
starting a model installs collective hooks in :mod:`ember.metric.reduction`, and finalizing it
restores the serial ones.

Example:
    >>> import ember.distributed as idist
    >>> idist.get_rank(), idist.get_world_size(), idist.backend(), idist.model_name()
    (0, 1, None, 'serial')
    >>> idist.all_reduce(5), idist.all_gather("a"), idist.broadcast(3.0, src=0)
    (5, ['a'], 3.0)
"""

from __future__ import annotations

import logging
import socket
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import torch

from ember.distributed.backends import available_backends, model_class, plugin_classes
from ember.distributed.collectives import (
    all_gather,
    all_gather_tensors_with_shapes,
    all_reduce,
    barrier,
    broadcast,
    new_group,
)
from ember.distributed.failures import reporting, reraise_first_failure
from ember.distributed.models.base import ComputationModel
from ember.distributed.models.native import NativeModel
from ember.distributed.models.serial import SerialModel
from ember.distributed.state import current, set_model

__all__ = [
    "all_gather",
    "all_gather_tensors_with_shapes",
    "all_reduce",
    "available_backends",
    "backend",
    "barrier",
    "broadcast",
    "device",
    "finalize",
    "get_local_rank",
    "get_nnodes",
    "get_node_rank",
    "get_nproc_per_node",
    "get_rank",
    "get_world_size",
    "hostname",
    "initialize",
    "model_name",
    "new_group",
    "one_rank_first",
    "one_rank_only",
    "set_local_rank",
    "show_config",
    "spawn",
    "sync",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

logger = logging.getLogger("ember.distributed")


# ---------------------------------------------------------------------- configuration


def backend() -> str | None:
    """The back-end of the current configuration: ``None`` when serial, else its name.

    Example:
        >>> import ember.distributed as idist
        >>> idist.backend() is None
        True
    """
    return current().backend()


def device() -> torch.device:
    """The device this process computes on.

    Serial: CUDA when available (else MPS, else CPU). Native: ``cuda:<local rank>`` with nccl,
    the CPU with gloo or mpi. Plugin back-ends choose their own (``xla:<index>`` ...).

    Example:
        >>> import torch, ember.distributed as idist
        >>> isinstance(idist.device(), torch.device)
        True
    """
    return current().device()


def model_name() -> str:
    """The name of the current computation model: ``"serial"``, ``"native-dist"``, ...

    Example:
        >>> import ember.distributed as idist
        >>> idist.model_name()
        'serial'
    """
    return current().name


def get_world_size() -> int:
    """The number of processes taking part (1 when serial).

    Example:
        >>> import ember.distributed as idist
        >>> idist.get_world_size()
        1
    """
    return current().get_world_size()


def get_rank() -> int:
    """This process's rank (0 when serial).

    Example:
        >>> import ember.distributed as idist
        >>> idist.get_rank()
        0
    """
    return current().get_rank()


def get_local_rank() -> int:
    """This process's rank among the processes of its node (0 when serial).

    Example:
        >>> import ember.distributed as idist
        >>> idist.get_local_rank()
        0
    """
    return current().get_local_rank()


def get_nproc_per_node() -> int:
    """The number of processes on this node (1 when serial).

    Example:
        >>> import ember.distributed as idist
        >>> idist.get_nproc_per_node()
        1
    """
    return current().get_nproc_per_node()


def get_node_rank() -> int:
    """The index of this process's node (0 when serial).

    Example:
        >>> import ember.distributed as idist
        >>> idist.get_node_rank()
        0
    """
    return current().get_node_rank()


def get_nnodes() -> int:
    """The number of nodes (1 when serial).

    Example:
        >>> import ember.distributed as idist
        >>> idist.get_nnodes()
        1
    """
    return current().get_nnodes()


def hostname() -> str:
    """The host name of this process's machine.

    Example:
        >>> import socket, ember.distributed as idist
        >>> idist.hostname() == socket.gethostname()
        True
    """
    return socket.gethostname()


def show_config() -> None:
    """Log the distributed configuration at INFO level on the ``ember.distributed`` logger.

    Example:
        >>> import logging, ember.distributed as idist
        >>> idist.show_config()  # shown once logging is configured for "ember.distributed"
    """
    lines = [
        f"distributed configuration: {model_name()}",
        f"backend: {backend()}",
        f"device: {device().type}",
        f"hostname: {hostname()}",
        f"world size: {get_world_size()}",
        f"rank: {get_rank()}",
        f"local rank: {get_local_rank()}",
        f"num processes per_node: {get_nproc_per_node()}",
        f"num nodes: {get_nnodes()}",
        f"node rank: {get_node_rank()}",
    ]
    for line in lines:
        logger.info(line)


def set_local_rank(index: int) -> None:
    """Tell ember this process's local rank, for a process group the program starts itself.

    Used when ``LOCAL_RANK`` is not in the environment; otherwise the local rank is worked out
    from the host names of all processes, which needs every process to take part.

    Example:
        >>> import ember.distributed as idist
        >>> idist.set_local_rank(0)
    """
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError(f"set_local_rank: argument index should be an int >= 0, got {index!r}")
    ComputationModel.local_rank_hint = index


# ---------------------------------------------------------------------- life cycle


def sync(temporary: bool = False) -> None:
    """Adopt the distributed context the program started (or dropped) by other means.

    Looks for a running ``torch.distributed`` group (and the contexts of plugin back-ends used
    in this process); without one the model becomes serial. With ``temporary=True`` later calls
    keep checking, as they do by default.

    Example:
        >>> import ember.distributed as idist
        >>> idist.sync()
        >>> idist.model_name()
        'serial'
    """
    candidates: list[type[ComputationModel]] = [NativeModel, *plugin_classes()]
    for cls in candidates:
        model = cls.create_from_context()
        if model is not None:
            set_model(model, detected=temporary)
            return
    set_model(SerialModel(), detected=True)


def initialize(backend: str, **kwargs: Any) -> None:
    """Join the process group of ``backend`` from this process.

    Args:
        backend: ``"gloo"``, ``"nccl"``, ``"mpi"``, or a plugin's back-end (``"xla-tpu"``,
            ``"horovod"``, ...).
        kwargs: native back-ends take ``init_method`` (``None``/``"env://"``: the variables of
            torchrun or SLURM; or ``"tcp://host:port"``, ``"file:///path"``), ``rank`` and
            ``world_size`` (with an explicit ``init_method``) and ``timeout`` (seconds or a
            timedelta, 10 minutes by default). Plugin back-ends document their own.

    Example:
        >>> import ember.distributed as idist
        >>> idist.initialize("gloo")  # no launcher variables: a world of one process
        >>> idist.backend(), idist.get_world_size()
        ('gloo', 1)
        >>> idist.finalize()
    """
    cls = model_class(backend, "initialize")
    running = current()
    if not isinstance(running, SerialModel):
        raise RuntimeError(
            f"initialize: back-end {running.backend()!r} is already running in this process; "
            f"call ember.distributed.finalize() first"
        )
    set_model(cls.create_from_backend(backend, **kwargs))


def finalize() -> None:
    """Leave the process group (after a barrier) and return to the serial model.

    Example:
        >>> import ember.distributed as idist
        >>> idist.finalize()  # serial: nothing to do
        >>> idist.model_name()
        'serial'
    """
    model = current()
    try:
        model.finalize()
    finally:
        set_model(SerialModel(), detected=True)


def _abort() -> None:
    """Leave the process group without waiting for the others (after an error)."""
    model = current()
    try:
        model.abort()
    finally:
        set_model(SerialModel(), detected=True)


def spawn(
    backend: str,
    fn: Callable[..., Any],
    args: Sequence[Any],
    kwargs_dict: Mapping[str, Any] | None = None,
    nproc_per_node: int = 1,
    **kwargs: Any,
) -> None:
    """Start ``nproc_per_node`` processes that join ``backend`` and run ``fn``.

    Each process calls ``fn(local_rank, *args, **kwargs_dict)`` with the back-end initialized,
    and finalizes it afterwards. ``fn`` must be importable (defined at the top level of a
    module). If a process raises, the others are stopped and its exception (same type and
    message) is raised here, chained to the report with its traceback.

    Args:
        backend: the back-end each process joins (``"gloo"``, ``"nccl"``, a plugin's).
        fn: the function each process runs.
        args: positional arguments after the local rank.
        kwargs_dict: keyword arguments of ``fn``.
        nproc_per_node: how many processes to start on this node.
        kwargs: native back-ends take ``nnodes`` (1), ``node_rank`` (0), ``master_addr``
            (``MASTER_ADDR`` or 127.0.0.1), ``master_port`` (``MASTER_PORT``, else a free port on
            a single node), ``init_method`` (``"env://"``), ``start_method`` (``"spawn"``) and
            ``timeout``.

    Example:
        >>> import ember.distributed as idist
        >>> idist.spawn("gloo", print, args=(), nproc_per_node=0)
        Traceback (most recent call last):
        ...
        ValueError: spawn: argument nproc_per_node should be a positive int, got 0
    """
    cls = model_class(backend, "spawn")
    if not callable(fn):
        raise TypeError(f"spawn: argument fn should be callable, got {fn!r}")
    if isinstance(args, (str, bytes)) or not isinstance(args, Sequence):
        raise TypeError(f"spawn: argument args should be a tuple of arguments, got {args!r}")
    if kwargs_dict is not None and not isinstance(kwargs_dict, Mapping):
        raise TypeError(
            f"spawn: argument kwargs_dict should be a mapping of keyword arguments, "
            f"got {kwargs_dict!r}"
        )
    with tempfile.TemporaryDirectory(prefix="ember-spawn-") as failures:
        try:
            cls.spawn(
                reporting(fn, failures),
                tuple(args),
                kwargs_dict=dict(kwargs_dict or {}),
                nproc_per_node=nproc_per_node,
                backend=backend,
                **kwargs,
            )
        except Exception as error:
            if not any(Path(failures).iterdir()):
                raise
            reraise_first_failure(failures, error)


# ---------------------------------------------------------------------- helpers


def one_rank_only(
    rank: int = 0, with_barrier: bool = False
) -> Callable[[Callable[_P, _R]], Callable[_P, _R | None]]:
    """Decorate a function so that it runs on process ``rank`` only (others get ``None``).

    With ``with_barrier=True`` every process then waits for the others, so that what the chosen
    process did is done when the call returns anywhere.

    Example:
        >>> import ember.distributed as idist
        >>> @idist.one_rank_only()
        ... def save():
        ...     return "saved"
        >>> save()
        'saved'
    """
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
        raise ValueError(f"one_rank_only: argument rank should be an int >= 0, got {rank!r}")

    def decorator(func: Callable[_P, _R]) -> Callable[_P, _R | None]:
        @wraps(func)
        def on_one_rank(*args: _P.args, **kwargs: _P.kwargs) -> _R | None:
            result = func(*args, **kwargs) if get_rank() == rank else None
            if with_barrier:
                barrier()
            return result

        return on_one_rank

    return decorator


@contextmanager
def one_rank_first(rank: int = 0, local: bool = False) -> Iterator[None]:
    """Run the block on process ``rank`` first, then on all the others.

    For work one process should do before the rest reuse its result (downloading or
    preprocessing a data set). With ``local=True``, ``rank`` is a local rank and each node has
    its own first process.

    Example:
        >>> import ember.distributed as idist
        >>> with idist.one_rank_first():
        ...     print("preparing the data set")
        preparing the data set
    """
    size = get_nproc_per_node() if local else get_world_size()
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank < size:
        which = "local rank" if local else "rank"
        raise ValueError(
            f"one_rank_first: argument rank should be a {which} between 0 and {size - 1}, "
            f"got {rank!r}"
        )
    current = get_local_rank() if local else get_rank()
    if current != rank:
        barrier()
    yield
    if current == rank:
        barrier()
