"""The engine examples of the other seed documents in /work/shared/seeds/ (the article's are in
test_seeds.py), each reproduced with ember (``ignite.engine`` -> ``ember.engine``):

- 000_6afa2eb6dae2577b.txt: Ignite README
- 002_6aa8aa320248f0fc.txt: early README (historic Trainer API, adapted to Engine)
- 003_26408477d5157f55.txt: slides
- 004_7dfe9d85966b92cf.txt: API page of the engine module

The README's metric arithmetic (F1 from Precision and Recall) is covered in
test_metrics_lambda.py.
"""

from __future__ import annotations

import io
import logging
import re
from enum import Enum
from typing import Any

import pytest
import torch
from reference_metric import CountingAccuracy
from torch import nn

from ember.engine import Engine, EventEnum, Events, create_supervised_evaluator


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    out, err = capsys.readouterr()
    assert err == ""
    return out.splitlines()


class BackpropEvents(EventEnum):
    BACKWARD_STARTED = "backward_started"
    BACKWARD_COMPLETED = "backward_completed"
    OPTIM_STEP_COMPLETED = "optim_step_completed"


# ----------------------------------------------------------------------------- README (000)


def test_readme_simplified_training_and_validation_loop(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Seed 000_6afa2eb6dae2577b.txt
    # "Simplified training and validation loop"; the evaluator's accuracy is computed by the
    # core tests' CountingAccuracy (the catalogue's Accuracy lives in the metrics plugin).
    model = nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
        model.bias.zero_()
    validation_data_loader = [
        (torch.eye(3)[:2], torch.tensor([0, 1])),
        (torch.eye(3), torch.tensor([0, 1, 1])),
    ]
    trainer = Engine(lambda engine, batch: None)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": CountingAccuracy()})

    def validation() -> None:
        state = evaluator.run(validation_data_loader)
        print(trainer.state.epoch, state.metrics)

    trainer.add_event_handler(Events.EPOCH_COMPLETED, validation)
    trainer.run([0, 1], max_epochs=3)

    # the third input [0, 0, 1] ties both logits at 0 and is predicted as class 0
    assert printed(capsys) == [f"{epoch} {{'accuracy': 0.8}}" for epoch in (1, 2, 3)]


def test_readme_any_number_of_functions_on_events(capsys: pytest.CaptureFixture[str]) -> None:
    # Seed 000_6afa2eb6dae2577b.txt
    # "Execute any number of functions whenever you wish".
    trainer = Engine(lambda engine, batch: batch * 10)
    trainer.add_event_handler(Events.STARTED, lambda _: print("Start training"))
    mydata = [1, 2, 3, 4]
    logger = logging.getLogger("tests.seeds.readme")

    def on_training_ended(data: list[int]) -> None:
        print(f"Training is ended. mydata={data}")
        logger.info("Training is ended")

    trainer.add_event_handler(Events.COMPLETED, on_training_ended, mydata)
    trainer.add_event_handler(Events.COMPLETED, lambda engine: print(engine.state.times))

    @trainer.on(Events.ITERATION_COMPLETED)
    def log_something(engine: Engine) -> None:
        print(engine.state.output)

    trainer.run([1, 2, 3])

    lines = printed(capsys)
    assert lines[:5] == [
        "Start training",
        "10",
        "20",
        "30",
        "Training is ended. mydata=[1, 2, 3, 4]",
    ]
    number = r"\d+\.\d+(e-\d+)?"
    assert re.fullmatch(rf"\{{'EPOCH_COMPLETED': {number}, 'COMPLETED': {number}\}}", lines[5])
    assert len(lines) == 6


def test_readme_built_in_events_filtering(capsys: pytest.CaptureFixture[str]) -> None:
    # Seed 000_6afa2eb6dae2577b.txt
    # "Built-in events filtering": every 5 epochs, once on the 20th, a custom filter.
    trainer = Engine(lambda engine, batch: None)

    @trainer.on(Events.EPOCH_COMPLETED(every=5))
    def run_validation() -> None:
        print(f"validation at epoch {trainer.state.epoch}")

    @trainer.on(Events.EPOCH_STARTED(once=20))
    def change_training_variable() -> None:
        print(f"change at epoch {trainer.state.epoch}")

    def first_x_iters(engine: Engine, iteration: int) -> bool:
        return iteration <= 3

    @trainer.on(Events.ITERATION_COMPLETED(event_filter=first_x_iters))
    def log_gradients() -> None:
        print(f"gradients at iteration {trainer.state.iteration}")

    trainer.run([0, 1], max_epochs=25)

    assert printed(capsys) == [
        "gradients at iteration 1",
        "gradients at iteration 2",
        "gradients at iteration 3",
        "validation at epoch 5",
        "validation at epoch 10",
        "validation at epoch 15",
        "change at epoch 20",
        "validation at epoch 20",
        "validation at epoch 25",
    ]


def test_readme_stack_completed_or_every_10_epochs(capsys: pytest.CaptureFixture[str]) -> None:
    # Seed 000_6afa2eb6dae2577b.txt
    # "Stack events to share some actions".
    trainer = Engine(lambda engine, batch: None)

    @trainer.on(Events.COMPLETED | Events.EPOCH_COMPLETED(every=10))
    def run_validation() -> None:
        print(f"{trainer.last_event_name} {trainer.state.epoch}")

    trainer.run([0], max_epochs=25)

    assert printed(capsys) == ["epoch_completed 10", "epoch_completed 20", "completed 25"]


def test_readme_custom_backprop_events_around_real_backward_and_step() -> None:
    # Seed 000_6afa2eb6dae2577b.txt
    # "Custom events to go beyond standard events", with a real model and optimizer.
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.MSELoss()

    def update(engine: Engine, batch: Any) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        engine.fire_event(BackpropEvents.BACKWARD_STARTED)
        loss.backward()
        engine.fire_event(BackpropEvents.BACKWARD_COMPLETED)
        optimizer.step()
        engine.fire_event(BackpropEvents.OPTIM_STEP_COMPLETED)
        return loss.item()

    trainer = Engine(update)
    trainer.register_events(*BackpropEvents)
    grads: list[tuple[str, bool]] = []

    @trainer.on(BackpropEvents.BACKWARD_STARTED)
    def function_before_backprop(engine: Engine) -> None:
        grads.append(("before", model.weight.grad is not None and bool(model.weight.grad.any())))

    @trainer.on(BackpropEvents.BACKWARD_COMPLETED)
    def function_after_backprop(engine: Engine) -> None:
        grads.append(("after", bool(model.weight.grad.any())))

    trainer.run([(torch.ones(4, 2), torch.zeros(4, 1))] * 2)

    assert grads == [("before", False), ("after", True)] * 2


# ----------------------------------------------------------------------------- early README (002)


def test_early_readme_handler_with_args_and_kwargs_stops_training() -> None:
    # Seed 002_6aa8aa320248f0fc.txt
    # an early-stopping handler attached with a positional and a keyword argument.
    losses = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 3.3, 3.4, 3.0, 2.0]
    trainer = Engine(lambda engine, batch: losses[engine.state.iteration - 1])
    trainer.state.history = []
    trainer.add_event_handler(
        Events.ITERATION_COMPLETED, lambda e: e.state.history.append(e.state.output)
    )

    def early_stopping_handler(trainer: Engine, min_iterations: int, lookback: int = 1) -> None:
        history = trainer.state.history
        if trainer.state.iteration >= min_iterations:
            last_loss = history[-1]
            if not any(x < last_loss for x in history[-lookback:-1]):
                trainer.terminate()

    trainer.add_event_handler(Events.ITERATION_COMPLETED, early_stopping_handler, 4, lookback=3)
    state = trainer.run(range(10))

    # from iteration 4 on: 3.5 (3.0 earlier in the window), 3.2 (3.0), 3.1 (3.5 and 3.2 only)
    assert state.iteration == 6


