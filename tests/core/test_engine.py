"""Engine.run: the order of events, stopping and resuming, and how data is consumed.

Where ember keeps PyTorch-Ignite's semantics, the same scenario is also run on Ignite 0.5.5's
Engine and the recorded events compared.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import pytest

import ember.engine
from ember.engine import Engine, Events

Record = tuple[str, int, int, Any]

# Every event the loop fires by itself; EXCEPTION_RAISED changes how failures propagate.
LOOP_EVENTS = [name for name in Events.__members__ if name != "EXCEPTION_RAISED"]


def record_events(engine: Any, module: ModuleType = ember.engine) -> list[Record]:
    """Attach a recorder of (event, epoch, iteration, batch) to every loop event."""
    log: list[Record] = []
    for name in LOOP_EVENTS:
        event = getattr(module.Events, name)

        def record(engine: Any, *args: Any, name: str = name, **kwargs: Any) -> None:
            state = engine.state
            log.append((name, state.epoch, state.iteration, state.batch))

        engine.add_event_handler(event, record)
    return log


def ignite_or_skip() -> ModuleType:
    return pytest.importorskip("ignite.engine")


Scenario = Callable[[ModuleType], Any]


def on_both(scenario: Scenario) -> tuple[Any, Any]:
    """The scenario's result with ember's engine and with Ignite's."""
    return scenario(ember.engine), scenario(ignite_or_skip())


def iterations(log: list[Record]) -> list[tuple[int, int, Any]]:
    return [(epoch, it, batch) for name, epoch, it, batch in log if name == "ITERATION_COMPLETED"]


# ----------------------------------------------------------------------------- order of events


def test_full_run_fires_events_in_documented_order() -> None:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    engine.run([10, 20], max_epochs=2)

    def batch_events(epoch: int, iteration: int, batch: int) -> list[Record]:
        return [
            ("GET_BATCH_STARTED", epoch, iteration - 1, None),
            ("GET_BATCH_COMPLETED", epoch, iteration - 1, batch),
            ("ITERATION_STARTED", epoch, iteration, batch),
            ("ITERATION_COMPLETED", epoch, iteration, batch),
        ]

    expected = [
        ("STARTED", 0, 0, None),
        ("EPOCH_STARTED", 1, 0, None),
        *batch_events(1, 1, 10),
        *batch_events(1, 2, 20),
        ("EPOCH_COMPLETED", 1, 2, 20),
        ("EPOCH_STARTED", 2, 2, 20),
        ("GET_BATCH_STARTED", 2, 2, None),
        # the list's iterator ran out at the first batch of epoch 2 and is started again
        ("DATALOADER_STOP_ITERATION", 2, 2, None),
        ("GET_BATCH_COMPLETED", 2, 2, 10),
        ("ITERATION_STARTED", 2, 3, 10),
        ("ITERATION_COMPLETED", 2, 3, 10),
        *batch_events(2, 4, 20),
        ("EPOCH_COMPLETED", 2, 4, 20),
        ("COMPLETED", 2, 4, 20),
    ]
    assert log == expected


def test_last_event_name_is_the_event_being_handled() -> None:
    engine = Engine(lambda engine, batch: None)
    mismatches: list[tuple[str, Any]] = []
    for name in LOOP_EVENTS:
        event = getattr(Events, name)

        def check(engine: Engine, *args: Any, event: Events = event) -> None:
            if engine.last_event_name is not event:
                mismatches.append((event.name, engine.last_event_name))

        engine.add_event_handler(event, check)
    engine.run([0, 1], max_epochs=2)
    assert mismatches == []
    assert engine.last_event_name is Events.COMPLETED


@pytest.mark.parametrize(
    ("make_data", "kwargs"),
    [
        pytest.param(lambda: [0, 1, 2], {"max_epochs": 3}, id="list"),
        pytest.param(lambda: iter(range(100)), {"max_epochs": 3, "epoch_length": 4}, id="iterator"),
        pytest.param(lambda: [0, 1, 2], {"max_epochs": 2, "epoch_length": 5}, id="list-restarts"),
        pytest.param(lambda: range(3), {"max_iters": 7}, id="max-iters"),
        pytest.param(lambda: None, {"max_epochs": 2, "epoch_length": 3}, id="no-data"),
    ],
)
def test_events_match_pytorch_ignite(
    make_data: Callable[[], Iterable[Any] | None], kwargs: dict[str, Any]
) -> None:
    def scenario(module: ModuleType) -> tuple[list[Record], Any]:
        engine = module.Engine(lambda engine, batch: batch)
        log = record_events(engine, module)
        state = engine.run(make_data(), **kwargs)
        return log, (state.epoch, state.iteration, state.output)

    ours, theirs = on_both(scenario)
    assert ours == theirs


