"""Give a process without updates accumulators of the shape the other processes reduce.

Some metrics start an accumulator as a number or a 0-d zero and only learn its shape (one
count per class, say) at the first ``update``. In a distributed run a process that never
updates would then reduce a number while the others reduce a ``(C,)`` tensor, and the
reduction fails or hangs. :func:`agree_on_shapes` goes outside ``sync_all_reduce`` on
``compute``: when more than one process takes part, every process gathers a small description
of the named accumulators and whether it has data; a process without data replaces its
accumulators with zeros of the shape and dtype the processes with data hold (and can mark
itself as updated), so the reduction that follows matches everywhere. Every process makes the
same single gather. The local accumulators are put back after ``compute``. In a single process
``compute`` runs unchanged.

Example:
    >>> import torch
    >>> from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
    >>> class Counts(Metric):
    ...     @reinit__is_reduced
    ...     def reset(self):
    ...         self._counts = 0
    ...     @reinit__is_reduced
    ...     def update(self, output):
    ...         self._counts = self._counts + output
    ...     @agree_on_shapes("_counts", has_data=lambda m: isinstance(m._counts, torch.Tensor))
    ...     @sync_all_reduce("_counts")
    ...     def compute(self):
    ...         return self._counts
    >>> counts = Counts()
    >>> counts.update(torch.tensor([1, 2]))
    >>> counts.compute()
    tensor([1, 2])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from numbers import Number
from typing import Any, Concatenate, ParamSpec, TypeVar

import torch

from ember.metric import Metric
from ember.metric.reduction import CollectiveHooks, get_collective_hooks

__all__ = ["agree_on_shapes"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_M = TypeVar("_M", bound=Metric)

# ("tensor", shape, dtype) or ("number", type): enough to build a zero of the same kind.
Description = tuple[Any, ...]


def _describe(value: object) -> Description | None:
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), value.dtype)
    if isinstance(value, Number):
        return ("number", type(value))
    return None


def _zero_like(description: Description, device: torch.device) -> Any:
    if description[0] == "tensor":
        return torch.zeros(description[1], dtype=description[2], device=device)
    return description[1](0)


def agree_on_shapes(
    *names: str,
    has_data: Callable[[Any], bool],
    flag: str | None = None,
) -> Callable[[Callable[Concatenate[_M, _P], _R]], Callable[Concatenate[_M, _P], _R]]:
    """Make a process without data reduce zeros shaped like the other processes' accumulators.

    Apply it above ``sync_all_reduce`` on ``compute``. ``names``: the accumulators whose shape
    is only known after an update; their reset value must be a zero (the identity of the sum).
    ``has_data(metric)``: whether this process has updated since the last reset. ``flag``: a
    boolean attribute set to ``True`` for the duration of ``compute`` on a process without data
    when another process has some (the metric's own "updated" flag). When no process has data,
    or the processes with data disagree on the accumulators' kinds, nothing is replaced.
    """

    def decorator(func: Callable[Concatenate[_M, _P], _R]) -> Callable[Concatenate[_M, _P], _R]:
        @functools.wraps(func)
        def agreed(self: _M, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            hooks = get_collective_hooks()
            if hooks.get_world_size() <= 1:
                return func(self, *args, **kwargs)
            local = _fill_empty_state(self, names, has_data, flag, hooks)
            try:
                return func(self, *args, **kwargs)
            finally:
                for name, value in local.items():
                    setattr(self, name, value)

        return agreed

    return decorator


def _fill_empty_state(
    metric: Metric,
    names: tuple[str, ...],
    has_data: Callable[[Any], bool],
    flag: str | None,
    hooks: CollectiveHooks,
) -> dict[str, Any]:
    """Replace the accumulators of a process without data; return the values replaced."""
    mine = bool(has_data(metric))
    descriptions = tuple(_describe(metric.__dict__.get(name)) for name in names)
    gathered = hooks.all_gather((mine, descriptions))
    with_data = [described for updated, described in gathered if updated]
    if mine or not with_data or any(described != with_data[0] for described in with_data):
        return {}
    target = with_data[0]
    if any(description is None for description in target):
        return {}
    local: dict[str, Any] = {}
    for name, description in zip(names, target, strict=True):
        local[name] = metric.__dict__[name]
        setattr(metric, name, _zero_like(description, metric._device))
    if flag is not None:
        local[flag] = metric.__dict__[flag]
        setattr(metric, flag, True)
    return local
