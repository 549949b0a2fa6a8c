"""The collectives of the current computation model, as module-level functions.

Each takes tensors and also numbers, strings (and for ``broadcast`` paths); in a single process
each returns its input (``all_gather`` wraps non-tensors in a list). ``group`` is a list of
ranks or a group from :func:`new_group`.

Example:
    >>> import torch
    >>> from ember.distributed.collectives import all_gather, all_reduce
    >>> all_reduce(torch.tensor([1.0])), all_gather(2)
    (tensor([1.]), [2])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import torch

from ember.distributed.models.base import BroadcastValue, GatherResult
from ember.distributed.state import current

__all__ = [
    "all_gather",
    "all_gather_tensors_with_shapes",
    "all_reduce",
    "barrier",
    "broadcast",
    "new_group",
]


@overload
def all_reduce(tensor: torch.Tensor, op: str = "SUM", group: Any = None) -> torch.Tensor: ...
@overload
def all_reduce(tensor: float, op: str = "SUM", group: Any = None) -> float: ...
def all_reduce(
    tensor: torch.Tensor | float, op: str = "SUM", group: Any = None
) -> torch.Tensor | float:
    """Reduce a tensor or a number over all processes (or ``group``) and return the result.

    A tensor on the current device is reduced in place. ``op`` is one of ``"SUM"``,
    ``"PRODUCT"``, ``"MIN"``, ``"MAX"``, ``"AND"``, ``"OR"``; ``group`` a list of ranks or a group
    from :func:`new_group`.

    Example:
        >>> import torch, ember.distributed as idist
        >>> idist.all_reduce(torch.tensor([1.0, 2.0]), op="MAX")
        tensor([1., 2.])
    """
    return current().all_reduce(tensor, op, group)


def all_gather(tensor: Any, group: Any = None) -> GatherResult:
    """Gather a value from every process (or ``group``), in rank order.

    A tensor (same shape everywhere) comes back concatenated along dimension 0 (a scalar tensor
    as a vector); a number or a str as a list; any other picklable object as a list. Serial: a
    tensor is returned as is, anything else in a one-element list. A process outside ``group``
    gets its own value back.

    Example:
        >>> import ember.distributed as idist
        >>> idist.all_gather(1.5), idist.all_gather({"loss": 0.1})
        ([1.5], [{'loss': 0.1}])
    """
    return current().all_gather(tensor, group)


def all_gather_tensors_with_shapes(
    tensor: torch.Tensor, shapes: Sequence[Sequence[int]], group: Any = None
) -> list[torch.Tensor]:
    """Gather tensors whose shapes differ by process: ``shapes[i]`` is process ``i``'s shape.

    Example:
        >>> import torch, ember.distributed as idist
        >>> idist.all_gather_tensors_with_shapes(torch.ones(2, 3), [[2, 3]])
        [tensor([[1., 1., 1.],
                [1., 1., 1.]])]
    """
    return current().all_gather_tensors_with_shapes(tensor, shapes, group)


@overload
def broadcast(tensor: torch.Tensor, src: int = 0, safe_mode: bool = False) -> torch.Tensor: ...
@overload
def broadcast(tensor: str, src: int = 0, safe_mode: bool = False) -> str: ...
@overload
def broadcast(tensor: Path, src: int = 0, safe_mode: bool = False) -> Path: ...
@overload
def broadcast(tensor: float, src: int = 0, safe_mode: bool = False) -> float: ...
@overload
def broadcast(tensor: None, src: int = 0, safe_mode: bool = False) -> BroadcastValue: ...
def broadcast(
    tensor: BroadcastValue | None, src: int = 0, safe_mode: bool = False
) -> BroadcastValue:
    """Send rank ``src``'s tensor, number, str or Path to every process.

    The other processes pass a value of the same kind (a tensor of the same shape and dtype,
    filled in place) or, with ``safe_mode=True``, anything including ``None``.

    Example:
        >>> import ember.distributed as idist
        >>> idist.broadcast("config.yaml", src=0)
        'config.yaml'
    """
    return current().broadcast(tensor, src=src, safe_mode=safe_mode)


def barrier() -> None:
    """Wait until every process reaches this call.

    Example:
        >>> import ember.distributed as idist
        >>> idist.barrier()
    """
    current().barrier()


def new_group(ranks: list[int], **kwargs: Any) -> Any:
    """A group of ``ranks`` for the ``group`` argument of the collectives (every rank calls it).

    Native back-ends pass ``kwargs`` to ``torch.distributed.new_group``. Serial: the list itself.

    Example:
        >>> import ember.distributed as idist
        >>> idist.new_group([0])
        [0]
    """
    return current().new_group(ranks, **kwargs)
