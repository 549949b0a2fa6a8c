"""Engine failures, the State, argument checks, and an engine that never prints."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from types import SimpleNamespace
from typing import Any

import pytest

import ember.engine.engine as engine_module
from ember.engine import DeterministicEngine, Engine, Events, State


def failing_once_at(iteration: int, error: BaseException) -> Any:
    """A process function that raises ``error`` the first time it reaches ``iteration``."""
    pending = [error]

    def step(engine: Engine, batch: Any) -> Any:
        if engine.state.iteration == iteration and pending:
            raise pending.pop()
        return batch

    return step


def completed_iterations(engine: Engine) -> list[tuple[int, int, Any]]:
    seen: list[tuple[int, int, Any]] = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED,
        lambda e: seen.append((e.state.epoch, e.state.iteration, e.state.batch)),
    )
    return seen


# ----------------------------------------------------------------------------- EXCEPTION_RAISED


def test_exception_raised_handler_receives_the_exception_and_the_run_ends() -> None:
    error = RuntimeError("bad batch")
    engine = Engine(failing_once_at(5, error))
    seen = completed_iterations(engine)
    received: list[tuple[BaseException, int]] = []
    completed: list[int] = []
    engine.add_event_handler(
        Events.EXCEPTION_RAISED, lambda e, exc: received.append((exc, e.state.iteration))
    )
    engine.add_event_handler(Events.COMPLETED, lambda: completed.append(1))

    state = engine.run([0, 1, 2], max_epochs=3)

    assert received == [(error, 4)]
    assert received[0][0] is error
    assert len(seen) == 4
    assert completed == []
    assert state.iteration == 4


def test_exception_from_a_handler_reaches_exception_raised_handlers() -> None:
    error = ValueError("handler failed")

    def broken(engine: Engine) -> None:
        raise error

    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.EPOCH_COMPLETED, broken)
    received: list[BaseException] = []
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda exc: received.append(exc))
    state = engine.run([0, 1, 2], max_epochs=2)
    assert received == [error]
    assert (state.epoch, state.iteration) == (1, 3)


def test_exception_raised_handler_may_reraise() -> None:
    error = RuntimeError("fatal")

    def reraise(engine: Engine, exc: BaseException) -> None:
        raise exc

    engine = Engine(failing_once_at(2, error))
    engine.add_event_handler(Events.EXCEPTION_RAISED, reraise)
    with pytest.raises(RuntimeError) as info:
        engine.run([0, 1, 2])
    assert info.value is error


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()], ids=type)
def test_without_handlers_the_same_exception_propagates_and_state_is_consistent(
    error: BaseException,
) -> None:
    engine = Engine(failing_once_at(5, error))
    seen = completed_iterations(engine)

    with pytest.raises(type(error)) as info:
        engine.run([0, 1, 2], max_epochs=3)

    assert info.value is error
    assert engine.state.iteration == len(seen) == 4
    assert engine.state.epoch == 2
    assert engine.state.batch == 1  # the batch that failed, for the handler or user to inspect


def test_run_after_a_failure_redoes_the_failed_iteration() -> None:
    # Regression: the failed iteration used to be counted, so the resumed run skipped it.
    engine = Engine(failing_once_at(5, RuntimeError("transient")))
    seen = completed_iterations(engine)
    with pytest.raises(RuntimeError):
        engine.run([0, 1, 2], max_epochs=3)
    state = engine.run([0, 1, 2], max_epochs=3)
    assert [it for _, it, _ in seen] == list(range(1, 10))
    assert [epoch for epoch, _, _ in seen] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert state.iteration == 9


def test_deterministic_run_resumed_after_a_failure_sees_the_uninterrupted_batches() -> None:
    # Regression: the batch of the failed iteration was skipped on resume.
    def batches(step: Any) -> list[tuple[int, int, Any]]:
        engine = DeterministicEngine(step)
        seen = completed_iterations(engine)
        try:
            engine.run(list(range(4)), max_epochs=3, seed=11)
        except RuntimeError:
            engine.run(list(range(4)), max_epochs=3)
        return seen

    assert batches(failing_once_at(6, RuntimeError("transient"))) == batches(
        lambda engine, batch: batch
    )


# ----------------------------------------------------------------------------- State


def test_new_state_starts_at_zero_with_empty_metrics() -> None:
    state = State()
    assert (state.iteration, state.epoch, state.epoch_length) == (0, 0, None)
    assert (state.max_epochs, state.max_iters, state.output, state.batch) == (None,) * 4
    assert state.metrics == {}
    assert state.times == {"EPOCH_COMPLETED": None, "COMPLETED": None}


def test_state_takes_user_attributes_and_metrics_are_per_state() -> None:
    state = State(best_loss=1.5, tag="run-1")
    assert (state.best_loss, state.tag) == (1.5, "run-1")
    first, second = Engine(lambda e, b: None), Engine(lambda e, b: None)
    first.state.metrics["accuracy"] = 0.5
    assert second.state.metrics == {}


def test_handlers_share_user_attributes_through_the_state() -> None:
    def step(engine: Engine, batch: int) -> int:
        return batch * engine.state.scale

    engine = Engine(step)
    engine.add_event_handler(Events.STARTED, lambda e: setattr(e.state, "scale", 10))
    assert engine.run([1, 2]).output == 20


def test_state_repr_lists_counters_and_user_attributes() -> None:
    state = Engine(lambda engine, batch: batch).run([7, 8], max_epochs=3)
    state.note = "hello"
    lines = repr(state).splitlines()
    assert lines[0] == "State:"
    for line in ("\titeration: 6", "\tepoch: 3", "\tmax_epochs: 3", "\toutput: 8", "\tnote: hello"):
        assert line in lines
    assert "\tmetrics: <class 'dict'>" in lines


def test_times_hold_last_epoch_and_whole_run_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    # A clock that advances only when the run does something: 1 per batch, 10 per
    # EPOCH_COMPLETED handler, 100 per COMPLETED handler.
    clock = SimpleNamespace(now=0.0)
    monkeypatch.setattr(engine_module, "time", SimpleNamespace(perf_counter=lambda: clock.now))

    def advance(seconds: float) -> Any:
        def handler() -> None:
            clock.now += seconds

        return handler

    engine = Engine(lambda engine, batch: advance(1.0)())
    seen: dict[str, Any] = {}
    engine.add_event_handler(
        Events.EPOCH_COMPLETED, lambda e: seen.setdefault("epoch", e.state.times["EPOCH_COMPLETED"])
    )
    engine.add_event_handler(Events.EPOCH_COMPLETED, advance(10.0))
    engine.add_event_handler(
        Events.COMPLETED, lambda e: seen.setdefault("run", e.state.times["COMPLETED"])
    )
    engine.add_event_handler(Events.COMPLETED, advance(100.0))

    state = engine.run([0, 1], max_epochs=2)

    assert seen == {"epoch": 2.0, "run": 24.0}  # while handled: without the handlers' own time
    assert state.times == {"EPOCH_COMPLETED": 12.0, "COMPLETED": 124.0}


def test_times_with_the_real_clock_are_ordered() -> None:
    state = Engine(lambda engine, batch: batch).run(range(3), max_epochs=2)
    epoch, total = state.times["EPOCH_COMPLETED"], state.times["COMPLETED"]
    assert isinstance(epoch, float)
    assert isinstance(total, float)
    assert 0.0 <= epoch <= total


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("name", ["max_epochs", "epoch_length", "max_iters"])
@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_bad_count_argument_to_run_raises_naming_it(name: str, value: Any) -> None:
    engine = Engine(lambda engine, batch: batch)
    with pytest.raises(ValueError, match=rf"\b{name}\b.*{value!r}"):
        engine.run([0, 1], **{name: value})


def test_both_max_epochs_and_max_iters_are_refused() -> None:
    engine = Engine(lambda engine, batch: batch)
    with pytest.raises(ValueError, match="max_iters and max_epochs are mutually exclusive"):
        engine.run([0, 1], max_epochs=2, max_iters=3)


def test_both_max_epochs_and_max_iters_are_refused_on_resume() -> None:
    # Regression: a resumable state took max_epochs and silently dropped max_iters.
    engine = Engine(lambda engine, batch: batch)
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=1), lambda e: e.interrupt())
    engine.run([0, 1], max_epochs=2)
    with pytest.raises(ValueError, match="max_iters and max_epochs are mutually exclusive"):
        engine.run(max_epochs=3, max_iters=3)
    assert engine.state.max_epochs == 2


@pytest.mark.parametrize("data", [[], (), iter([])], ids=["list", "tuple", "iterator"])
def test_empty_data_is_refused(data: Any) -> None:
    with pytest.raises(ValueError, match="data is empty"):
        Engine(lambda engine, batch: batch).run(data)


@pytest.mark.parametrize("data", [42, 1.5, object()], ids=["int", "float", "object"])
def test_non_iterable_data_is_refused_naming_it(data: Any) -> None:
    with pytest.raises(TypeError, match=rf"data should be iterable, got {type(data).__name__}"):
        Engine(lambda engine, batch: batch).run(data)


def test_no_data_without_epoch_length_is_refused() -> None:
    with pytest.raises(ValueError, match="epoch_length should be given when data is None"):
        Engine(lambda engine, batch: batch).run(max_epochs=2)


def test_non_callable_process_function_is_refused() -> None:
    with pytest.raises(TypeError, match="process_function"):
        Engine("not callable")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- no printing


def test_runs_print_nothing_even_with_logging_on(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ember")
    trainer = Engine(lambda engine, batch: batch)
    trainer.add_event_handler(Events.ITERATION_COMPLETED(once=5), lambda e: e.terminate_epoch())
    trainer.add_event_handler(Events.ITERATION_COMPLETED(once=8), lambda e: e.terminate())
    trainer.run(range(3), max_epochs=4)
    failing = Engine(failing_once_at(2, RuntimeError("x")))
    failing.add_event_handler(Events.EXCEPTION_RAISED, lambda exc: None)
    failing.run(range(3))
    with pytest.warns(UserWarning, match="Data iterator"):
        Engine(lambda engine, batch: batch).run(iter(range(2)), epoch_length=2, max_epochs=2)

    assert capsys.readouterr() == ("", "")
    assert any(record.name.startswith("ember.engine") for record in caplog.records)


def test_handled_failure_writes_nothing_when_logging_is_not_configured() -> None:
    # Regression: logging's last-resort handler printed the engine's error message to stderr.
    code = textwrap.dedent(
        """
        from ember.engine import Engine, Events

        def fail(engine, batch):
            raise RuntimeError("boom")

        engine = Engine(fail)
        engine.add_event_handler(Events.EXCEPTION_RAISED, lambda exc: None)
        engine.run([0, 1])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
