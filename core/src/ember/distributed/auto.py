"""Adapt a model, an optimizer and a data loader to the current distributed configuration.

These are PyTorch-Ignite's ``ignite.distributed.auto`` helpers: the same training code gets a
``DistributedDataParallel`` model and a data loader that gives each process its share of the
data under a native back-end (gloo, nccl, mpi), a ``DataParallel`` model on a machine with several
GPUs and no back-end, and the objects unchanged otherwise.

Example:
    >>> import torch
    >>> import ember.distributed as idist
    >>> model = idist.auto_model(torch.nn.Linear(4, 2).to(idist.device()))
    >>> optimizer = idist.auto_optim(torch.optim.SGD(model.parameters(), lr=0.1))
    >>> loader = idist.auto_dataloader(list(range(10)), batch_size=4)
    >>> type(model).__name__, loader.batch_size
    ('Linear', 4)
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from typing import Any, TypeVar

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset, Sampler
from torch.utils.data.distributed import DistributedSampler

from ember.distributed import utils as idist

__all__ = ["DistributedProxySampler", "auto_dataloader", "auto_model", "auto_optim"]

logger = logging.getLogger("ember.distributed.auto")

_NATIVE_BACKENDS = ("nccl", "gloo", "mpi")

_Optimizer = TypeVar("_Optimizer", bound=torch.optim.Optimizer)


def _is_native() -> bool:
    return idist.model_name() == "native-dist" and idist.backend() in _NATIVE_BACKENDS


def auto_model(model: nn.Module, sync_bn: bool = False, **kwargs: Any) -> nn.Module:
    """Move ``model`` to :func:`ember.distributed.device` and wrap it for the configuration.

    - More than one process with a native back-end:
      :class:`~torch.nn.parallel.DistributedDataParallel`, with ``device_ids=[local rank]``
      when the device is a GPU (none on the CPU).
    - One process and several GPUs: :class:`~torch.nn.DataParallel`.
    - Otherwise (serial on one device, or a plugin back-end): the model, only moved.

    Args:
        model: the model to adapt.
        sync_bn: with DistributedDataParallel on GPUs, first convert every BatchNorm layer with
            :meth:`torch.nn.SyncBatchNorm.convert_sync_batchnorm` (ignored, with a warning,
            on the CPU: SyncBatchNorm needs CUDA).
        kwargs: more arguments for DistributedDataParallel or DataParallel
            (``find_unused_parameters`` ...); not ``device_ids`` on GPUs, which is set here.

    Returns:
        The model, on its device and wrapped if the configuration needs it.

    Raises:
        ValueError: ``device_ids`` was given while this function sets it.

    Example:
        >>> import torch
        >>> import ember.distributed as idist
        >>> linear = torch.nn.Linear(4, 2)
        >>> model = idist.auto_model(linear)
        >>> model is linear, next(model.parameters()).device == idist.device()
        (True, True)
    """
    device = idist.device()
    if any(p.device != device for p in model.parameters()) or any(
        b.device != device for b in model.buffers()
    ):
        model = model.to(device)

    if idist.get_world_size() > 1:
        if not _is_native():
            # A plugin back-end (horovod, xla-tpu) synchronises through its own machinery.
            logger.info("auto_model: back-end %r leaves the model unwrapped", idist.backend())
            return model
        on_gpu = device.type == "cuda"
        if sync_bn:
            if on_gpu:
                logger.info("auto_model: convert BatchNorm layers to SyncBatchNorm")
                model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # type: ignore[no-untyped-call]
            else:
                warnings.warn(
                    f"auto_model: sync_bn=True is ignored on device {device}; "
                    "SyncBatchNorm needs a CUDA device",
                    stacklevel=2,
                )
        if on_gpu:
            if "device_ids" in kwargs:
                raise ValueError(
                    f"auto_model: argument device_ids should not be given (got "
                    f"{kwargs['device_ids']!r}); it is set to [local rank] on GPUs"
                )
            kwargs["device_ids"] = [idist.get_local_rank()]
        logger.info("auto_model: apply DistributedDataParallel on %s", device)
        return nn.parallel.DistributedDataParallel(model, **kwargs)

    if device.type == "cuda" and torch.cuda.device_count() > 1:
        logger.info("auto_model: apply DataParallel over %d GPUs", torch.cuda.device_count())
        return nn.DataParallel(model, **kwargs)
    return model


def auto_optim(optimizer: _Optimizer, **kwargs: Any) -> _Optimizer:
    """Adapt ``optimizer`` to the configuration: with a native back-end or none, unchanged.

    DistributedDataParallel already averages the gradients over the processes, so the optimizer
    needs nothing more. Ignite wraps it for Horovod (``hvd.DistributedOptimizer``) and steps it
    with ``xm.optimizer_step`` on TPUs; in ember that belongs to the plugin of such a back-end,
    and this function returns the optimizer unchanged for every back-end.

    Args:
        optimizer: the optimizer of the model's parameters.
        kwargs: accepted for Ignite compatibility (the Horovod wrapper's arguments); unused.

    Returns:
        ``optimizer`` itself.

    Example:
        >>> import torch
        >>> import ember.distributed as idist
        >>> sgd = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
        >>> idist.auto_optim(sgd) is sgd
        True
    """
    return optimizer


def auto_dataloader(dataset: Dataset[Any], **kwargs: Any) -> DataLoader[Any]:
    """A :class:`~torch.utils.data.DataLoader` over ``dataset`` fit for the configuration.

    With more than one process, every keyword describes the whole run and is shared out:

    - ``batch_size`` is divided by the world size (each step of all processes together still
      sees ``batch_size`` samples);
    - ``num_workers`` is divided by the processes of this node, rounded up;
    - the sampler gives each process its share of the data: a
      :class:`~torch.utils.data.distributed.DistributedSampler` that takes ``shuffle``
      (default ``True``, as in Ignite), or a :class:`DistributedProxySampler` around the
      ``sampler`` given. An ``IterableDataset`` or a ``batch_sampler`` is left as is: its
      sharding is the caller's.

    Call ``loader.sampler.set_epoch(epoch)`` at each epoch start for a different shuffle
    per epoch. In every configuration ``pin_memory`` defaults to ``True`` on a CUDA device and
    is turned off elsewhere.

    Args:
        dataset: the dataset to load.
        kwargs: arguments of ``DataLoader``.

    Returns:
        The data loader.

    Raises:
        ValueError: ``batch_size`` is smaller than the number of processes.

    Example:
        >>> import ember.distributed as idist
        >>> loader = idist.auto_dataloader(list(range(6)), batch_size=4, shuffle=False)
        >>> [batch.tolist() for batch in loader]
        [[0, 1, 2, 3], [4, 5]]
    """
    world_size = idist.get_world_size()
    if world_size > 1:
        if "batch_size" in kwargs:
            batch_size = kwargs["batch_size"]
            if batch_size is not None and batch_size < world_size:
                raise ValueError(
                    f"auto_dataloader: argument batch_size should be at least the world size "
                    f"{world_size} (it is divided among the processes), got {batch_size}"
                )
            if batch_size is not None:
                kwargs["batch_size"] = batch_size // world_size
        nproc = idist.get_nproc_per_node()
        if "num_workers" in kwargs:
            kwargs["num_workers"] = (kwargs["num_workers"] + nproc - 1) // nproc
        if "batch_sampler" in kwargs:
            warnings.warn(
                "auto_dataloader: a batch_sampler was given; make sure it gives each process "
                "its own share of the data",
                stacklevel=2,
            )
        elif isinstance(dataset, IterableDataset):
            logger.info("auto_dataloader: IterableDataset, created without distributed sampling")
        else:
            kwargs["sampler"] = _distributed_sampler(dataset, kwargs, world_size)

    on_gpu = idist.device().type == "cuda"
    kwargs["pin_memory"] = bool(kwargs.get("pin_memory", on_gpu)) and on_gpu
    loader: DataLoader[Any] = DataLoader(dataset, **kwargs)
    logger.info(
        "auto_dataloader: DataLoader(batch_size=%s, sampler=%s, num_workers=%s)",
        loader.batch_size,
        type(loader.sampler).__name__,
        loader.num_workers,
    )
    return loader


def _distributed_sampler(
    dataset: Dataset[Any], kwargs: dict[str, Any], world_size: int
) -> Sampler[int]:
    """The sampler of this rank; takes ``shuffle`` out of ``kwargs``."""
    rank = idist.get_rank()
    sampler = kwargs.get("sampler")
    if sampler is None:
        shuffle = kwargs.pop("shuffle", True)
        return DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle)
    if isinstance(sampler, DistributedSampler):
        if (sampler.num_replicas, sampler.rank) != (world_size, rank):
            warnings.warn(
                f"auto_dataloader: the DistributedSampler given has num_replicas="
                f"{sampler.num_replicas} and rank={sampler.rank}, but this process is rank "
                f"{rank} of {world_size}",
                stacklevel=3,
            )
        return sampler
    return DistributedProxySampler(sampler, num_replicas=world_size, rank=rank)


class DistributedProxySampler(DistributedSampler[int]):
    """Give each process its share of the indices of another sampler.

    Every process runs the wrapped sampler with the same random seed (``seed + epoch``, in a
    forked random state that leaves the global one untouched), so all agree on the order; the
    indices are repeated up to a multiple of ``num_replicas`` and rank ``r`` takes the ones at
    positions ``r, r + num_replicas, ...``. Call :meth:`set_epoch` at each epoch start for a
    new order.

    Args:
        sampler: the sampler to share out; it must have a length and not be distributed itself.
        num_replicas: the number of processes (default: :func:`ember.distributed.get_world_size`).
        rank: this process's rank (default: :func:`ember.distributed.get_rank`).
        seed: added to the epoch to seed the random state the sampler runs in.

    Example:
        >>> from torch.utils.data import SequentialSampler
        >>> from ember.distributed import DistributedProxySampler
        >>> base = SequentialSampler(range(5))
        >>> [list(DistributedProxySampler(base, num_replicas=2, rank=r)) for r in (0, 1)]
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(
        self,
        sampler: Sampler[int],
        num_replicas: int | None = None,
        rank: int | None = None,
        seed: int = 0,
    ) -> None:
        if not isinstance(sampler, Sampler):
            raise TypeError(
                f"DistributedProxySampler: argument sampler should be a torch Sampler, "
                f"got {type(sampler).__name__}"
            )
        if isinstance(sampler, DistributedSampler):
            raise TypeError(
                "DistributedProxySampler: argument sampler is already a DistributedSampler; "
                "expected a sampler over the whole dataset"
            )
        if not hasattr(sampler, "__len__"):
            raise TypeError(
                f"DistributedProxySampler: argument sampler should have a length, "
                f"{type(sampler).__name__} has none"
            )
        if num_replicas is None:
            num_replicas = idist.get_world_size()
        if rank is None:
            rank = idist.get_rank()
        # DistributedSampler only needs len() of its "dataset": the wrapped sampler serves.
        super().__init__(
            sampler,  # type: ignore[arg-type]
            num_replicas=num_replicas,
            rank=rank,
            shuffle=False,
            seed=seed,
        )
        self.sampler = sampler

    def __iter__(self) -> Iterator[int]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed + self.epoch)
            indices: list[int] = []
            while len(indices) < self.total_size:
                more = list(self.sampler)
                if not more:
                    raise RuntimeError(
                        f"DistributedProxySampler: the wrapped sampler has length "
                        f"{len(self.sampler)} but yielded no index"
                    )
                indices += more
        return iter(indices[self.rank : self.total_size : self.num_replicas])
