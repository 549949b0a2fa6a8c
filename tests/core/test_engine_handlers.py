"""Handlers: what can be attached, how it is called, how it is found and removed; custom events."""

from __future__ import annotations

import functools
import gc
import weakref
from enum import Enum
from typing import Any

import pytest

from ember.engine import Engine, EventEnum, Events, RemovableEventHandle
from ember.exceptions import UnknownEventError


def make_engine() -> Engine:
    return Engine(lambda engine, batch: batch)


class Recorder:
    """A callable object and a source of bound methods, each taking the engine or not."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, engine: Engine) -> None:
        self.calls.append(("call", engine))

    def with_engine(self, engine: Engine) -> None:
        self.calls.append(("method", engine))

    def without_engine(self) -> None:
        self.calls.append(("method",))


class NoArgCallable:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


# ----------------------------------------------------------------------------- kinds of handlers


def test_every_kind_of_callable_is_called_with_engine_only_when_it_takes_it() -> None:
    engine = make_engine()
    calls: list[tuple[Any, ...]] = []

    def function(engine: Engine) -> None:
        calls.append(("function", engine))

    def function_without_engine() -> None:
        calls.append(("function",))

    def tagged(tag: str, engine: Engine) -> None:
        calls.append((tag, engine))

    def tagged_without_engine(tag: str) -> None:
        calls.append((tag,))

    recorder = Recorder()
    no_arg = NoArgCallable()
    handlers = [
        function,
        function_without_engine,
        lambda engine: calls.append(("lambda", engine)),
        lambda: calls.append(("lambda",)),
        functools.partial(tagged, "partial"),
        functools.partial(tagged_without_engine, "partial"),
        recorder,
        recorder.with_engine,
        recorder.without_engine,
        no_arg,
    ]
    for handler in handlers:
        engine.add_event_handler(Events.COMPLETED, handler)

    engine.run([0])

    assert calls == [
        ("function", engine),
        ("function",),
        ("lambda", engine),
        ("lambda",),
        ("partial", engine),
        ("partial",),
    ]
    assert recorder.calls == [("call", engine), ("method", engine), ("method",)]
    assert no_arg.calls == 1


def test_extra_args_and_kwargs_are_passed_after_the_engine() -> None:
    engine = make_engine()
    calls: list[tuple[Any, ...]] = []

    def with_engine(engine: Engine, a: int, b: int = 0, *, c: str = "") -> None:
        calls.append((engine, a, b, c))

    def without_engine(a: int, b: int = 0) -> None:
        calls.append((a, b))

    engine.add_event_handler(Events.STARTED, with_engine, 1, 2, c="x")
    engine.add_event_handler(Events.STARTED, with_engine, 3, c="y")
    engine.add_event_handler(Events.STARTED, without_engine, 4, b=5)

    engine.run([0])

    assert calls == [(engine, 1, 2, "x"), (engine, 3, 0, "y"), (4, 5)]


def test_exception_raised_handler_gets_the_exception_after_the_engine() -> None:
    error = RuntimeError("boom")
    received: list[tuple[Any, ...]] = []

    def fail(engine: Engine, batch: Any) -> None:
        raise error

    engine = Engine(fail)
    engine.add_event_handler(
        Events.EXCEPTION_RAISED, lambda e, exc, tag: received.append((e, exc, tag)), "tag"
    )
    engine.run([0])
    assert received == [(engine, error, "tag")]


def test_terminate_single_epoch_handler_gets_the_iteration_within_the_epoch() -> None:
    engine = make_engine()
    received: list[tuple[int, int]] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=5), lambda e: e.terminate_epoch())
    engine.add_event_handler(
        Events.TERMINATE_SINGLE_EPOCH,
        lambda e, iter_counter: received.append((e.state.epoch, iter_counter)),
    )
    engine.run(range(3), max_epochs=3)
    assert received == [(2, 2)]


def test_terminate_single_epoch_handler_may_leave_out_the_counter() -> None:
    engine = make_engine()
    received: list[object] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=5), lambda e: e.terminate_epoch())
    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH, lambda e: received.append(e))
    engine.add_event_handler(Events.TERMINATE_SINGLE_EPOCH, lambda: received.append("no args"))
    engine.run(range(3), max_epochs=3)
    assert received == [engine, "no args"]


@pytest.mark.parametrize(
    ("handler", "args", "kwargs"),
    [
        pytest.param(lambda a, b, c: None, (), {}, id="too-many-parameters"),
        pytest.param(lambda engine: None, (1, 2), {}, id="extra-args-not-taken"),
        pytest.param(lambda engine, a: None, (), {"b": 1}, id="unknown-kwarg"),
        pytest.param(lambda engine, extra: None, (), {}, id="missing-extra"),
    ],
)
def test_handler_whose_signature_cannot_take_the_call_is_refused_at_attach(
    handler: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    engine = make_engine()
    with pytest.raises(ValueError, match="lambda") as info:
        engine.add_event_handler(Events.EPOCH_COMPLETED, handler, *args, **kwargs)
    assert "EPOCH_COMPLETED" in str(info.value)
    assert not engine.has_event_handler(handler)


def test_named_handler_refused_by_signature_is_named_in_the_error() -> None:
    def needs_three(a: int, b: int, c: int) -> None: ...

    with pytest.raises(ValueError, match=r"needs_three.*Events\.ITERATION_STARTED"):
        make_engine().add_event_handler(Events.ITERATION_STARTED, needs_three)


def test_exception_handler_that_cannot_take_the_exception_is_refused() -> None:
    with pytest.raises(ValueError, match="EXCEPTION_RAISED"):
        make_engine().add_event_handler(Events.EXCEPTION_RAISED, lambda: None)


def test_non_callable_handler_is_refused() -> None:
    with pytest.raises(TypeError, match="callable"):
        make_engine().add_event_handler(Events.STARTED, "not a function")


def test_on_decorator_attaches_with_args_and_returns_the_function() -> None:
    engine = make_engine()
    calls: list[tuple[Any, ...]] = []

    @engine.on(Events.EPOCH_COMPLETED(every=2), "tag", n=3)
    def handler(engine: Engine, tag: str, n: int) -> None:
        calls.append((engine.state.epoch, tag, n))

    assert handler.__name__ == "handler"
    assert engine.has_event_handler(handler, Events.EPOCH_COMPLETED)
    engine.run([0], max_epochs=4)
    assert calls == [(2, "tag", 3), (4, "tag", 3)]


# ----------------------------------------------------------------------------- order and removal


def test_handlers_of_one_event_run_in_registration_order() -> None:
    engine = make_engine()
    order: list[str] = []
    first = lambda: order.append("first")  # noqa: E731
    second = lambda: order.append("second")  # noqa: E731
    third = lambda: order.append("third")  # noqa: E731
    for handler in (first, second, third):
        engine.add_event_handler(Events.STARTED, handler)
    engine.run([0])
    assert order == ["first", "second", "third"]

    order.clear()
    engine.remove_event_handler(second, Events.STARTED)
    engine.add_event_handler(Events.STARTED, second)
    engine.run([0])
    assert order == ["first", "third", "second"]


def test_has_event_handler_looks_in_one_event_or_all() -> None:
    engine = make_engine()

    def handler(engine: Engine) -> None: ...

    def other(engine: Engine) -> None: ...

    engine.add_event_handler(Events.EPOCH_COMPLETED(every=3), handler)
    assert engine.has_event_handler(handler)
    assert engine.has_event_handler(handler, Events.EPOCH_COMPLETED)
    assert engine.has_event_handler(handler, Events.EPOCH_COMPLETED(every=2))
    assert not engine.has_event_handler(handler, Events.EPOCH_STARTED)
    assert not engine.has_event_handler(other)


def test_remove_event_handler_detaches_from_that_event_only() -> None:
    engine = make_engine()
    calls: list[str] = []

    def handler(engine: Engine) -> None:
        calls.append(str(engine.last_event_name))

    engine.add_event_handler(Events.STARTED, handler)
    engine.add_event_handler(Events.COMPLETED, handler)
    engine.remove_event_handler(handler, Events.STARTED)
    engine.run([0])
    assert calls == ["completed"]
    assert not engine.has_event_handler(handler, Events.STARTED)


def test_removing_a_handler_that_is_not_attached_raises_naming_it() -> None:
    engine = make_engine()

    def stray(engine: Engine) -> None: ...

    engine.add_event_handler(Events.COMPLETED, stray)
    with pytest.raises(ValueError, match=r"stray.*not attached.*STARTED"):
        engine.remove_event_handler(stray, Events.STARTED)
    with pytest.raises(ValueError, match="not attached"):
        engine.remove_event_handler(lambda: None, Events.COMPLETED)


def test_handle_remove_detaches_the_handler() -> None:
    engine = make_engine()
    calls: list[int] = []
    handle = engine.add_event_handler(Events.COMPLETED, lambda: calls.append(1))
    assert isinstance(handle, RemovableEventHandle)
    engine.run([0])
    handle.remove()
    engine.run([0])
    handle.remove()  # a second remove does nothing
    assert calls == [1]


def test_handle_as_context_manager_keeps_the_handler_for_the_block() -> None:
    engine = make_engine()
    epochs: list[int] = []

    def print_epoch(engine: Engine) -> None:
        epochs.append(engine.state.epoch)

    with engine.add_event_handler(Events.EPOCH_COMPLETED, print_epoch):
        engine.run([0], max_epochs=2)
    engine.run([0], max_epochs=2)
    assert epochs == [1, 2]
    assert not engine.has_event_handler(print_epoch)


def test_handle_of_stacked_events_removes_every_registration() -> None:
    engine = make_engine()

    def handler() -> None: ...

    handle = engine.add_event_handler(Events.STARTED | Events.EPOCH_COMPLETED(every=2), handler)
    assert engine.has_event_handler(handler, Events.STARTED)
    assert engine.has_event_handler(handler, Events.EPOCH_COMPLETED)
    handle.remove()
    assert not engine.has_event_handler(handler)


def test_handle_of_a_bound_method_removes_it() -> None:
    engine = make_engine()
    recorder = Recorder()
    handle = engine.add_event_handler(Events.STARTED, recorder.with_engine)
    handle.remove()
    engine.run([0])
    assert recorder.calls == []


def test_handle_holds_handler_weakly_and_drops_it_once_collected() -> None:
    engine = make_engine()
    recorder = Recorder()
    handle = engine.add_event_handler(Events.STARTED, recorder.with_engine)
    alive = weakref.ref(recorder)

    engine.remove_event_handler(recorder.with_engine, Events.STARTED)
    del recorder
    gc.collect()

    assert alive() is None  # neither the engine nor the handle kept it
    assert handle.handler() is None
    handle.remove()  # the handler is gone: nothing to do, no error


def test_handle_holds_engine_weakly() -> None:
    engine = make_engine()
    handle = engine.add_event_handler(Events.STARTED, lambda: None)
    alive = weakref.ref(engine)
    del engine
    gc.collect()
    assert alive() is None
    handle.remove()  # the engine is gone: nothing to do, no error


# ----------------------------------------------------------------------------- custom events


class StepEvents(EventEnum):
    BACKWARD = "backward"
    OPTIM_STEP = "optim_step"


def test_register_events_creates_counters_that_filters_read() -> None:
    def step(engine: Engine, batch: Any) -> None:
        engine.fire_event(StepEvents.BACKWARD)
        if batch % 2:
            engine.state.optim_steps += 1
            engine.fire_event(StepEvents.OPTIM_STEP)

    engine = Engine(step)
    engine.register_events(*StepEvents, event_to_attr={StepEvents.OPTIM_STEP: "optim_steps"})
    assert engine.state.optim_steps == 0
    backward: list[int] = []
    steps: list[tuple[int, int]] = []
    engine.add_event_handler(StepEvents.BACKWARD, lambda e: backward.append(e.state.iteration))
    engine.add_event_handler(
        StepEvents.OPTIM_STEP(every=2),
        lambda e: steps.append((e.state.iteration, e.state.optim_steps)),
    )
    engine.run(range(10))
    assert backward == list(range(1, 11))
    assert steps == [(4, 2), (8, 4)]
    assert engine.state.optim_steps == 5


def test_string_and_plain_enum_events_can_be_registered_and_fired() -> None:
    class Plain(Enum):
        FOO = "foo"

    engine = make_engine()
    engine.register_events("checkpoint_ready", Plain.FOO)
    calls: list[str] = []
    engine.add_event_handler("checkpoint_ready", lambda: calls.append("ready"))
    engine.add_event_handler(Plain.FOO, lambda e: calls.append(str(e.last_event_name)))
    engine.fire_event("checkpoint_ready")
    engine.fire_event(Plain.FOO)
    assert calls == ["ready", "Plain.FOO"]


def test_firing_an_unregistered_event_raises_saying_so() -> None:
    engine = make_engine()
    with pytest.raises(UnknownEventError, match=r"StepEvents\.BACKWARD.*not registered"):
        engine.fire_event(StepEvents.BACKWARD)
    with pytest.raises(UnknownEventError, match="'nope' is not registered"):
        engine.fire_event("nope")


def test_attaching_to_an_unregistered_event_raises() -> None:
    with pytest.raises(UnknownEventError, match=r"StepEvents\.OPTIM_STEP"):
        make_engine().add_event_handler(StepEvents.OPTIM_STEP, lambda: None)


def test_registering_a_filtered_event_is_refused() -> None:
    with pytest.raises(TypeError, match="register plain events"):
        make_engine().register_events(StepEvents.BACKWARD(every=2))


def test_event_to_attr_for_an_unregistered_event_is_refused() -> None:
    engine = make_engine()
    with pytest.raises(ValueError, match="not registered"):
        engine.register_events(StepEvents.BACKWARD, event_to_attr={"other": "count"})


def test_custom_events_of_one_engine_are_unknown_to_another() -> None:
    trainer, evaluator = make_engine(), make_engine()
    trainer.register_events(*StepEvents)
    with pytest.raises(UnknownEventError):
        evaluator.fire_event(StepEvents.BACKWARD)
