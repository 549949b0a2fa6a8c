"""One distributed API over serial runs, native ``torch.distributed`` and plugin back-ends.

It keeps PyTorch-Ignite's ``ignite.distributed`` names, so that ``import ember.distributed as
idist`` reads like Ignite code: rank and world helpers, collectives that also take numbers and
strings, :class:`Parallel` and :func:`spawn` to launch, :func:`one_rank_only` and
:func:`one_rank_first`; :func:`auto_model`, :func:`auto_optim` and :func:`auto_dataloader` to
adapt training objects to the configuration. Without a back-end everything works in one process
(rank 0 of 1).

Example:
    >>> import torch
    >>> import ember.distributed as idist
    >>> idist.get_world_size(), idist.all_reduce(torch.tensor(2.0))
    (1, tensor(2.))
"""

from typing import Any

import torch.distributed as _dist

from ember.distributed.auto import (
    DistributedProxySampler,
    auto_dataloader,
    auto_model,
    auto_optim,
)
from ember.distributed.launcher import Parallel
from ember.distributed.models.base import ComputationModel
from ember.distributed.utils import (
    all_gather,
    all_gather_tensors_with_shapes,
    all_reduce,
    available_backends,
    backend,
    barrier,
    broadcast,
    device,
    finalize,
    get_local_rank,
    get_nnodes,
    get_node_rank,
    get_nproc_per_node,
    get_rank,
    get_world_size,
    hostname,
    initialize,
    model_name,
    new_group,
    one_rank_first,
    one_rank_only,
    set_local_rank,
    show_config,
    spawn,
    sync,
)

has_native_dist_support: bool = _dist.is_available()
"""Whether this build of torch has ``torch.distributed``."""

__all__ = [
    "ComputationModel",
    "DistributedProxySampler",
    "Parallel",
    "all_gather",
    "all_gather_tensors_with_shapes",
    "all_reduce",
    "auto_dataloader",
    "auto_model",
    "auto_optim",
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
    "has_native_dist_support",
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

_PLUGIN_SUPPORT = {"has_xla_support": "xla-tpu", "has_hvd_support": "horovod"}


def __getattr__(name: str) -> Any:
    # Ignite's has_xla_support / has_hvd_support, answered by the plugin registry on first use
    # so that importing ember.distributed loads no plugin.
    if name in _PLUGIN_SUPPORT:
        from ember.distributed.backends import model_class

        try:
            model_class(_PLUGIN_SUPPORT[name], name)
        except (ValueError, TypeError):
            return False
        return True
    raise AttributeError(f"module 'ember.distributed' has no attribute {name!r}")
