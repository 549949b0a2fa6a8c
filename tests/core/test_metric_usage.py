"""Tests of the metric usages: which events reset, update and store a metric, and the values
that end up in ``engine.state.metrics`` during a run."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from reference_metric import CountingAccuracy

import ember.engine as ember_engine
from ember.engine import Engine, Events
from ember.metric import (
    BatchFiltered,
    BatchWise,
    EpochWise,
    Metric,
    MetricUsage,
    RunningBatchWise,
    RunningEpochWise,
    SingleEpochRunningBatchWise,
)
from ember.metric.usage import resolve_usage


class _Total(Metric):
    """Sums the outputs it is updated with."""

    def reset(self) -> None:
        self._total = 0

    def update(self, output: int) -> None:
        self._total += output

    def compute(self) -> int:
        return self._total


def _snapshots(usage: Any, epoch_length: int = 3, max_epochs: int = 2) -> dict[str, list[Any]]:
    """Run an engine whose output is the global iteration number (1, 2, 3, ...) and record
    ``state.metrics["total"]`` after every iteration and after every epoch."""
    engine = Engine(lambda engine, batch: engine.state.iteration)
    _Total().attach(engine, "total", usage=usage)
    seen: dict[str, list[Any]] = {"iteration": [], "epoch": []}

    # Added after attach, so they run after the metric's own handlers of the same event.
    @engine.on(Events.ITERATION_COMPLETED)
    def after_iteration(engine: Engine) -> None:
        seen["iteration"].append(engine.state.metrics.get("total"))

    @engine.on(Events.EPOCH_COMPLETED)
    def after_epoch(engine: Engine) -> None:
        seen["epoch"].append(engine.state.metrics.get("total"))

    engine.run(range(epoch_length), max_epochs=max_epochs)
    return seen


# Outputs are 1, 2, 3 in epoch 1 and 4, 5, 6 in epoch 2.


@pytest.mark.parametrize("usage", [EpochWise(), "epoch_wise"])
def test_epoch_wise_stores_the_sum_over_each_epoch_at_its_end(usage: Any) -> None:
    assert _snapshots(usage) == {
        "iteration": [None, None, None, 6, 6, 6],
        "epoch": [6, 15],
    }


@pytest.mark.parametrize("usage", [RunningEpochWise(), "running_epoch_wise"])
def test_running_epoch_wise_accumulates_each_epochs_last_output(usage: Any) -> None:
    assert _snapshots(usage) == {
        "iteration": [None, None, None, 3, 3, 3],
        "epoch": [3, 3 + 6],
    }


@pytest.mark.parametrize("usage", [BatchWise(), "batch_wise"])
def test_batch_wise_stores_each_batchs_own_value(usage: Any) -> None:
    assert _snapshots(usage) == {
        "iteration": [1, 2, 3, 4, 5, 6],
        "epoch": [3, 6],
    }


@pytest.mark.parametrize("usage", [RunningBatchWise(), "running_batch_wise"])
def test_running_batch_wise_accumulates_over_the_whole_run(usage: Any) -> None:
    assert _snapshots(usage) == {
        "iteration": [1, 3, 6, 10, 15, 21],
        "epoch": [6, 21],
    }


@pytest.mark.parametrize(
    "usage", [SingleEpochRunningBatchWise(), "single_epoch_running_batch_wise"]
)
def test_single_epoch_running_batch_wise_restarts_every_epoch(usage: Any) -> None:
    assert _snapshots(usage) == {
        "iteration": [1, 3, 6, 4, 9, 15],
        "epoch": [6, 15],
    }


def test_batch_filtered_updates_only_on_selected_global_iterations() -> None:
    # every=2 counts the run's iterations: 2 in epoch 1, then 4 and 6 in epoch 2.
    assert _snapshots(BatchFiltered(every=2)) == {
        "iteration": [None, None, None, 2, 2, 2],
        "epoch": [2, 4 + 6],
    }


def test_batch_filtered_accepts_once_with_several_iterations() -> None:
    assert _snapshots(BatchFiltered(once=[1, 5]))["epoch"] == [1, 5]


def test_custom_usage_with_a_filtered_completed_event() -> None:
    usage = MetricUsage(
        started=Events.STARTED,
        completed=Events.EPOCH_COMPLETED(every=2),
        iteration_completed=Events.ITERATION_COMPLETED,
    )
    assert _snapshots(usage, epoch_length=2, max_epochs=4)["epoch"] == [
        None,
        1 + 2 + 3 + 4,
        1 + 2 + 3 + 4,
        sum(range(1, 9)),
    ]


# ----------------------------------------------------------------------------- the events


@pytest.mark.parametrize(
    ("usage", "started", "iteration_completed", "completed"),
    [
        (EpochWise(), "EPOCH_STARTED", "ITERATION_COMPLETED", "EPOCH_COMPLETED"),
        (RunningEpochWise(), "STARTED", "EPOCH_COMPLETED", "EPOCH_COMPLETED"),
        (BatchWise(), "ITERATION_STARTED", "ITERATION_COMPLETED", "ITERATION_COMPLETED"),
        (RunningBatchWise(), "STARTED", "ITERATION_COMPLETED", "ITERATION_COMPLETED"),
        (
            SingleEpochRunningBatchWise(),
            "EPOCH_STARTED",
            "ITERATION_COMPLETED",
            "ITERATION_COMPLETED",
        ),
        (BatchFiltered(every=3), "EPOCH_STARTED", "ITERATION_COMPLETED", "EPOCH_COMPLETED"),
    ],
)
def test_usage_names_the_documented_events(
    usage: MetricUsage, started: str, iteration_completed: str, completed: str
) -> None:
    assert usage.STARTED.event is Events[started]
    assert usage.ITERATION_COMPLETED.event is Events[iteration_completed]
    assert usage.COMPLETED.event is Events[completed]


def test_batch_filtered_filters_only_the_update_event() -> None:
    usage = BatchFiltered(every=3)
    assert usage.ITERATION_COMPLETED.filter is not None
    assert usage.ITERATION_COMPLETED.filter(None, 6)
    assert not usage.ITERATION_COMPLETED.filter(None, 4)
    assert usage.STARTED.filter is None
    assert usage.COMPLETED.filter is None


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("epoch_wise", EpochWise),
        ("running_epoch_wise", RunningEpochWise),
        ("batch_wise", BatchWise),
        ("running_batch_wise", RunningBatchWise),
        ("single_epoch_running_batch_wise", SingleEpochRunningBatchWise),
    ],
)
def test_usage_string_names_resolve_to_their_classes(name: str, cls: type[MetricUsage]) -> None:
    resolved = resolve_usage(name)
    assert type(resolved) is cls
    assert cls.usage_name == name


def test_usage_class_hierarchy_matches_ignite() -> None:
    assert issubclass(RunningEpochWise, EpochWise)
    assert issubclass(RunningBatchWise, BatchWise)
    assert issubclass(SingleEpochRunningBatchWise, BatchWise)
    assert not issubclass(BatchFiltered, EpochWise)


def test_usage_instance_is_returned_unchanged() -> None:
    usage = BatchFiltered(every=2)
    assert resolve_usage(usage) is usage


def test_unknown_usage_name_lists_every_valid_name() -> None:
    with pytest.raises(ValueError, match="argument usage is 'epochwise'") as info:
        resolve_usage("epochwise")
    for name in (
        "epoch_wise",
        "running_epoch_wise",
        "batch_wise",
        "running_batch_wise",
        "single_epoch_running_batch_wise",
    ):
        assert repr(name) in str(info.value)


def test_metric_usage_with_a_non_event_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"argument completed.*'epoch_completed' \(str\)"):
        MetricUsage(
            started=Events.STARTED,
            completed="epoch_completed",  # type: ignore[arg-type]
            iteration_completed=Events.ITERATION_COMPLETED,
        )


def test_batch_filtered_with_bad_filter_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="every"):
        BatchFiltered(every=0)


def test_usage_repr_shows_its_events() -> None:
    assert "Events.ITERATION_STARTED" in repr(BatchWise())


# ----------------------------------------------------------------------------- attach per usage


@pytest.mark.parametrize(
    "usage",
    [
        "epoch_wise",
        "running_epoch_wise",
        "batch_wise",
        "running_batch_wise",
        "single_epoch_running_batch_wise",
    ],
)
def test_attach_then_detach_per_usage_leaves_no_handler(usage: str) -> None:
    engine = Engine(lambda engine, batch: batch)
    metric = _Total()
    metric.attach(engine, "total", usage=usage)
    assert metric.is_attached(engine, usage=usage)
    metric.detach(engine, usage=usage)
    assert not metric.is_attached(engine, usage=usage)
    for handler in (metric.started, metric.iteration_completed, metric.completed):
        assert not engine.has_event_handler(handler)


def test_batch_filtered_attach_is_seen_and_detached_with_the_same_usage() -> None:
    engine = Engine(lambda engine, batch: batch)
    metric = _Total()
    usage = BatchFiltered(every=2)
    metric.attach(engine, "total", usage=usage)
    assert metric.is_attached(engine, usage=usage)
    metric.detach(engine, usage=usage)
    assert not engine.has_event_handler(metric.iteration_completed)


# ----------------------------------------------------------------------------- Ignite as oracle


def _binary_run(
    engine_module: Any, metric: Any, usage: Any, batches: list[tuple[torch.Tensor, torch.Tensor]]
) -> list[Any]:
    """Accuracy snapshots after every iteration of a three-epoch run; predictions are flipped
    in even epochs so that epochs differ."""

    def step(engine: Any, batch: tuple[torch.Tensor, torch.Tensor]) -> Any:
        y_pred, y = batch
        return (1 - y_pred if engine.state.epoch % 2 == 0 else y_pred), y

    engine = engine_module.Engine(step)
    metric.attach(engine, "acc", usage=usage)
    seen: list[Any] = []
    engine.add_event_handler(
        engine_module.Events.ITERATION_COMPLETED,
        lambda engine: seen.append(engine.state.metrics.get("acc")),
    )
    engine.run(batches, max_epochs=3)
    return seen


@pytest.mark.parametrize(
    "usage",
    [
        "epoch_wise",
        "running_epoch_wise",
        "batch_wise",
        "running_batch_wise",
        "single_epoch_running_batch_wise",
        "batch_filtered",
    ],
)
def test_every_usage_gives_the_same_values_as_ignite(usage: str) -> None:
    ignite_engine = pytest.importorskip("ignite.engine")
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(7)
    batches = [
        (
            torch.randint(0, 2, (size,), generator=generator).float(),
            torch.randint(0, 2, (size,), generator=generator),
        )
        for size in (5, 3, 8, 4)
    ]
    if usage == "batch_filtered":
        ours_usage: Any = BatchFiltered(every=3)
        theirs_usage: Any = ignite_metrics.BatchFiltered(every=3)
    else:
        ours_usage = theirs_usage = usage
    ours = _binary_run(ember_engine, CountingAccuracy(), ours_usage, batches)
    theirs = _binary_run(ignite_engine, ignite_metrics.Accuracy(), theirs_usage, batches)
    assert len(ours) == 12
    assert ours == theirs
