"""Two gloo processes train with ``auto_model``, ``auto_optim`` and ``auto_dataloader``.

Run by ``test_distributed_auto.py`` in a process of its own:

    python distributed_auto_script.py OUT

Each rank trains :func:`make_model` on :func:`make_data` with ``create_supervised_trainer`` and
a ``MeanAbsoluteError`` attached, then writes to ``OUT/rank<N>.pt`` its final weights, the
metric of the last epoch, and what the auto helpers built.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch
from distributed_script import launch, save
from reference_metric import MeanAbsoluteError
from torch import nn
from torch.utils.data import SequentialSampler, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import ember.distributed as idist
from ember.distributed.auto import DistributedProxySampler
from ember.engine import create_supervised_trainer

SCRIPT = Path(__file__).resolve()
WORLD = 2
BATCH_SIZE = 8  # for all processes together; each takes BATCH_SIZE // WORLD
EPOCHS = 3
LR = 0.1


def make_data() -> TensorDataset:
    """32 samples of 4 features with 2 targets, the same in every process."""
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(32, 4, generator=generator)
    y = torch.randn(32, 2, generator=generator)
    return TensorDataset(x, y)


def make_model() -> nn.Module:
    torch.manual_seed(3)
    return nn.Linear(4, 2)


def _error(fn: Any) -> str | None:
    try:
        fn()
    except ValueError as error:
        return str(error)
    return None


def _worker(local_rank: int, out: str) -> None:
    dataset = make_data()
    model = idist.auto_model(make_model())
    sgd = torch.optim.SGD(model.parameters(), lr=LR)
    optimizer = idist.auto_optim(sgd)
    loader = idist.auto_dataloader(dataset, batch_size=BATCH_SIZE, shuffle=False, num_workers=0)
    trainer = create_supervised_trainer(
        model,
        optimizer,
        nn.functional.mse_loss,
        output_transform=lambda x, y, y_pred, loss: (y_pred, y),
    )
    MeanAbsoluteError().attach(trainer, "mae")
    trainer.run(loader, max_epochs=EPOCHS)

    assert isinstance(model, nn.parallel.DistributedDataParallel)
    sampler = loader.sampler
    assert isinstance(sampler, DistributedSampler)
    proxy = idist.auto_dataloader(dataset, batch_size=4, sampler=SequentialSampler(dataset))
    results = {
        "weights": {k: v.detach().clone() for k, v in model.module.state_dict().items()},
        "mae": trainer.state.metrics["mae"],
        "model_type": type(model).__name__,
        "device_ids": model.device_ids,
        "optimizer_unchanged": optimizer is sgd,
        "batch_size": loader.batch_size,
        "sampler": (type(sampler).__name__, sampler.num_replicas, sampler.rank, sampler.shuffle),
        "pin_memory": loader.pin_memory,
        "proxy_sampler": type(proxy.sampler).__name__,
        "proxy_indices": list(proxy.sampler),
        "default_proxy": list(DistributedProxySampler(SequentialSampler(range(5)))),
        "small_batch_error": _error(lambda: idist.auto_dataloader(dataset, batch_size=1)),
    }
    save(out, f"rank{idist.get_rank()}", results)


def command(out: Path | str) -> list[str]:
    return [sys.executable, str(SCRIPT), str(out)]


def run(out: Path | str, timeout: float = 120) -> None:
    """Run the two processes to completion (they must succeed)."""
    done = launch(command(out), timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"auto run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


if __name__ == "__main__":
    idist.spawn("gloo", _worker, args=(sys.argv[1],), nproc_per_node=WORLD, timeout=60)