def test_run_returns_state_with_last_output_and_batch() -> None:
    state = Engine(lambda engine, batch: batch * 10).run([1, 2, 3], max_epochs=2)
    assert (state.epoch, state.iteration, state.output, state.batch) == (2, 6, 30, 3)
    assert (state.epoch_length, state.max_epochs) == (3, 2)


# ----------------------------------------------------------------------------- stopping


@pytest.mark.parametrize("skip_completed", [False, True])
def test_terminate_stops_after_the_current_event(skip_completed: bool) -> None:
    def scenario(module: ModuleType) -> list[Record]:
        engine = module.Engine(lambda engine, batch: batch)
        stop = module.Events.ITERATION_COMPLETED(once=4)
        engine.add_event_handler(stop, lambda e: e.terminate(skip_completed=skip_completed))
        log = record_events(engine, module)
        engine.run([0, 1, 2], max_epochs=3)
        return log

    log = scenario(ember.engine)
    tail = [("ITERATION_COMPLETED", 2, 4, 0), ("TERMINATE", 2, 4, 0)]
    if not skip_completed:
        tail.append(("COMPLETED", 2, 4, 0))
    assert log[-len(tail) :] == tail
    assert [r for r in log if r[0] == "ITERATION_COMPLETED"][-1][2] == 4
    assert log == scenario(ignite_or_skip())


def test_terminate_at_epoch_completed_ends_the_run_after_that_epoch() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=2), lambda e: e.terminate())
    log = record_events(engine)
    state = engine.run([0, 1], max_epochs=5)
    assert (state.epoch, state.iteration) == (2, 4)
    assert [r[0] for r in log[-3:]] == ["EPOCH_COMPLETED", "TERMINATE", "COMPLETED"]


@pytest.mark.parametrize("skip_epoch_completed", [False, True])
def test_terminate_epoch_ends_only_the_current_epoch(skip_epoch_completed: bool) -> None:
    def scenario(module: ModuleType) -> list[Record]:
        engine = module.Engine(lambda engine, batch: batch)
        cut = module.Events.ITERATION_COMPLETED(once=2)
        engine.add_event_handler(
            cut, lambda e: e.terminate_epoch(skip_epoch_completed=skip_epoch_completed)
        )
        log = record_events(engine, module)
        engine.run([0, 1, 2], max_epochs=3)
        return log

    log = scenario(ember.engine)
    assert [(epoch, it) for epoch, it, _ in iterations(log)] == [
        (1, 1),
        (1, 2),
        (2, 3),
        (2, 4),
        (2, 5),
        (3, 6),
        (3, 7),
        (3, 8),
    ]
    epoch_ends = [r[1] for r in log if r[0] == "EPOCH_COMPLETED"]
    assert epoch_ends == ([2, 3] if skip_epoch_completed else [1, 2, 3])
    assert [r[0] for r in log].count("TERMINATE_SINGLE_EPOCH") == 1
    assert log[-1][0] == "COMPLETED"
    assert log == scenario(ignite_or_skip())


def uninterrupted(make_data: Callable[[], Iterable[Any]], **kwargs: Any) -> list[Record]:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    engine.run(make_data(), **kwargs)
    return log


