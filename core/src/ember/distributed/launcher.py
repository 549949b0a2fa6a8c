"""``Parallel``: one context manager that runs a function however the program was launched.

- ``Parallel(backend=None)``: serial; the function runs once, in this process.
- ``Parallel(backend="gloo", nproc_per_node=4)``: Parallel spawns the processes itself
  (:func:`ember.distributed.spawn`); the function runs in each of them.
- ``Parallel(backend="gloo")`` in a program started by ``torchrun`` or ``srun``: each process
  joins the group the launcher describes in the environment and runs the function.

So the same script runs under ``python main.py``, ``torchrun --nproc_per_node=4 main.py`` and
SLURM. What Parallel does is logged on the ``ember.distributed.launcher.Parallel`` logger (shown
on rank 0 by default).

Example:
    >>> import ember.distributed as idist
    >>> def training(local_rank, config):
    ...     print(idist.get_rank(), "runs with", config)
    >>> with idist.Parallel(backend=None) as parallel:
    ...     parallel.run(training, {"lr": 0.1})
    0 runs with {'lr': 0.1}
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ember.distributed import utils as idist
from ember.distributed.backends import model_class
from ember.utils.logging import setup_logger

__all__ = ["Parallel"]


def _check_positive(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Parallel: argument {name} should be a positive int, got {value!r}")
    return value


class Parallel:
    """Run a function in the distributed configuration given, or found, at launch.

    Args:
        backend: ``None`` for serial, else ``"gloo"``, ``"nccl"``, ``"mpi"`` or a plugin's
            back-end (``"xla-tpu"``, ``"horovod"``).
        nproc_per_node: spawn this many processes on this node. Leave it out when a launcher
            (torchrun, srun) started the processes.
        nnodes: the number of nodes taking part (with ``nproc_per_node``; default 1).
        node_rank: this node's index (with ``nproc_per_node``; required when ``nnodes > 1``).
        master_addr: the address of node 0 (with ``nproc_per_node``; required when
            ``nnodes > 1`` unless ``init_method`` is given).
        master_port: the port on node 0 (same conditions as ``master_addr``).
        init_method: ``"env://"`` (default), ``"tcp://host:port"`` or ``"file:///path"``.
        spawn_kwargs: more arguments for :func:`ember.distributed.spawn` (``start_method``,
            ``timeout``) or, without ``nproc_per_node``, for
            :func:`ember.distributed.initialize` (``timeout``).

    Example:
        >>> import ember.distributed as idist
        >>> idist.Parallel(backend=None, nproc_per_node=2)
        Traceback (most recent call last):
        ...
        ValueError: Parallel: argument nproc_per_node should be None when backend is None ...
    """

    def __init__(
        self,
        backend: str | None = None,
        nproc_per_node: int | None = None,
        nnodes: int | None = None,
        node_rank: int | None = None,
        master_addr: str | None = None,
        master_port: int | None = None,
        init_method: str | None = None,
        **spawn_kwargs: Any,
    ) -> None:
        launch = {
            "nproc_per_node": nproc_per_node,
            "nnodes": nnodes,
            "node_rank": node_rank,
            "master_addr": master_addr,
            "master_port": master_port,
            "init_method": init_method,
            **spawn_kwargs,
        }
        if backend is None:
            for name, value in launch.items():
                if value is not None:
                    raise ValueError(
                        f"Parallel: argument {name} should be None when backend is None "
                        f"(serial), got {value!r}"
                    )
        else:
            model_class(backend, "Parallel")  # an unknown back-end fails here, not later
        self.backend = backend
        self.init_method = init_method
        self._spawn_params: dict[str, Any] | None = None
        self._initialize_kwargs: dict[str, Any] = {}
        if backend is not None and nproc_per_node is not None:
            self._spawn_params = self._setup_spawn_params(
                nproc_per_node,
                nnodes,
                node_rank,
                master_addr,
                master_port,
                init_method,
                **spawn_kwargs,
            )
        elif backend is not None:
            joined: dict[str, object] = {
                "nnodes": nnodes,
                "node_rank": node_rank,
                "master_addr": master_addr,
                "master_port": master_port,
            }
            for name, value in joined.items():
                if value is not None:
                    raise ValueError(
                        f"Parallel: argument {name}={value!r} goes with nproc_per_node (Parallel "
                        f"spawns the processes); without it Parallel joins the processes a "
                        f"launcher (torchrun, srun) started, which sets {name} itself"
                    )
            if init_method is not None:
                self._initialize_kwargs["init_method"] = init_method
            self._initialize_kwargs.update(spawn_kwargs)
        self._logger: logging.Logger | None = None

    @staticmethod
    def _setup_spawn_params(
        nproc_per_node: int,
        nnodes: int | None,
        node_rank: int | None,
        master_addr: str | None,
        master_port: int | None,
        init_method: str | None,
        **spawn_kwargs: Any,
    ) -> dict[str, Any]:
        _check_positive("nproc_per_node", nproc_per_node)
        nnodes = _check_positive("nnodes", 1 if nnodes is None else nnodes)
        if node_rank is None:
            if nnodes > 1:
                raise ValueError(
                    f"Parallel: argument node_rank is required with nnodes={nnodes}: the index "
                    f"of this node, 0 to {nnodes - 1}"
                )
            node_rank = 0
        if not isinstance(node_rank, int) or not 0 <= node_rank < nnodes:
            raise ValueError(
                f"Parallel: argument node_rank should be between 0 and {nnodes - 1}, "
                f"got {node_rank!r}"
            )
        if nnodes > 1 and init_method is None and (master_addr is None or master_port is None):
            raise ValueError(
                f"Parallel: with nnodes={nnodes}, arguments master_addr and master_port (or "
                f"init_method) are required so that the nodes can meet; got master_addr="
                f"{master_addr!r}, master_port={master_port!r}"
            )
        params = {
            "nproc_per_node": nproc_per_node,
            "nnodes": nnodes,
            "node_rank": node_rank,
            "master_addr": master_addr,
            "master_port": master_port,
            "init_method": init_method,
            **spawn_kwargs,
        }
        return {name: value for name, value in params.items() if value is not None}

    @property
    def _log(self) -> logging.Logger:
        if self._logger is None:
            # Configured after joining the group, so that only rank 0 shows the messages.
            self._logger = setup_logger(f"{__name__}.{type(self).__name__}")
        return self._logger

    def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``func(local_rank, *args, **kwargs)`` in every process of the configuration.

        Example:
            >>> import ember.distributed as idist
            >>> with idist.Parallel() as parallel:
            ...     parallel.run(lambda local_rank, x: print(local_rank + x), 10)
            10
        """
        if self._spawn_params is not None and self.backend is not None:
            count = self._spawn_params["nproc_per_node"]
            self._log.info(f"Spawn function '{func}' in {count} processes")
            idist.spawn(self.backend, func, args=args, kwargs_dict=kwargs, **self._spawn_params)
        else:
            self._log.info(f"- Run '{func}' in {idist.get_world_size()} processes")
            func(idist.get_local_rank(), *args, **kwargs)
        self._log.info("End of run")

    def __enter__(self) -> Parallel:
        if self.backend is not None and self._spawn_params is None:
            idist.initialize(self.backend, **self._initialize_kwargs)
        if self.backend is not None:
            if self._spawn_params is None:
                self._log.info(f"Initialized processing group with backend: '{self.backend}'")
            else:
                self._log.info(f"Initialized distributed launcher with backend: '{self.backend}'")
                params = "\n\t".join(
                    f"{name}: {value}" for name, value in self._spawn_params.items()
                )
                self._log.info(f"- Parameters to spawn processes: \n\t{params}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.backend is None or self._spawn_params is not None:
            return
        if exc_type is None:
            idist.finalize()
            self._log.info(f"Finalized processing group with backend: '{self.backend}'")
        else:
            # The others may never reach a barrier: leave without waiting for them.
            idist._abort()
