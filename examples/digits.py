"""Train a small MLP on scikit-learn's 8x8 digits with ember's supervised trainer and evaluator.

The data ships inside scikit-learn, so nothing is downloaded. Run:

    python examples/digits.py --epochs 5

and each epoch prints a line such as

    Epoch 1  train loss: 0.512  val loss: 0.547  val accuracy: 0.869
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812 - the usual alias
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ember.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from ember.metric import Metric
from ember.utils import manual_seed

SEED = 0


class SampleMean(Metric):
    """The mean over all samples of ``per_sample(y_pred, y)``: a loss, or 0/1 correctness."""

    def __init__(self, per_sample: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        self.per_sample = per_sample
        super().__init__()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        y_pred, y = output
        self.total += self.per_sample(y_pred, y).sum().item()
        self.count += len(y)

    def compute(self) -> float:
        return self.total / self.count


def loaders(batch_size: int = 32) -> tuple[DataLoader, DataLoader]:  # type: ignore[type-arg]
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)  # pixel values are 0..16
    y = torch.tensor(digits.target, dtype=torch.int64)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.2, random_state=SEED, stratify=y
    )
    shuffle = torch.Generator().manual_seed(SEED)
    train = DataLoader(
        TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, generator=shuffle
    )
    val = DataLoader(TensorDataset(x_val, y_val), batch_size=256)
    return train, val


def main(epochs: int) -> None:
    manual_seed(SEED)
    train_loader, val_loader = loaders()
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    trainer = create_supervised_trainer(model, optimizer, nn.CrossEntropyLoss())

    def metrics() -> dict[str, Metric]:
        return {
            "loss": SampleMean(lambda y_pred, y: F.cross_entropy(y_pred, y, reduction="none")),
            "accuracy": SampleMean(lambda y_pred, y: (y_pred.argmax(dim=1) == y).float()),
        }

    train_evaluator = create_supervised_evaluator(model, metrics=metrics())
    val_evaluator = create_supervised_evaluator(model, metrics=metrics())

    @trainer.on(Events.EPOCH_COMPLETED)
    def report(engine: Engine) -> None:
        train = train_evaluator.run(train_loader).metrics
        val = val_evaluator.run(val_loader).metrics
        print(
            f"Epoch {engine.state.epoch}  train loss: {train['loss']:.3f}  "
            f"val loss: {val['loss']:.3f}  val accuracy: {val['accuracy']:.3f}"
        )

    trainer.run(train_loader, max_epochs=epochs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs to train (default: 5)")
    main(parser.parse_args().epochs)