@pytest.mark.parametrize(
    ("event", "make_data", "kwargs"),
    [
        (Events.ITERATION_COMPLETED(once=4), lambda: [0, 1, 2], {"max_epochs": 3}),
        (Events.ITERATION_STARTED(once=4), lambda: [0, 1, 2], {"max_epochs": 3}),
        (Events.GET_BATCH_STARTED(once=5), lambda: [0, 1, 2], {"max_epochs": 3}),
        (Events.GET_BATCH_COMPLETED(once=3), lambda: [0, 1, 2], {"max_epochs": 3}),
        (Events.EPOCH_STARTED(once=2), lambda: [0, 1, 2], {"max_epochs": 3}),
        (Events.EPOCH_COMPLETED(once=1), lambda: [0, 1, 2], {"max_epochs": 3}),
        (Events.STARTED, lambda: [0, 1, 2], {"max_epochs": 3}),
        (
            Events.ITERATION_COMPLETED(once=5),
            lambda: iter(range(100)),
            {"max_epochs": 3, "epoch_length": 3},
        ),
    ],
    ids=str,
)
def test_interrupt_then_run_resumes_exactly_where_it_stopped(
    event: Any, make_data: Callable[[], Iterable[Any]], kwargs: dict[str, Any]
) -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(event, lambda e: e.interrupt())
    log = record_events(engine)

    state = engine.run(make_data(), **kwargs)
    paused_at = (state.epoch, state.iteration)
    assert log[-1][:3] == ("INTERRUPT", *paused_at)
    state = engine.run()

    assert state.iteration == 9
    assert [r for r in log if r[0] != "INTERRUPT"] == uninterrupted(make_data, **kwargs)


def test_repeated_interrupts_replay_the_uninterrupted_run() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), lambda e: e.interrupt())
    log = record_events(engine)
    engine.run(iter(range(100)), max_epochs=4, epoch_length=3)
    calls = 1
    while log[-1][0] != "COMPLETED" and calls < 20:
        engine.run()
        calls += 1
    assert calls == 7  # paused on 2, 4, 6, 8, 10, 12; the last run() completes
    expected = uninterrupted(lambda: iter(range(100)), max_epochs=4, epoch_length=3)
    assert [r for r in log if r[0] != "INTERRUPT"] == expected


# ----------------------------------------------------------------------------- run() again


def test_run_on_finished_state_starts_afresh() -> None:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    engine.run([0, 1], max_epochs=2)
    first = [record[:3] for record in log]
    log.clear()
    state = engine.run([0, 1], max_epochs=2)
    assert [record[:3] for record in log] == first
    assert log[0][:3] == ("STARTED", 0, 0)
    assert (state.epoch, state.iteration) == (2, 4)


def test_run_on_terminated_state_resumes_the_iteration_count() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=4), lambda e: e.terminate())
    log = record_events(engine)
    engine.run([0, 1, 2], max_epochs=3)
    state = engine.run([0, 1, 2])
    assert (state.epoch, state.iteration) == (3, 9)
    expected = [
        (epoch, it) for epoch, it, _ in iterations(uninterrupted(lambda: [0, 1, 2], max_epochs=3))
    ]
    assert [(epoch, it) for epoch, it, _ in iterations(log)] == expected


def test_raising_max_epochs_on_finished_run_continues_it() -> None:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    engine.run([0, 1, 2], max_epochs=2)
    log.clear()
    state = engine.run([0, 1, 2], max_epochs=4)
    assert (state.epoch, state.iteration) == (4, 12)
    assert [(epoch, it) for epoch, it, _ in iterations(log)] == [
        (3, 7),
        (3, 8),
        (3, 9),
        (4, 10),
        (4, 11),
        (4, 12),
    ]


def test_max_epochs_below_the_current_epoch_on_resume_raises() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=3), lambda e: e.interrupt())
    engine.run([0], max_epochs=5)
    with pytest.raises(ValueError, match=r"max_epochs.*2 vs 3"):
        engine.run(max_epochs=2)


def test_other_epoch_length_on_resume_raises() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.interrupt())
    engine.run(range(4), max_epochs=2)
    with pytest.raises(ValueError, match=r"epoch_length.*3 vs 4"):
        engine.run(epoch_length=3)


# ----------------------------------------------------------------------------- data


def test_max_iters_stops_mid_epoch() -> None:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    state = engine.run(range(3), max_iters=7)
    assert [(epoch, it, batch) for epoch, it, batch in iterations(log)] == [
        (1, 1, 0),
        (1, 2, 1),
        (1, 3, 2),
        (2, 4, 0),
        (2, 5, 1),
        (2, 6, 2),
        (3, 7, 0),
    ]
    assert (state.iteration, state.max_iters) == (7, 7)
    assert log[-1][0] == "COMPLETED"


