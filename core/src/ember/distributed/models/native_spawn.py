"""Starting the processes of a native group on this node: ``NativeModel.spawn``.

The parent checks the arguments and picks the rendezvous (a free port on a single node, unless
``MASTER_PORT`` or ``master_port`` says otherwise); each child sets the variables torchrun would
(``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``), joins the group,
runs the function and finalizes the group.

Example:
    >>> from ember.distributed.models.native_spawn import spawn_processes
    >>> spawn_processes(print, (), nproc_per_node=1, backend="gloo", nnodes=2, node_rank=0)
    Traceback (most recent call last):
    ...
    ValueError: spawn: argument master_port is required with nnodes=2, ...
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from torch.multiprocessing.spawn import start_processes

from ember.distributed.models.native import (
    _ENV_INIT,
    NativeModel,
    _as_timeout,
    _Topology,
    find_free_port,
)

__all__ = ["spawn_processes"]


def spawn_processes(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs_dict: Mapping[str, Any] | None = None,
    nproc_per_node: int = 1,
    *,
    backend: str = "gloo",
    nnodes: int = 1,
    node_rank: int = 0,
    master_addr: str | None = None,
    master_port: int | None = None,
    init_method: str | None = None,
    start_method: str | None = None,
    timeout: timedelta | float | None = None,
    **kwargs: Any,
) -> None:
    """Start ``nproc_per_node`` processes each running ``fn(local_rank, *args, **kwargs_dict)``.

    See :meth:`ember.distributed.models.NativeModel.spawn`.
    """
    if kwargs:
        raise TypeError(
            f"spawn: unexpected keyword argument(s) {', '.join(sorted(kwargs))} for back-end "
            f"{backend!r}; expected nnodes, node_rank, master_addr, master_port, "
            f"init_method, start_method, timeout"
        )
    NativeModel._check_backend(backend)
    for arg, value in (("nproc_per_node", nproc_per_node), ("nnodes", nnodes)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"spawn: argument {arg} should be a positive int, got {value!r}")
    if not isinstance(node_rank, int) or not 0 <= node_rank < nnodes:
        raise ValueError(
            f"spawn: argument node_rank should be between 0 and {nnodes - 1} (nnodes="
            f"{nnodes}), got {node_rank!r}"
        )
    if init_method in (None, _ENV_INIT):
        init_method = _ENV_INIT
        master_addr = master_addr or os.environ.get("MASTER_ADDR", "127.0.0.1")
        if master_port is None:
            if "MASTER_PORT" in os.environ:
                master_port = int(os.environ["MASTER_PORT"])
            elif nnodes == 1:
                master_port = find_free_port()
            else:
                raise ValueError(
                    f"spawn: argument master_port is required with nnodes={nnodes}, so that "
                    f"every node meets on the same port"
                )
    elif master_addr is not None or master_port is not None:
        raise ValueError(
            f"spawn: arguments master_addr and master_port go with init_method='env://' "
            f"only; init_method={init_method!r} already says where to meet, got "
            f"master_addr={master_addr!r}, master_port={master_port!r}"
        )
    if start_method is None:
        # Notebooks cannot re-import their functions in a fresh interpreter.
        start_method = "fork" if "__IPYTHON__" in vars(builtins) else "spawn"
    spec = _WorkerSpec(
        fn=fn,
        args=tuple(args),
        kwargs=dict(kwargs_dict or {}),
        backend=backend,
        nproc_per_node=nproc_per_node,
        nnodes=nnodes,
        node_rank=node_rank,
        master_addr=master_addr,
        master_port=master_port,
        init_method=init_method,
        timeout=_as_timeout(timeout),
    )
    start_processes(  # type: ignore[no-untyped-call]
        _spawned_worker, args=(spec,), nprocs=nproc_per_node, start_method=start_method
    )


@dataclass(frozen=True)
class _WorkerSpec:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    backend: str
    nproc_per_node: int
    nnodes: int
    node_rank: int
    master_addr: str | None
    master_port: int | None
    init_method: str
    timeout: timedelta


def _spawned_worker(local_rank: int, spec: _WorkerSpec) -> None:
    from ember.distributed import utils
    from ember.distributed.state import set_model

    rank = spec.node_rank * spec.nproc_per_node + local_rank
    world_size = spec.nnodes * spec.nproc_per_node
    # The variables torchrun sets, so that code reading them works the same under spawn.
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(local_rank),
        WORLD_SIZE=str(world_size),
        LOCAL_WORLD_SIZE=str(spec.nproc_per_node),
        GROUP_RANK=str(spec.node_rank),
    )
    env_init = spec.init_method == _ENV_INIT
    if env_init:
        os.environ.update(MASTER_ADDR=str(spec.master_addr), MASTER_PORT=str(spec.master_port))
    model = NativeModel._start(
        spec.backend,
        init_method=spec.init_method,
        rank=None if env_init else rank,
        world_size=None if env_init else world_size,
        timeout=spec.timeout,
        topology=_Topology(local_rank, spec.nproc_per_node, spec.nnodes, spec.node_rank),
        env_backup=None,
    )
    set_model(model)
    spec.fn(local_rank, *spec.args, **spec.kwargs)
    utils.finalize()
