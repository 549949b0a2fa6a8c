"""Decorators that keep a metric's accumulators consistent across processes.

A metric accumulates on each process; :func:`sync_all_reduce` sums (or takes the minimum,
maximum or product of) the named accumulators over all processes for the duration of one call,
usually ``compute``, and :func:`reinit__is_reduced` marks ``reset``/``update`` as the methods that
change the local accumulators.

In a single process both decorators call the decorated method unchanged. The collective
operations come from a :class:`CollectiveHooks` record that ``ember.distributed`` installs with
:func:`set_collective_hooks` when a process group with more than one process is running; until
then the serial hooks (world size 1, identity reductions) are active, so the metric package never
imports the distributed package.

Example:
    >>> import torch
    >>> from ember.exceptions import NotComputableError
    >>> from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
    >>> class Total(Metric):
    ...     _state_dict_all_req_keys = ("_total", "_count")
    ...     @reinit__is_reduced
    ...     def reset(self):
    ...         self._total = torch.tensor(0.0)
    ...         self._count = 0
    ...     @reinit__is_reduced
    ...     def update(self, output):
    ...         self._total += output.sum()
    ...         self._count += output.numel()
    ...     @sync_all_reduce("_total", "_count")
    ...     def compute(self):
    ...         if self._count == 0:
    ...             raise NotComputableError("Total needs at least one value")
    ...         return self._total.item()
    >>> total = Total()
    >>> total.update(torch.tensor([1.0, 2.0]))
    >>> total.compute()
    3.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Number
from typing import Any, Concatenate, ParamSpec, TypeVar

import torch

from ember.metric.metric import Metric

__all__ = [
    "SERIAL_HOOKS",
    "CollectiveHooks",
    "get_collective_hooks",
    "reinit__is_reduced",
    "set_collective_hooks",
    "sync_all_reduce",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_M = TypeVar("_M", bound=Metric)

REDUCTION_OPS = ("SUM", "MIN", "MAX", "PRODUCT")
"""The reductions :func:`sync_all_reduce` accepts after a colon: ``"_count:MAX"``."""


@dataclass(frozen=True)
class CollectiveHooks:
    """The collective operations metrics use, as installed by ``ember.distributed``.

    Attributes:
        get_world_size: returns the number of processes taking part (1 when serial).
        get_rank: returns this process's rank (0 when serial).
        all_reduce: ``all_reduce(value, op)`` reduces a tensor or number over all processes with
            ``op`` (one of ``"SUM"``, ``"MIN"``, ``"MAX"``, ``"PRODUCT"``) and returns the result;
            it may reduce a tensor in place, metrics pass it a copy.
        all_gather: returns a list, one entry per rank in rank order, of every process's
            ``value`` (any picklable object: ``Metric.state_dict`` gathers dictionaries).

    Example:
        >>> from ember.metric.reduction import SERIAL_HOOKS
        >>> SERIAL_HOOKS.get_world_size(), SERIAL_HOOKS.all_gather({"a": 1})
        (1, [{'a': 1}])
    """

    get_world_size: Callable[[], int]
    get_rank: Callable[[], int]
    all_reduce: Callable[[Any, str], Any]
    all_gather: Callable[[Any], list[Any]]


def _serial_world_size() -> int:
    return 1


def _serial_rank() -> int:
    return 0


def _serial_all_reduce(value: Any, op: str) -> Any:
    return value


def _serial_all_gather(value: Any) -> list[Any]:
    return [value]


SERIAL_HOOKS = CollectiveHooks(
    get_world_size=_serial_world_size,
    get_rank=_serial_rank,
    all_reduce=_serial_all_reduce,
    all_gather=_serial_all_gather,
)
"""The hooks of a single process: world size 1, rank 0, reductions that return their input."""

_active_hooks: CollectiveHooks = SERIAL_HOOKS


def get_collective_hooks() -> CollectiveHooks:
    """Return the collective hooks metrics use now.

    Example:
        >>> from ember.metric.reduction import SERIAL_HOOKS, get_collective_hooks
        >>> get_collective_hooks() is SERIAL_HOOKS
        True
    """
    return _active_hooks


def set_collective_hooks(hooks: CollectiveHooks | None) -> CollectiveHooks:
    """Install the collective operations metrics use; ``None`` restores the serial hooks.

    Meant for ``ember.distributed``: it installs its hooks when a process group starts and
    restores the previous ones when it is finalised. Returns the hooks that were active before.

    Example:
        >>> from ember.metric.reduction import SERIAL_HOOKS, CollectiveHooks, set_collective_hooks
        >>> twice = CollectiveHooks(
        ...     get_world_size=lambda: 2,
        ...     get_rank=lambda: 0,
        ...     all_reduce=lambda value, op: value * 2,
        ...     all_gather=lambda value: [value, value],
        ... )
        >>> previous = set_collective_hooks(twice)
        >>> previous is SERIAL_HOOKS
        True
        >>> set_collective_hooks(None) is twice
        True
    """
    global _active_hooks
    if hooks is not None and not isinstance(hooks, CollectiveHooks):
        raise TypeError(
            f"set_collective_hooks: argument hooks should be a CollectiveHooks or None, "
            f"got {hooks!r} ({type(hooks).__name__})"
        )
    previous = _active_hooks
    _active_hooks = SERIAL_HOOKS if hooks is None else hooks
    return previous


def _parse_reduction(spec: str) -> tuple[str, str]:
    if not isinstance(spec, str):
        raise TypeError(
            f"sync_all_reduce: each attribute should be a str such as '_count' or '_count:MAX', "
            f"got {spec!r} ({type(spec).__name__})"
        )
    name, sep, op = spec.partition(":")
    if not sep:
        return name, "SUM"
    if op not in REDUCTION_OPS:
        raise ValueError(
            f"sync_all_reduce: attribute {spec!r} asks for the reduction {op!r}; "
            f"expected one of {', '.join(REDUCTION_OPS)}"
        )
    return name, op


def sync_all_reduce(
    *attrs: str,
) -> Callable[[Callable[Concatenate[_M, _P], _R]], Callable[Concatenate[_M, _P], _R]]:
    """Reduce the named metric attributes over all processes while the decorated method runs.

    Each attribute is ``"name"`` (summed) or ``"name:OP"`` with ``OP`` one of ``SUM``, ``MIN``,
    ``MAX``, ``PRODUCT``. When more than one process takes part, each attribute (a number or a
    tensor) is replaced by its reduction over all processes, the method runs, and the local values
    are put back, so calling ``compute`` twice reduces twice from the same local state. In a
    single process the method runs unchanged. Reductions are validated when the decorator is
    applied; a missing or non-numeric attribute is reported when a reduction happens.

    Example:
        >>> import torch
        >>> from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
        >>> class Largest(Metric):
        ...     @reinit__is_reduced
        ...     def reset(self):
        ...         self._largest = float("-inf")
        ...     @reinit__is_reduced
        ...     def update(self, output):
        ...         self._largest = max(self._largest, float(output.max()))
        ...     @sync_all_reduce("_largest:MAX")
        ...     def compute(self):
        ...         return self._largest
        >>> largest = Largest()
        >>> largest.update(torch.tensor([3.0, 7.0]))
        >>> largest.compute()
        7.0
    """
    reductions = tuple(_parse_reduction(spec) for spec in attrs)

    def decorator(func: Callable[Concatenate[_M, _P], _R]) -> Callable[Concatenate[_M, _P], _R]:
        @functools.wraps(func)
        def reduced(self: _M, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            if not isinstance(self, Metric):
                raise TypeError(
                    f"sync_all_reduce decorates methods of ember.metric.Metric subclasses only; "
                    f"{func.__qualname__} was called on {type(self).__name__}"
                )
            hooks = _active_hooks
            if not reductions or hooks.get_world_size() <= 1:
                return func(self, *args, **kwargs)
            local = _reduce_attributes(self, reductions, hooks)
            try:
                result = func(self, *args, **kwargs)
            finally:
                for name, value in local.items():
                    setattr(self, name, value)
            self._is_reduced = True
            return result

        return reduced

    return decorator


def _reduce_attributes(
    metric: Metric, reductions: tuple[tuple[str, str], ...], hooks: CollectiveHooks
) -> dict[str, Any]:
    local: dict[str, Any] = {}
    cls = type(metric).__name__
    for name, op in reductions:
        if name not in metric.__dict__:
            raise ValueError(
                f"{cls}: sync_all_reduce names the attribute {name!r}, which the metric does "
                f"not have; expected one of {sorted(metric.__dict__)}"
            )
        value = metric.__dict__[name]
        if isinstance(value, torch.Tensor):
            reduced = hooks.all_reduce(value.clone(), op)
        elif isinstance(value, Number):
            reduced = hooks.all_reduce(value, op)
        else:
            raise TypeError(
                f"{cls}: sync_all_reduce can reduce numbers and tensors, but attribute "
                f"{name!r} holds {type(value).__name__}"
            )
        local[name] = value
        setattr(metric, name, reduced)
    return local


def reinit__is_reduced(
    func: Callable[Concatenate[_M, _P], None],
) -> Callable[Concatenate[_M, _P], None]:
    """Mark a method (``reset`` or ``update``) that changes the metric's local accumulators.

    After the method runs, ``_is_reduced`` is set to ``False`` and a cached result kept in a
    ``_result`` attribute, if the metric has one, is cleared so that the next ``compute``
    recomputes it.

    Example:
        >>> import torch
        >>> from ember.metric import Metric, reinit__is_reduced
        >>> class Last(Metric):
        ...     @reinit__is_reduced
        ...     def reset(self):
        ...         self._result = None
        ...     @reinit__is_reduced
        ...     def update(self, output):
        ...         self._value = output
        ...     def compute(self):
        ...         if self._result is None:
        ...             self._result = self._value * 10
        ...         return self._result
        >>> last = Last()
        >>> last.update(1)
        >>> last.compute()
        10
        >>> last.update(2)
        >>> last.compute()
        20
    """

    @functools.wraps(func)
    def reinitialised(self: _M, /, *args: _P.args, **kwargs: _P.kwargs) -> None:
        func(self, *args, **kwargs)
        self._is_reduced = False
        if "_result" in self.__dict__:
            self.__dict__["_result"] = None

    return reinitialised
