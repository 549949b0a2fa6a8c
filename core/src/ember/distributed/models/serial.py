"""The serial computation model: one process, no process group.

It is the current model until a process group is started, so that code written for several
processes runs unchanged in one: the world has one process of rank 0, and every collective returns
what it is given (``all_gather`` of a tensor returns the tensor itself, of anything else a
one-element list), after checking its arguments as the other models do.

Example:
    >>> import torch
    >>> from ember.distributed.models.serial import SerialModel
    >>> serial = SerialModel()
    >>> serial.backend() is None, serial.get_rank(), serial.get_world_size()
    (True, 0, 1)
    >>> serial.all_gather(torch.tensor([1, 2])), serial.all_gather(7)
    (tensor([1, 2]), [7])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ember.distributed.models.base import (
    BroadcastValue,
    ComputationModel,
    GatherResult,
    ReduceValue,
    _is_number,
    check_op,
)

__all__ = ["SerialModel"]


class SerialModel(ComputationModel):
    """A single process: rank 0 of a world of 1, collectives that return their input.

    The device is the first CUDA device when there is one, else Apple's MPS when available, else
    the CPU.

    Example:
        >>> from ember.distributed.models.serial import SerialModel
        >>> SerialModel().broadcast("hello", src=0)
        'hello'
    """

    name = "serial"
    available_backends = ()

    @classmethod
    def create_from_backend(cls, backend: str | None = None, **kwargs: Any) -> SerialModel:
        """A serial model; the arguments are ignored."""
        return cls()

    @classmethod
    def create_from_context(cls) -> SerialModel:
        """A serial model: a single process is always a valid context."""
        return cls()

    @classmethod
    def spawn(
        cls,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs_dict: Mapping[str, Any] | None = None,
        nproc_per_node: int = 1,
        *,
        backend: str,
        **kwargs: Any,
    ) -> None:
        """Not supported: a serial model runs in the calling process."""
        raise NotImplementedError(
            "the serial computation model does not spawn processes; pass a back-end such as "
            "'gloo' to ember.distributed.spawn"
        )

    def backend(self) -> None:
        """``None``: no back-end."""

    def device(self) -> torch.device:
        """``cuda`` when available, else ``mps`` when available, else ``cpu``."""
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")

    def get_rank(self) -> int:
        """0."""
        return 0

    def get_local_rank(self) -> int:
        """0."""
        return 0

    def get_world_size(self) -> int:
        """1."""
        return 1

    def get_nproc_per_node(self) -> int:
        """1."""
        return 1

    def get_node_rank(self) -> int:
        """0."""
        return 0

    def get_nnodes(self) -> int:
        """1."""
        return 1

    def barrier(self) -> None:
        """Nothing to wait for."""

    def finalize(self) -> None:
        """Nothing to undo."""

    def all_reduce(self, tensor: ReduceValue, op: str = "SUM", group: Any = None) -> ReduceValue:
        """``tensor`` itself, once ``op`` and the type of ``tensor`` are checked."""
        check_op(op)
        if not (isinstance(tensor, torch.Tensor) or _is_number(tensor)):
            raise TypeError(
                f"all_reduce: argument tensor should be a torch.Tensor or a number, "
                f"got {type(tensor).__name__}"
            )
        return tensor

    def all_gather(self, tensor: Any, group: Any = None) -> GatherResult:
        """A tensor itself; anything else in a one-element list."""
        if isinstance(tensor, torch.Tensor):
            return tensor
        return [tensor]

    def broadcast(
        self, tensor: BroadcastValue | None, src: int = 0, safe_mode: bool = False
    ) -> BroadcastValue:
        """``tensor`` itself, once the arguments are checked (``None`` is refused)."""
        self._check_broadcast(tensor, src, safe_mode)
        assert tensor is not None  # _check_broadcast refuses None from the source rank
        return tensor

    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any) -> torch.Tensor:
        return tensor

    def _do_all_gather(self, tensor: torch.Tensor, group: Any) -> list[torch.Tensor]:
        return [tensor]

    def _do_all_gather_object(self, obj: Any, group: Any) -> list[Any]:
        return [obj]

    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        return tensor

    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> list[int]:
        return ranks

    def _rank_not_in_group(self, group: Any) -> bool:
        return False
