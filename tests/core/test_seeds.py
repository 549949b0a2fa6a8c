"""The engine examples of the seed article (/work/shared/seeds/001_1b6baafd4b6634d7.txt).

Each test reproduces one example with ember (``ignite.engine`` -> ``ember.engine``) and compares
what it prints with the output printed in the article. The article's metric examples (Accuracy,
``100.0 * (1.0 - acc)``) are reproduced in test_metric.py and test_metrics_lambda.py; the other
seed documents in test_seeds_docs.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from reference_metric import CountingAccuracy, PerClassPrecision, PerClassRecall
from torch import nn

from ember.engine import Engine, EventEnum, Events, create_supervised_evaluator
from ember.metric import Metric, reinit__is_reduced


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


# ----------------------------------------------------------------------------- article (001)


class AverageLoss(Metric):
    """Mean of ``loss_fn(y_pred, y)`` weighted by batch size (the article's ``Loss``)."""

    def __init__(self, loss_fn: Any) -> None:
        self.loss_fn = loss_fn
        super().__init__()

    @reinit__is_reduced
    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        y_pred, y = output
        self.total += self.loss_fn(y_pred, y).item() * len(y)
        self.count += len(y)

    def compute(self) -> float:
        return self.total / self.count


def test_article_quick_start_prints_start_results_per_epoch_and_completed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seed 001_1b6baafd4b6634d7.txt
    # "Quick-start example", on generated data instead of MNIST, so metric values differ.
    torch.manual_seed(0)
    x = torch.randn(96, 4)
    y = x[:, :3].argmax(dim=1)
    train_loader = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]
    val_loader = [(x[i : i + 16], y[i : i + 16]) for i in range(64, 96, 16)]
    model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=-1))
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.8)

    def train_step(engine: Engine, batch: Any) -> torch.Tensor:
        inputs, targets = batch
        model.train()
        loss = criterion(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    def validation_step(engine: Engine, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        model.eval()
        with torch.no_grad():
            return model(batch[0]), batch[1]

    trainer = Engine(train_step)
    evaluator = Engine(validation_step)

    @trainer.on(Events.STARTED)
    def start_message() -> None:
        print("Start training!")

    trainer.add_event_handler(Events.COMPLETED, lambda _: print("Training completed!"))

    @trainer.on(Events.EPOCH_COMPLETED)
    def run_validation() -> None:
        evaluator.run(val_loader)

    val_metrics = {"accuracy": CountingAccuracy(), "loss": AverageLoss(criterion)}
    for name, metric in val_metrics.items():
        metric.attach(evaluator, name)
    precision, recall = PerClassPrecision(num_classes=3), PerClassRecall(num_classes=3)
    f1 = (precision * recall * 2 / (precision + recall)).mean()
    f1.attach(evaluator, "f1")

    train_evaluator = create_supervised_evaluator(model, metrics=val_metrics)

    @trainer.on(Events.EPOCH_COMPLETED)
    def run_train_validation() -> None:
        train_evaluator.run(train_loader)

    @evaluator.on(Events.COMPLETED)
    def log_validation_results() -> None:
        m = evaluator.state.metrics
        print(
            f"Validation Results - Epoch: {trainer.state.epoch}  Avg accuracy: "
            f"{m['accuracy']:.2f} Avg loss: {m['loss']:.2f} Avg F1: {m['f1']:.2f}"
        )

    @train_evaluator.on(Events.COMPLETED)
    def log_train_results() -> None:
        m = train_evaluator.state.metrics
        print(
            f"  Training Results - Epoch: {trainer.state.epoch}  Avg accuracy: "
            f"{m['accuracy']:.2f} Avg loss: {m['loss']:.2f}"
        )

    trainer.run(train_loader, max_epochs=5)

    number = r"\d\.\d\d"
    expected = ["Start training!"]
    for epoch in range(1, 6):
        expected.append(
            rf"Validation Results - Epoch: {epoch}  Avg accuracy: {number} "
            rf"Avg loss: {number} Avg F1: {number}"
        )
        expected.append(
            rf"  Training Results - Epoch: {epoch}  Avg accuracy: {number} Avg loss: {number}"
        )
    expected.append("Training completed!")
    lines = printed(capsys)
    assert len(lines) == len(expected)
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)


def test_article_every_5_and_every_10_epochs_on_50_epochs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seed 001_1b6baafd4b6634d7.txt
    # "Built-in events filtering", validation on two dev sets.
    trainer = Engine(lambda e, batch: None)

    @trainer.on(Events.EPOCH_COMPLETED(every=5))
    def run_validation1() -> None:
        print(f"Epoch {trainer.state.epoch}: Validation on devset 1")

    @trainer.on(Events.EPOCH_COMPLETED(every=10))
    def run_validation2() -> None:
        print(f"Epoch {trainer.state.epoch}: Validation on devset 2")

    trainer.run([0, 1, 2, 3, 4], max_epochs=50)

    expected = []
    for epoch in range(5, 51, 5):
        expected.append(f"Epoch {epoch}: Validation on devset 1")
        if epoch % 10 == 0:
            expected.append(f"Epoch {epoch}: Validation on devset 2")
    assert printed(capsys) == expected
    assert len(expected) == 15


def test_article_once_5_changes_training_dataset_with_set_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seed 001_1b6baafd4b6634d7.txt
    # change the training data once, on the 5th epoch.
    def train_step(e: Engine, batch: int) -> None:
        print(f"Epoch {e.state.epoch} - {e.state.iteration} : batch={batch}")

    trainer = Engine(train_step)
    small_res_data = [0, 1, 2]
    high_res_data = [10, 11, 12]

    @trainer.on(Events.EPOCH_STARTED(once=5))
    def change_train_dataset() -> None:
        print(f"Epoch {trainer.state.epoch}: Change training dataset")
        trainer.set_data(high_res_data)

    trainer.run(small_res_data, max_epochs=10)

    expected = []
    for epoch in range(1, 11):
        if epoch == 5:
            expected.append("Epoch 5: Change training dataset")
        batches = small_res_data if epoch < 5 else high_res_data
        for position, batch in enumerate(batches):
            expected.append(f"Epoch {epoch} - {3 * (epoch - 1) + position + 1} : batch={batch}")
    assert printed(capsys) == expected
    assert expected[12:14] == ["Epoch 5: Change training dataset", "Epoch 5 - 13 : batch=10"]


def test_article_custom_event_filter_dumps_grads_for_losses_in_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seed 001_1b6baafd4b6634d7.txt
    # a handler with completely custom logic deciding when it runs.
    train_losses = [2.0, 1.9, 1.7, 1.5, 1.6, 1.2, 0.9, 0.8, 1.0, 0.8, 0.7, 0.4, 0.2, 0.1, 0.1, 0.01]
    trainer = Engine(lambda e, batch: train_losses[e.state.iteration - 1])

    def custom_event_filter(trainer: Engine, event: int) -> bool:
        return 0.1 < trainer.state.output < 1.0

    @trainer.on(Events.ITERATION_COMPLETED(event_filter=custom_event_filter))
    def dump_model_grads() -> None:
        print(f"{trainer.state.iteration} - loss={trainer.state.output}: dump model grads")

    trainer.run([0], max_epochs=len(train_losses))

    assert printed(capsys) == [
        "7 - loss=0.9: dump model grads",
        "8 - loss=0.8: dump model grads",
        "10 - loss=0.8: dump model grads",
        "11 - loss=0.7: dump model grads",
        "12 - loss=0.4: dump model grads",
        "13 - loss=0.2: dump model grads",
    ]


def test_article_stacked_every_3_or_completed_runs_validation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seed 001_1b6baafd4b6634d7.txt
    # "Stack events to share the action".
    trainer = Engine(lambda e, batch: None)

    @trainer.on(Events.EPOCH_COMPLETED(every=3) | Events.COMPLETED)
    def run_validation() -> None:
        print(f"Epoch {trainer.state.epoch} - event={trainer.last_event_name}: Validation")

    trainer.run([0, 1, 2, 3, 4], max_epochs=20)

    assert printed(capsys) == [
        *(f"Epoch {epoch} - event=epoch_completed: Validation" for epoch in range(3, 19, 3)),
        "Epoch 20 - event=completed: Validation",
    ]


class BackpropEvents(EventEnum):
    BACKWARD_STARTED = "backward_started"
    BACKWARD_COMPLETED = "backward_completed"
    OPTIM_STEP_COMPLETED = "optim_step_completed"


def test_article_backprop_custom_events(capsys: pytest.CaptureFixture[str]) -> None:
    # Seed 001_1b6baafd4b6634d7.txt
    # "Add custom events".
    def update(engine: Engine, batch: Any) -> None:
        engine.fire_event(BackpropEvents.BACKWARD_STARTED)
        engine.fire_event(BackpropEvents.BACKWARD_COMPLETED)
        engine.fire_event(BackpropEvents.OPTIM_STEP_COMPLETED)

    trainer = Engine(update)
    trainer.register_events(*BackpropEvents)

    def function_before_backprop() -> None:
        print(f"{trainer.state.iteration} - before backprop")

    trainer.add_event_handler(BackpropEvents.BACKWARD_STARTED, function_before_backprop)

    def function_after_backprop() -> None:
        print(f"{trainer.state.iteration} - after backprop")

    trainer.add_event_handler(BackpropEvents.BACKWARD_COMPLETED, function_after_backprop)

    trainer.run([0, 1, 2, 3, 4], max_epochs=2)

    expected = []
    for iteration in range(1, 11):
        expected += [f"{iteration} - before backprop", f"{iteration} - after backprop"]
    assert printed(capsys) == expected