def test_early_readme_logging_goes_to_the_library_logger() -> None:
    # Seed 002_6aa8aa320248f0fc.txt
    # "Logging": attach a handler to the library's logger to see the engine's log.
    logger = logging.getLogger("ember")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        Engine(lambda engine, batch: None).run([0, 1], max_epochs=2)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    completed = re.findall(r"^Epoch\[(\d+)\] Complete", stream.getvalue(), flags=re.MULTILINE)
    assert completed == ["1", "2"]


# ----------------------------------------------------------------------------- slides (003)


def test_slides_event_schematic_is_the_loop_the_engine_runs() -> None:
    # Seed 003_26408477d5157f55.txt
    # "In its simplest form": the pseudo-code loop, run here in plain Python as the oracle.
    data, max_epochs = [0, 1, 2], 3
    expected: list[str] = ["STARTED"]
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        expected.append("EPOCH_STARTED")
        for _ in data:
            expected += ["ITERATION_STARTED", "ITERATION_COMPLETED"]
        expected.append("EPOCH_COMPLETED")
    expected.append("COMPLETED")

    engine = Engine(lambda engine, batch: None)
    fired: list[str] = []
    for name in dict.fromkeys(expected):
        engine.add_event_handler(getattr(Events, name), lambda e, n=name: fired.append(n))

    @engine.on(Events.STARTED)
    def handler() -> None:  # a handler that takes nothing
        fired.append("no-argument handler")

    engine.run(data, max_epochs=max_epochs)
    assert fired == [expected[0], "no-argument handler", *expected[1:]]


