"""Events, their filters and stacking: members, allowed arguments, errors and firing semantics.

Where the firing of a filtered handler is checked, the expected iterations or epochs come from a
plain ``range``/set computation written here, never from ember's own filter functions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.engine import (
    CallableEventWithFilter,
    Engine,
    EventEnum,
    Events,
    EventsList,
    FilteredEvent,
)

# Names and values as listed on the seed API page (004) and in Ignite 0.5.5.
EXPECTED_MEMBERS = {
    "EPOCH_STARTED": "epoch_started",
    "EPOCH_COMPLETED": "epoch_completed",
    "STARTED": "started",
    "COMPLETED": "completed",
    "ITERATION_STARTED": "iteration_started",
    "ITERATION_COMPLETED": "iteration_completed",
    "EXCEPTION_RAISED": "exception_raised",
    "GET_BATCH_STARTED": "get_batch_started",
    "GET_BATCH_COMPLETED": "get_batch_completed",
    "DATALOADER_STOP_ITERATION": "dataloader_stop_iteration",
    "TERMINATE": "terminate",
    "TERMINATE_SINGLE_EPOCH": "terminate_single_epoch",
    "INTERRUPT": "interrupt",
}


class Custom(EventEnum):
    FOO = "foo"
    BAR = "bar"


# ----------------------------------------------------------------------------- members


def test_events_has_exactly_the_ignite_members_and_values() -> None:
    assert {member.name: member.value for member in Events} == EXPECTED_MEMBERS


def test_events_members_equal_those_of_pytorch_ignite() -> None:
    pytest.importorskip("ignite")
    from ignite.engine import Events as IgniteEvents

    theirs = {member.name: member.value for member in IgniteEvents}
    assert {member.name: member.value for member in Events} == theirs


def test_event_str_is_its_value_and_repr_names_the_enum() -> None:
    assert str(Events.EPOCH_COMPLETED) == "epoch_completed"
    assert repr(Events.EPOCH_COMPLETED) == "Events.EPOCH_COMPLETED"
    assert str(Custom.FOO) == "foo"
    assert repr(Custom.FOO) == "Custom.FOO"


def test_plain_event_is_its_own_event_without_filter() -> None:
    assert Events.STARTED.event is Events.STARTED
    assert Events.STARTED.filter is None
    assert isinstance(Events.STARTED, CallableEventWithFilter)


def test_every_one_without_bounds_is_the_plain_event() -> None:
    assert Events.ITERATION_COMPLETED(every=1) is Events.ITERATION_COMPLETED


def test_filtered_event_keeps_name_value_and_str_of_its_event() -> None:
    filtered = Events.EPOCH_COMPLETED(every=3)
    assert isinstance(filtered, FilteredEvent)
    assert filtered.event is Events.EPOCH_COMPLETED
    assert (filtered.name, filtered.value, str(filtered)) == (
        "EPOCH_COMPLETED",
        "epoch_completed",
        "epoch_completed",
    )
    assert "EPOCH_COMPLETED" in repr(filtered)


# ----------------------------------------------------------------------------- arguments

ALLOWED = [
    pytest.param({"every": 3}, id="every"),
    pytest.param({"once": 2}, id="once-int"),
    pytest.param({"once": [2, 5]}, id="once-list"),
    pytest.param({"once": (2, 5)}, id="once-tuple"),
    pytest.param({"once": {2, 5}}, id="once-set"),
    pytest.param({"before": 4}, id="before"),
    pytest.param({"after": 4}, id="after"),
    pytest.param({"before": 9, "after": 2}, id="before-after"),
    pytest.param({"every": 2, "before": 9}, id="every-before"),
    pytest.param({"every": 2, "after": 3}, id="every-after"),
    pytest.param({"every": 2, "before": 9, "after": 3}, id="every-before-after"),
    pytest.param({"event_filter": lambda engine, counter: True}, id="event_filter"),
]


@pytest.mark.parametrize("kwargs", ALLOWED)
def test_allowed_filter_arguments_give_a_filtered_event(kwargs: dict[str, Any]) -> None:
    filtered = Events.ITERATION_COMPLETED(**kwargs)
    assert isinstance(filtered, FilteredEvent)
    assert filtered.event is Events.ITERATION_COMPLETED
    assert callable(filtered.filter)


def _keep(engine: Any, counter: int) -> bool:
    return True


REFUSED = [
    pytest.param({}, id="nothing"),
    pytest.param({"every": 2, "once": 3}, id="every-once"),
    pytest.param({"once": 3, "before": 5}, id="once-before"),
    pytest.param({"once": 3, "after": 1}, id="once-after"),
    pytest.param({"event_filter": _keep, "every": 2}, id="event_filter-every"),
    pytest.param({"event_filter": _keep, "once": 2}, id="event_filter-once"),
    pytest.param({"event_filter": _keep, "before": 2}, id="event_filter-before"),
    pytest.param({"event_filter": _keep, "after": 2}, id="event_filter-after"),
]


@pytest.mark.parametrize("kwargs", REFUSED)
def test_refused_filter_combinations_raise(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one of"):
        Events.ITERATION_COMPLETED(**kwargs)


BAD_VALUES = [
    pytest.param("every", 0, id="every-zero"),
    pytest.param("every", -3, id="every-negative"),
    pytest.param("every", 1.5, id="every-float"),
    pytest.param("every", "5", id="every-str"),
    pytest.param("every", True, id="every-bool"),
    pytest.param("once", 0, id="once-zero"),
    pytest.param("once", -1, id="once-negative"),
    pytest.param("once", 2.0, id="once-float"),
    pytest.param("once", [], id="once-empty"),
    pytest.param("once", [1, 0], id="once-list-with-zero"),
    pytest.param("once", [1, "2"], id="once-list-with-str"),
    pytest.param("once", "12", id="once-str"),
    pytest.param("before", -1, id="before-negative"),
    pytest.param("before", "3", id="before-str"),
    pytest.param("after", -1, id="after-negative"),
    pytest.param("after", 2.5, id="after-float"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_bad_filter_value_raises_naming_the_argument(name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=rf"\b{name}\b") as info:
        Events.EPOCH_COMPLETED(**{name: value})
    shown = value if not isinstance(value, list) or not value else value[-1]
    assert repr(shown) in str(info.value)


@pytest.mark.parametrize("value", [5, "filter", [1, 2]])
def test_non_callable_event_filter_raises_type_error_naming_it(value: Any) -> None:
    with pytest.raises(TypeError, match="event_filter"):
        Events.ITERATION_COMPLETED(event_filter=value)


def test_filtering_a_filtered_event_again_is_refused() -> None:
    with pytest.raises(TypeError, match="already has a filter"):
        Events.EPOCH_COMPLETED(every=2)(once=3)


# ----------------------------------------------------------------------------- stacking


def test_or_of_two_events_is_an_events_list_in_order() -> None:
    stacked = Events.STARTED | Events.COMPLETED
    assert isinstance(stacked, EventsList)
    assert list(stacked) == [Events.STARTED, Events.COMPLETED]
    assert len(stacked) == 2
    assert stacked[1] is Events.COMPLETED


def test_events_list_or_event_appends_and_lists_flatten() -> None:
    every_two = Events.EPOCH_COMPLETED(every=2)
    stacked = Events.STARTED | every_two | Events.COMPLETED
    assert list(stacked) == [Events.STARTED, every_two, Events.COMPLETED]
    joined = stacked | (Events.ITERATION_STARTED | Custom.FOO)
    assert list(joined) == [
        Events.STARTED,
        every_two,
        Events.COMPLETED,
        Events.ITERATION_STARTED,
        Custom.FOO,
    ]


def test_custom_and_filtered_events_stack_with_core_events() -> None:
    stacked = Custom.FOO(every=2) | Events.COMPLETED
    assert stacked[0].event is Custom.FOO
    assert stacked[1] is Events.COMPLETED


@pytest.mark.parametrize("other", [5, None, 2.5, object()])
def test_stacking_something_that_is_not_an_event_raises(other: Any) -> None:
    with pytest.raises(TypeError, match="stacked"):
        Events.STARTED | other


def test_stacked_handler_fires_for_each_event_and_filter() -> None:
    engine = Engine(lambda engine, batch: None)
    seen: list[tuple[int, str]] = []
    stacked = Events.STARTED | Events.EPOCH_COMPLETED(every=2) | Events.COMPLETED
    engine.add_event_handler(
        stacked, lambda e: seen.append((e.state.epoch, str(e.last_event_name)))
    )
    engine.run([0, 1], max_epochs=5)
    assert seen == [
        (0, "started"),
        (2, "epoch_completed"),
        (4, "epoch_completed"),
        (5, "completed"),
    ]


# ----------------------------------------------------------------------------- custom events


def test_custom_event_enum_members_accept_filters() -> None:
    filtered = Custom.FOO(every=2)
    assert isinstance(filtered, FilteredEvent)
    assert filtered.event is Custom.FOO
    assert Custom.BAR(once=[1, 3]).event is Custom.BAR


def test_filtered_custom_event_fires_on_its_counter() -> None:
    def step(engine: Engine, batch: Any) -> None:
        for _ in range(2):  # two FOO per batch
            engine.state.foo_count += 1
            engine.fire_event(Custom.FOO)

    engine = Engine(step)
    engine.register_events(*Custom, event_to_attr={Custom.FOO: "foo_count"})
    seen: list[int] = []
    engine.add_event_handler(Custom.FOO(every=3), lambda e: seen.append(e.state.foo_count))
    engine.run(range(5))
    assert seen == list(range(3, 11, 3))


def test_filter_on_custom_event_without_counter_is_refused_at_attach() -> None:
    engine = Engine(lambda engine, batch: None)
    engine.register_events(*Custom)
    with pytest.raises(ValueError, match="event_to_attr"):
        engine.add_event_handler(Custom.FOO(every=2), lambda: None)


# ----------------------------------------------------------------------------- semantics

EPOCHS = 4
EPOCH_LENGTH = 5
ITERATIONS = EPOCHS * EPOCH_LENGTH


def _fired(make: Callable[[Events], Any]) -> tuple[list[int], list[int]]:
    """Iterations where ``make(ITERATION_COMPLETED)`` fired, epochs where ``make(EPOCH_COMPLETED)``
    fired, over a run of EPOCHS epochs of EPOCH_LENGTH iterations."""
    iterations: list[int] = []
    epochs: list[int] = []
    engine = Engine(lambda engine, batch: None)
    record_iteration = lambda e: iterations.append(e.state.iteration)  # noqa: E731
    engine.add_event_handler(make(Events.ITERATION_COMPLETED), record_iteration)
    engine.add_event_handler(make(Events.EPOCH_COMPLETED), lambda e: epochs.append(e.state.epoch))
    engine.run(range(EPOCH_LENGTH), max_epochs=EPOCHS)
    return iterations, epochs


def _expected(total: int, every: int | None, before: int | None, after: int | None) -> list[int]:
    """The counters in 1..total a handler runs on, from first principles (Ignite's documentation:
    ``every=5, before=25, after=8`` runs on 9, 14, 19, 24)."""
    stop = total + 1 if before is None else min(before, total + 1)
    if before is None and after is None:
        return list(range(every or 1, total + 1, every or 1))
    first = (after or 0) + 1
    return list(range(first, max(stop, first), every or 1))


def test_every_filter_fires_on_multiples_only() -> None:
    iterations, epochs = _fired(lambda event: event(every=3))
    assert iterations == [3, 6, 9, 12, 15, 18]
    assert epochs == [3]


def test_every_with_window_counts_from_the_first_counter_after_it() -> None:
    # The example of Ignite's Events documentation, on epochs.
    engine = Engine(lambda engine, batch: None)
    seen: list[int] = []
    engine.add_event_handler(
        Events.EPOCH_STARTED(every=5, before=25, after=8), lambda e: seen.append(e.state.epoch)
    )
    engine.run([0], max_epochs=30)
    assert seen == [9, 14, 19, 24]


def test_before_and_after_fire_strictly_inside_the_window() -> None:
    iterations, epochs = _fired(lambda event: event(before=7, after=2))
    assert iterations == [3, 4, 5, 6]
    assert epochs == [3, 4]


def test_once_fires_only_on_the_given_counters() -> None:
    iterations, epochs = _fired(lambda event: event(once=[2, 4, 50]))
    assert iterations == [2, 4]
    assert epochs == [2, 4]


def test_completed_filter_reads_the_epoch() -> None:
    def run(max_epochs: int) -> list[str]:
        seen: list[str] = []
        engine = Engine(lambda engine, batch: None)
        engine.add_event_handler(Events.COMPLETED(once=3), lambda: seen.append("completed"))
        engine.run([0], max_epochs=max_epochs)
        return seen

    assert run(max_epochs=2) == []
    assert run(max_epochs=3) == ["completed"]


def test_event_filter_receives_engine_and_counter() -> None:
    calls: list[tuple[Engine, int]] = []

    def odd_iterations(engine: Engine, counter: int) -> bool:
        calls.append((engine, counter))
        return counter % 2 == 1

    engine = Engine(lambda engine, batch: None)
    fired: list[int] = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED(event_filter=odd_iterations),
        lambda e: fired.append(e.state.iteration),
    )
    engine.run(range(3), max_epochs=2)
    assert calls == [(engine, i) for i in range(1, 7)]
    assert fired == [1, 3, 5]


optional_bound = st.one_of(st.none(), st.integers(min_value=0, max_value=ITERATIONS + 3))


@settings(max_examples=80, deadline=None)
@given(
    every=st.one_of(st.none(), st.integers(min_value=1, max_value=ITERATIONS + 2)),
    before=optional_bound,
    after=optional_bound,
)
def test_every_before_after_fire_where_a_plain_range_says(
    every: int | None, before: int | None, after: int | None
) -> None:
    if every is None and before is None and after is None:
        every = 1

    iterations, epochs = _fired(lambda event: event(every=every, before=before, after=after))

    assert iterations == _expected(ITERATIONS, every, before, after)
    assert epochs == _expected(EPOCHS, every, before, after)


@settings(max_examples=60, deadline=None)
@given(
    once=st.one_of(
        st.integers(min_value=1, max_value=ITERATIONS + 5),
        st.lists(st.integers(min_value=1, max_value=ITERATIONS + 5), min_size=1, max_size=6),
        st.frozensets(st.integers(min_value=1, max_value=ITERATIONS + 5), min_size=1),
    )
)
def test_once_fires_where_a_plain_membership_test_says(once: int | Collection[int]) -> None:
    targets = {once} if isinstance(once, int) else set(once)

    iterations, epochs = _fired(lambda event: event(once=once))

    assert iterations == [i for i in range(1, ITERATIONS + 1) if i in targets]
    assert epochs == [e for e in range(1, EPOCHS + 1) if e in targets]


@settings(max_examples=80, deadline=None)
@given(
    every=st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
    once=st.one_of(st.none(), st.lists(st.integers(1, 30), min_size=1, max_size=4)),
    before=st.one_of(st.none(), st.integers(0, 30)),
    after=st.one_of(st.none(), st.integers(0, 30)),
)
def test_filters_agree_with_pytorch_ignite_on_every_counter(
    every: int | None, once: list[int] | None, before: int | None, after: int | None
) -> None:
    ignite_engine = pytest.importorskip("ignite.engine")
    kwargs = {"every": every, "before": before, "after": after}
    if once is not None:
        kwargs = {"once": once}
    elif every is None and before is None and after is None:
        kwargs = {"every": 2}

    ours = Events.ITERATION_COMPLETED(**kwargs).filter
    theirs = ignite_engine.Events.ITERATION_COMPLETED(**kwargs).filter

    def fires(check: Any, counter: int) -> bool:
        return check is None or bool(check(None, counter))

    assert [fires(ours, c) for c in range(40)] == [fires(theirs, c) for c in range(40)]
