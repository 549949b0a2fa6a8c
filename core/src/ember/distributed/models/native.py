"""The native computation model: ``torch.distributed`` with the gloo, nccl or mpi back-end.

A process group is joined in one of three ways:

- from the environment (``init_method`` left out, or ``"env://"``): the variables ``torchrun``
  sets (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), or those of a
  SLURM task (read by :mod:`ember.distributed.slurm`); with none of them set, a world of one;
- from an explicit ``init_method`` (``"tcp://host:port"``, ``"file:///path"``) with ``rank`` and
  ``world_size``;
- from a group the program already started with ``torch.distributed.init_process_group``
  (:meth:`NativeModel.create_from_context`).

Every group gets a timeout (``timeout``, seconds or a :class:`datetime.timedelta`, ten minutes
by default): a collective whose peers never arrive fails after it instead of waiting forever.
The device is ``cuda:<local rank>`` with nccl and the CPU otherwise.

Example:
    >>> from ember.distributed.models.native import NativeModel
    >>> NativeModel.name, "gloo" in NativeModel.available_backends
    ('native-dist', True)
"""

from __future__ import annotations

import gc
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from ember.distributed.models.base import ComputationModel
from ember.distributed.slurm import in_slurm_job, slurm_config

__all__ = ["DEFAULT_TIMEOUT", "NativeModel", "find_free_port"]

DEFAULT_TIMEOUT = timedelta(minutes=10)
"""How long a native process group waits for its peers, unless ``timeout`` says otherwise."""

_CANDIDATES = ("nccl", "gloo", "mpi")
_ENV_INIT = "env://"


def _available() -> tuple[str, ...]:
    if not dist.is_available():
        return ()
    return tuple(name for name in _CANDIDATES if getattr(dist, f"is_{name}_available")())


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now, for a rendezvous.

    Example:
        >>> from ember.distributed.models.native import find_free_port
        >>> 0 < find_free_port() < 65536
        True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _as_timeout(timeout: object) -> timedelta:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, timedelta):
        seconds = timeout.total_seconds()
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        seconds = float(timeout)
    else:
        raise TypeError(
            f"argument timeout should be a number of seconds or a datetime.timedelta, "
            f"got {timeout!r}"
        )
    if seconds <= 0:
        raise ValueError(f"argument timeout should be positive, got {timeout!r}")
    return timedelta(seconds=seconds)


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} is not an integer") from None


@dataclass(frozen=True)
class _Topology:
    local_rank: int
    nproc_per_node: int
    nnodes: int
    node_rank: int