# ----------------------------------------------------------------------------- API page (004)


def test_api_page_engine_stores_loss_in_state_output() -> None:
    # Seed 004_7dfe9d85966b92cf.txt
    # "Engine ... Example usage": the loss value is stored in engine.state.output.
    torch.manual_seed(1)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    data_loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]
    losses: list[float] = []

    def train_and_store_loss(engine: Engine, batch: Any) -> float:
        inputs, targets = batch
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        return loss.item()

    engine = Engine(train_and_store_loss)
    engine.run(data_loader)

    assert engine.state.output == losses[-1]
    assert (engine.state.epoch, engine.state.iteration) == (1, 3)  # max_epochs defaults to 1


def test_api_page_add_event_handler_prints_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    # Seed 004_7dfe9d85966b92cf.txt
    # add_event_handler "Example usage".
    engine = Engine(lambda engine, batch: None)

    def print_epoch(engine: Engine) -> None:
        print(f"Epoch: {engine.state.epoch}")

    engine.add_event_handler(Events.EPOCH_COMPLETED, print_epoch)
    engine.run([0, 1], max_epochs=3)
    assert printed(capsys) == ["Epoch: 1", "Epoch: 2", "Epoch: 3"]


def test_api_page_removable_event_handle_with_statement(capsys: pytest.CaptureFixture[str]) -> None:
    # Seed 004_7dfe9d85966b92cf.txt
    # RemovableEventHandle "Example usage": registered for a single run.
    engine = Engine(lambda engine, batch: None)

    def print_epoch(engine: Engine) -> None:
        print(f"Epoch: {engine.state.epoch}")

    with engine.add_event_handler(Events.EPOCH_COMPLETED, print_epoch):
        engine.run([0])
    engine.run([0])
    assert printed(capsys) == ["Epoch: 1"]


def test_api_page_register_events_of_a_plain_enum() -> None:
    # Seed 004_7dfe9d85966b92cf.txt
    # register_events "Example usage", with a plain Enum.
    class Custom_Events(Enum):  # noqa: N801 - the API page's name
        FOO_EVENT = "foo_event"
        BAR_EVENT = "bar_event"

    fired: list[Any] = []

    def process_function(engine: Engine, batch: Any) -> None:
        engine.fire_event(Custom_Events.FOO_EVENT if batch else Custom_Events.BAR_EVENT)

    engine = Engine(process_function)
    engine.register_events(*Custom_Events)
    for event in Custom_Events:
        engine.add_event_handler(event, lambda e: fired.append(e.last_event_name))
    engine.run([1, 0, 1])
    assert fired == [Custom_Events.FOO_EVENT, Custom_Events.BAR_EVENT, Custom_Events.FOO_EVENT]


def test_api_page_register_events_with_state_attribute() -> None:
    # Seed 004_7dfe9d85966b92cf.txt
    # "Example with State Attribute": the TBPTT events share the counter time_iteration.
    class TBPTT_Events(Enum):  # noqa: N801 - the API page's name
        TIME_ITERATION_STARTED = "time_iteration_started"
        TIME_ITERATION_COMPLETED = "time_iteration_completed"

    TBPTT_event_to_attr = {  # noqa: N806 - the API page's name
        TBPTT_Events.TIME_ITERATION_STARTED: "time_iteration",
        TBPTT_Events.TIME_ITERATION_COMPLETED: "time_iteration",
    }

    def process_function(engine: Engine, batch: list[int]) -> None:
        for _ in batch:
            engine.state.time_iteration += 1
            engine.fire_event(TBPTT_Events.TIME_ITERATION_STARTED)
            engine.fire_event(TBPTT_Events.TIME_ITERATION_COMPLETED)

    engine = Engine(process_function)
    engine.register_events(*TBPTT_Events, event_to_attr=TBPTT_event_to_attr)
    assert engine.state.time_iteration == 0
    seen: list[int] = []
    engine.add_event_handler(
        TBPTT_Events.TIME_ITERATION_COMPLETED, lambda e: seen.append(e.state.time_iteration)
    )
    engine.run([[0, 0], [0, 0, 0]])
    assert engine.state.time_iteration == 5
    assert seen == [1, 2, 3, 4, 5]
