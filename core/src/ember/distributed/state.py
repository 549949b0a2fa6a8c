"""The current computation model of this process, and the metric hooks that follow it.

:mod:`ember.distributed` forwards every call to the model :func:`current` returns: the serial
model until a back-end is started, the one :func:`set_model` installed afterwards. A model that
was *found* (a ``torch.distributed`` group the program started by itself) is re-checked on each
call, so that a group started or destroyed behind ember's back is noticed.

While the current model has more than one process, :mod:`ember.metric.reduction` gets collective
hooks that reduce over them; otherwise the serial hooks are restored (``ember.metric`` is not
imported until a group of more than one process starts).

Example:
    >>> from ember.distributed.state import current
    >>> current().name
    'serial'
"""

from __future__ import annotations

from typing import Any

import torch.distributed as dist

from ember.distributed.models.base import ComputationModel
from ember.distributed.models.native import NativeModel
from ember.distributed.models.serial import SerialModel

__all__ = ["current", "set_model"]

_model: ComputationModel = SerialModel()
# True while the model was found rather than started here: the next call re-checks whether the
# program has started or destroyed a torch.distributed group by itself.
_detected = True
_metric_hooks: Any = None


def current() -> ComputationModel:
    """The computation model ember.distributed uses now.

    Example:
        >>> from ember.distributed.state import current
        >>> current().get_world_size()
        1
    """
    if _detected:
        running = dist.is_available() and dist.is_initialized()
        if running and isinstance(_model, SerialModel):
            native = NativeModel.create_from_context()
            if native is not None:
                set_model(native, detected=True)
        elif not running and isinstance(_model, NativeModel):
            set_model(SerialModel(), detected=True)
    return _model


def set_model(model: ComputationModel, detected: bool = False) -> None:
    """Make ``model`` current; ``detected=True`` if it was found rather than started here.

    Example:
        >>> from ember.distributed.models import SerialModel
        >>> from ember.distributed.state import set_model
        >>> set_model(SerialModel(), detected=True)
    """
    global _model, _detected
    _model = model
    _detected = detected
    if model.get_world_size() > 1:
        _install_metric_hooks()
    else:
        _remove_metric_hooks()


def _install_metric_hooks() -> None:
    global _metric_hooks
    from ember.metric.reduction import CollectiveHooks, get_collective_hooks, set_collective_hooks

    if _metric_hooks is None:
        _metric_hooks = CollectiveHooks(
            get_world_size=lambda: current().get_world_size(),
            get_rank=lambda: current().get_rank(),
            all_reduce=lambda value, op: current().all_reduce(value, op),
            all_gather=lambda value: current()._do_all_gather_object(value, None),
        )
    if get_collective_hooks() is not _metric_hooks:
        set_collective_hooks(_metric_hooks)


def _remove_metric_hooks() -> None:
    if _metric_hooks is None:
        return  # never installed: leave ember.metric unimported
    from ember.metric.reduction import get_collective_hooks, set_collective_hooks

    if get_collective_hooks() is _metric_hooks:
        set_collective_hooks(None)