def test_iterator_with_epoch_length_is_consumed_across_epochs() -> None:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    engine.run(iter(range(100)), epoch_length=4, max_epochs=3)
    assert [batch for _, _, batch in iterations(log)] == list(range(12))
    assert [epoch for epoch, _, _ in iterations(log)] == [1] * 4 + [2] * 4 + [3] * 4
    assert "DATALOADER_STOP_ITERATION" not in [r[0] for r in log]


def test_reiterable_data_shorter_than_epoch_length_is_restarted() -> None:
    engine = Engine(lambda engine, batch: batch)
    log = record_events(engine)
    engine.run([0, 1, 2], epoch_length=5, max_epochs=2)
    assert [batch for _, _, batch in iterations(log)] == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    stops = [r[2] for r in log if r[0] == "DATALOADER_STOP_ITERATION"]
    assert stops == [3, 6, 9]


def one_shot(module: ModuleType, data: Iterable[Any], **kwargs: Any) -> tuple[Any, ...]:
    engine = module.Engine(lambda engine, batch: batch)
    log = record_events(engine, module)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = engine.run(iter(data), **kwargs)
    stops = [r[2] for r in log if r[0] == "DATALOADER_STOP_ITERATION"]
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    return iterations(log), stops, messages, state


def test_exhausted_one_shot_iterator_warns_and_stops() -> None:
    batches, stops, messages, state = one_shot(ember.engine, range(7), epoch_length=3, max_epochs=3)
    assert [batch for _, _, batch in batches] == list(range(7))
    assert stops == [7]
    assert len(messages) == 1
    assert "Data iterator can not provide data anymore" in messages[0]
    assert "Current iteration: 7" in messages[0]
    assert state.iteration == 7

    ignite_batches, ignite_stops, _, _ = one_shot(
        ignite_or_skip(), range(7), epoch_length=3, max_epochs=3
    )
    assert (batches, stops) == (ignite_batches, ignite_stops)


def test_iterator_without_length_sets_epoch_length_then_stops_when_exhausted() -> None:
    batches, stops, messages, state = one_shot(ember.engine, range(4), max_epochs=3)
    assert batches == [(1, 1, 0), (1, 2, 1), (1, 3, 2), (1, 4, 3)]
    assert state.epoch_length == 4
    assert stops == [4]
    assert len(messages) == 1
    assert state.iteration == 4

    ignite_batches, _, _, ignite_state = one_shot(ignite_or_skip(), range(4), max_epochs=3)
    assert (batches, state.epoch_length) == (ignite_batches, ignite_state.epoch_length)


@pytest.mark.parametrize(
    ("swap_on", "expected"),
    [
        pytest.param("EPOCH_COMPLETED", [0, 1, 2, 10, 11, 12], id="between-epochs"),
        pytest.param("EPOCH_STARTED", [0, 1, 2, 10, 11, 12], id="at-epoch-start"),
        pytest.param("ITERATION_COMPLETED", [0, 10, 11, 12, 10, 11], id="mid-epoch"),
    ],
)
def test_set_data_swaps_the_data_for_the_next_batch(swap_on: str, expected: list[int]) -> None:
    def scenario(module: ModuleType) -> list[Record]:
        engine = module.Engine(lambda engine, batch: batch)
        once = 2 if swap_on == "EPOCH_STARTED" else 1
        swap = getattr(module.Events, swap_on)(once=once)
        engine.add_event_handler(swap, lambda e: e.set_data([10, 11, 12]))
        log = record_events(engine, module)
        engine.run([0, 1, 2], max_epochs=2)
        return log

    log = scenario(ember.engine)
    assert [batch for _, _, batch in iterations(log)] == expected
    assert log == scenario(ignite_or_skip())


def test_set_data_refuses_non_iterable() -> None:
    with pytest.raises(TypeError, match="set_data: data should be iterable"):
        Engine(lambda engine, batch: None).set_data(42)  # type: ignore[arg-type]


def test_no_data_with_epoch_length_calls_process_with_none() -> None:
    batches: list[Any] = []
    engine = Engine(lambda engine, batch: batches.append(batch))
    state = engine.run(epoch_length=3, max_epochs=2)
    assert batches == [None] * 6
    assert (state.epoch, state.iteration) == (2, 6)