class NativeModel(ComputationModel):
    """``torch.distributed`` (gloo, nccl, mpi) as an ember computation model.

    Create it with :meth:`create_from_backend` or :meth:`create_from_context`, usually through
    ``ember.distributed.initialize`` / ``spawn`` / ``sync``.

    Example:
        >>> from ember.distributed.models.native import NativeModel
        >>> NativeModel.create_from_context() is None  # no process group in this process
        True
    """

    name = "native-dist"
    available_backends = _available()

    def __init__(
        self, backend: str, topology: _Topology, env_backup: dict[str, str] | None = None
    ) -> None:
        self._backend = backend
        self._topology = topology
        self._env_backup = env_backup

    # ------------------------------------------------------------------ construction

    @classmethod
    def create_from_backend(
        cls,
        backend: str,
        init_method: str | None = None,
        rank: int | None = None,
        world_size: int | None = None,
        timeout: timedelta | float | None = None,
        **kwargs: Any,
    ) -> NativeModel:
        """Join (or start) the process group of ``backend`` and return the model.

        Args:
            backend: ``"gloo"``, ``"nccl"`` or ``"mpi"``.
            init_method: ``None``/``"env://"`` (torchrun's or SLURM's variables), or a
                ``"tcp://host:port"`` / ``"file:///path"`` URL, with ``rank`` and ``world_size``.
            rank: this process's rank, with an explicit ``init_method`` only.
            world_size: the number of processes, with an explicit ``init_method`` only.
            timeout: seconds (or a timedelta) a rendezvous or collective waits for its peers.
        """
        if kwargs:
            raise TypeError(
                f"initialize: unexpected keyword argument(s) {', '.join(sorted(kwargs))} for "
                f"back-end {backend!r}; expected init_method, rank, world_size, timeout"
            )
        cls._check_backend(backend)
        if dist.is_initialized():
            raise RuntimeError(
                "initialize: a torch.distributed process group is already running in this "
                "process; call ember.distributed.sync() to use it, or finalize() it first"
            )
        explicit = init_method not in (None, _ENV_INIT)
        if init_method is not None and not isinstance(init_method, str):
            raise TypeError(f"argument init_method should be a str URL, got {init_method!r}")
        if not explicit and (rank is not None or world_size is not None):
            raise ValueError(
                f"arguments rank and world_size go with an explicit init_method (tcp://, "
                f"file://); with init_method={init_method!r} they come from the environment, "
                f"got rank={rank!r}, world_size={world_size!r}"
            )
        if explicit and (rank is None) != (world_size is None):
            raise ValueError(
                f"arguments rank and world_size should be given together, got rank={rank!r} "
                f"and world_size={world_size!r}"
            )
        wait = _as_timeout(timeout)
        backup = dict(os.environ)
        topology: _Topology | None = None
        try:
            # Under SLURM without srun (an salloc shell) a launcher's variables are enough.
            srun_task = "SLURM_PROCID" in os.environ or "RANK" not in os.environ
            if in_slurm_job() and srun_task:
                if rank is not None:
                    raise ValueError(
                        "arguments rank and world_size cannot be given inside a SLURM job; "
                        "they come from the SLURM environment"
                    )
                config = slurm_config()
                os.environ.update(
                    RANK=str(config.rank),
                    LOCAL_RANK=str(config.local_rank),
                    WORLD_SIZE=str(config.world_size),
                    MASTER_ADDR=config.master_addr,
                    MASTER_PORT=str(config.master_port),
                )
                topology = _Topology(
                    config.local_rank, config.nproc_per_node, config.nnodes, config.node_rank
                )
            else:
                cls._fill_launcher_env()
            if explicit and rank is None:
                rank, world_size = _env_int("RANK"), _env_int("WORLD_SIZE")
            return cls._start(
                backend,
                init_method=init_method or _ENV_INIT,
                rank=rank if explicit else None,
                world_size=world_size if explicit else None,
                timeout=wait,
                topology=topology,
                env_backup=backup,
            )
        except BaseException:
            os.environ.clear()
            os.environ.update(backup)
            raise

    @staticmethod
    def _fill_launcher_env() -> None:
        given = [name for name in ("RANK", "WORLD_SIZE") if name in os.environ]
        if len(given) == 1:
            missing = "WORLD_SIZE" if given == ["RANK"] else "RANK"
            raise ValueError(
                f"the environment sets {given[0]}={os.environ[given[0]]} but not {missing}; a "
                f"launcher should set RANK, LOCAL_RANK and WORLD_SIZE together"
            )
        os.environ.setdefault("RANK", "0")
        os.environ.setdefault("WORLD_SIZE", "1")
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        if "MASTER_PORT" not in os.environ:
            # A world of one has nobody to agree with: any free port avoids collisions between
            # unrelated jobs on one machine. Larger worlds share the conventional default.
            single = os.environ["WORLD_SIZE"] == "1"
            os.environ["MASTER_PORT"] = str(find_free_port() if single else 15000)

    @classmethod
    def _check_backend(cls, backend: object) -> None:
        if backend not in cls.available_backends:
            raise ValueError(
                f"argument backend should be one of the native back-ends available here "
                f"({', '.join(cls.available_backends) or 'none'}), got {backend!r}"
            )
        if backend == "nccl" and not torch.cuda.is_available():
            raise RuntimeError("back-end 'nccl' needs a CUDA device, and none is available")

    @classmethod
    def _start(
        cls,
        backend: str,
        *,
        init_method: str,
        rank: int | None,
        world_size: int | None,
        timeout: timedelta,
        topology: _Topology | None,
        env_backup: dict[str, str] | None,
    ) -> NativeModel:
        options: dict[str, Any] = {"init_method": init_method, "timeout": timeout}
        if rank is not None and world_size is not None:
            options.update(rank=rank, world_size=world_size)
        if backend == "nccl":
            local_rank = topology.local_rank if topology else _env_int("LOCAL_RANK")
            if local_rank is not None:
                torch.cuda.set_device(local_rank)
        # Under torchrun every tcp:// store is assumed to be the launcher's own, so nobody would
        # serve the one named here: let rank 0 serve it, as outside torchrun.
        agent_store = os.environ.get("TORCHELASTIC_USE_AGENT_STORE")
        if init_method.startswith("tcp://") and agent_store is not None:
            del os.environ["TORCHELASTIC_USE_AGENT_STORE"]
        try:
            dist.init_process_group(backend, **options)
        finally:
            if agent_store is not None:
                os.environ["TORCHELASTIC_USE_AGENT_STORE"] = agent_store
        if topology is None:
            topology = _resolve_topology(backend)
        model = cls(backend, topology, env_backup)
        if backend == "nccl":
            torch.cuda.set_device(topology.local_rank)
        # Every process has joined once this returns; a peer that never comes fails here,
        # after the timeout, rather than in the first collective of the program.
        model.barrier()
        return model

    @classmethod
    def create_from_context(cls) -> NativeModel | None:
        """The model of the process group already started in this process, or ``None``.

        The local rank comes from ``LOCAL_RANK``, else ``SLURM_LOCALID`` in a SLURM job, else
        ``ember.distributed.set_local_rank``, else the host names of the peers (a collective:
        every process must then reach this call).
        """
        if not (dist.is_available() and dist.is_initialized()):
            return None
        backend = str(dist.get_backend())
        return cls(backend, _resolve_topology(backend))

    # ------------------------------------------------------------------ topology

    def backend(self) -> str:
        """``"gloo"``, ``"nccl"`` or ``"mpi"``."""
        return self._backend

    def device(self) -> torch.device:
        """``cuda:<local rank>`` with nccl, the CPU otherwise."""
        if self._backend == "nccl":
            return torch.device("cuda", self._topology.local_rank)
        return torch.device("cpu")

    def get_rank(self) -> int:
        """The rank in the default process group."""
        return int(dist.get_rank())

    def get_local_rank(self) -> int:
        """The rank among the processes of this node."""
        return self._topology.local_rank

    def get_world_size(self) -> int:
        """The size of the default process group."""
        return int(dist.get_world_size())

    def get_nproc_per_node(self) -> int:
        """The number of processes on this node."""
        return self._topology.nproc_per_node

    def get_node_rank(self) -> int:
        """The index of this node."""
        return self._topology.node_rank

    def get_nnodes(self) -> int:
        """The number of nodes."""
        return self._topology.nnodes

    def barrier(self) -> None:
        """``torch.distributed.barrier`` (on this process's GPU with nccl)."""
        if self._backend == "nccl":
            dist.barrier(device_ids=[self._topology.local_rank])
        else:
            dist.barrier()

    def finalize(self) -> None:
        """Wait for every process, destroy the process group, restore the environment.

        The barrier first keeps gloo from aborting at exit when one process tears down its
        group while another still uses it. Before it, a garbage collection frees what only
        reference cycles kept alive (a ``DistributedDataParallel`` model held by an engine's
        handlers): freed later, after the group is gone, such an object released its
        communication threads at interpreter exit and could abort the process ("terminate
        called without an active exception").
        """
        gc.collect()
        try:
            if dist.is_initialized():
                self.barrier()
        finally:
            self.abort()

    def abort(self) -> None:
        """Destroy the process group without waiting for the others; restore the environment."""
        try:
            if dist.is_initialized():
                dist.destroy_process_group()
        finally:
            if self._env_backup is not None:
                os.environ.clear()
                os.environ.update(self._env_backup)
                self._env_backup = None

    # ------------------------------------------------------------------ primitives

    _OPS = {
        "SUM": dist.ReduceOp.SUM,
        "PRODUCT": dist.ReduceOp.PRODUCT,
        "MIN": dist.ReduceOp.MIN,
        "MAX": dist.ReduceOp.MAX,
        "AND": dist.ReduceOp.BAND,
        "OR": dist.ReduceOp.BOR,
    }

    def _check_group(self, group: Any) -> Any:
        if group is None or isinstance(group, dist.ProcessGroup):
            return group
        if group is dist.GroupMember.NON_GROUP_MEMBER:
            return group
        raise ValueError(
            f"argument group should be a list of int ranks or a group from new_group, got {group!r}"
        )

    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any) -> torch.Tensor:
        dist.all_reduce(tensor, self._OPS[op], group=self._check_group(group))
        return tensor

    def _do_all_gather(self, tensor: torch.Tensor, group: Any) -> list[torch.Tensor]:
        group = self._check_group(group)
        parts = [torch.empty_like(tensor) for _ in range(dist.get_world_size(group))]
        dist.all_gather(parts, tensor, group=group)
        return parts

    def _do_all_gather_object(self, obj: Any, group: Any) -> list[Any]:
        group = self._check_group(group)
        parts: list[Any] = [None] * dist.get_world_size(group)
        dist.all_gather_object(parts, obj, group=group)
        return parts

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        dist.broadcast(tensor, src=src)
        return tensor

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        return dist.new_group(ranks=ranks, **kwargs)

    def _rank_not_in_group(self, group: Any) -> bool:
        group = self._check_group(group)
        return group is not None and int(dist.get_rank(group)) < 0

    # ------------------------------------------------------------------ spawning

    @classmethod
    def spawn(
        cls,
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
        """Start ``nproc_per_node`` processes on this node, each running ``fn(local_rank, ...)``.

        Each process joins the group of ``nnodes * nproc_per_node`` processes (rank
        ``node_rank * nproc_per_node + local_rank``), runs ``fn(local_rank, *args,
        **kwargs_dict)``, and finalizes the group. Returns when every process has finished; when
        one fails, the others are stopped and the error is raised here.
        """
        from ember.distributed.models.native_spawn import spawn_processes

        spawn_processes(
            fn,
            args,
            kwargs_dict,
            nproc_per_node,
            backend=backend,
            nnodes=nnodes,
            node_rank=node_rank,
            master_addr=master_addr,
            master_port=master_port,
            init_method=init_method,
            start_method=start_method,
            timeout=timeout,
            **kwargs,
        )


def _resolve_topology(backend: str) -> _Topology:
    """Local rank and node layout of the running group: from the environment, else from peers."""
    rank, world_size = int(dist.get_rank()), int(dist.get_world_size())
    local_rank = _env_int("LOCAL_RANK")
    if local_rank is None and in_slurm_job():
        local_rank = _env_int("SLURM_LOCALID")
    if local_rank is None:
        local_rank = ComputationModel.local_rank_hint
    nproc_per_node = _env_int("LOCAL_WORLD_SIZE")
    if world_size == 1:
        return _Topology(local_rank or 0, 1, 1, 0)
    if local_rank is not None and nproc_per_node is not None:
        node_rank = _env_int("GROUP_RANK")
        if node_rank is None:
            node_rank = rank // nproc_per_node
        return _Topology(local_rank, nproc_per_node, -(-world_size // nproc_per_node), node_rank)
    # Processes on one node share a host name: count them (a collective over every rank).
    hosts = _gather_hostnames(backend, world_size)
    nodes = list(dict.fromkeys(hosts))
    mine = hosts[rank]
    if local_rank is None:
        local_rank = hosts[:rank].count(mine)
    return _Topology(local_rank, hosts.count(mine), len(nodes), nodes.index(mine))


def _gather_hostnames(backend: str, world_size: int) -> list[str]:
    hosts: list[Any] = [None] * world_size
    # nccl may not know this process's GPU yet; host names travel over a CPU group.
    group = dist.new_group(backend="gloo") if backend != "gloo" else None
    try:
        dist.all_gather_object(hosts, socket.gethostname(), group=group)
    finally:
        if group is not None:
            dist.destroy_process_group(group)
    return [str(host) for host in hosts]
