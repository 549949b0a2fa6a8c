"""Train the digits MLP on two processes (gloo, CPU) with ember.distributed.

``Parallel`` starts the processes; ``auto_dataloader`` gives each its share of every batch,
``auto_model`` wraps the model in DistributedDataParallel, and the metric, reduced across the
processes, is the same on both. Nothing is downloaded. Run:

    python examples/digits_distributed.py --epochs 5 --nproc 2

Rank 0 prints one line per epoch, such as

    Epoch 1  val loss: 0.547  val accuracy: 0.869  (2 processes)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 - the usual alias
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import TensorDataset

import ember.distributed as idist
from ember.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember.utils import manual_seed

SEED = 0


class SampleMean(Metric):
    """The mean over all samples, on every process, of ``per_sample(y_pred, y)``."""

    def __init__(self, per_sample: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        self.per_sample = per_sample
        super().__init__()

    @reinit__is_reduced
    def reset(self) -> None:
        self.total = torch.tensor(0.0, dtype=torch.float64)
        self.count = 0

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        y_pred, y = output
        self.total += self.per_sample(y_pred, y).sum().double()
        self.count += len(y)

    @sync_all_reduce("total", "count")
    def compute(self) -> float:
        return float(self.total) / self.count


def datasets() -> tuple[TensorDataset, TensorDataset]:
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.int64)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.2, random_state=SEED, stratify=y
    )
    return TensorDataset(x_train, y_train), TensorDataset(x_val, y_val)


def training(local_rank: int, epochs: int) -> None:
    manual_seed(SEED)  # the same initial weights on every process
    train_set, val_set = datasets()
    train_loader = idist.auto_dataloader(train_set, batch_size=64, shuffle=True)
    val_loader = idist.auto_dataloader(val_set, batch_size=256, shuffle=False)
    model = idist.auto_model(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)))
    optimizer = idist.auto_optim(torch.optim.Adam(model.parameters(), lr=5e-3))
    trainer = create_supervised_trainer(model, optimizer, nn.CrossEntropyLoss())
    metrics: dict[str, Any] = {
        "loss": SampleMean(lambda y_pred, y: F.cross_entropy(y_pred, y, reduction="none")),
        "accuracy": SampleMean(lambda y_pred, y: (y_pred.argmax(dim=1) == y).float()),
    }
    evaluator = create_supervised_evaluator(model, metrics=metrics)

    @trainer.on(Events.EPOCH_STARTED)
    def reshuffle(engine: Engine) -> None:
        train_loader.sampler.set_epoch(engine.state.epoch)  # type: ignore[union-attr]

    @trainer.on(Events.EPOCH_COMPLETED)
    def report(engine: Engine) -> None:
        val = evaluator.run(val_loader).metrics
        if idist.get_rank() == 0:
            print(
                f"Epoch {engine.state.epoch}  val loss: {val['loss']:.3f}  "
                f"val accuracy: {val['accuracy']:.3f}  ({idist.get_world_size()} processes)",
                flush=True,
            )

    trainer.run(train_loader, max_epochs=epochs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs to train (default: 5)")
    parser.add_argument("--nproc", type=int, default=2, help="processes (default: 2)")
    arguments = parser.parse_args()
    with idist.Parallel(backend="gloo", nproc_per_node=arguments.nproc) as parallel:
        parallel.run(training, arguments.epochs)
