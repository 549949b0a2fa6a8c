"""Engine.state_dict / load_state_dict: contents, resuming in a new engine, and errors."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pytest
import torch

from ember.engine import Engine, Events

DATA = [10, 11, 12]

Processed = list[tuple[int, int, Any]]


def engine_recording() -> tuple[Engine, Processed]:
    engine = Engine(lambda engine, batch: batch)
    seen: Processed = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED,
        lambda e: seen.append((e.state.epoch, e.state.iteration, e.state.batch)),
    )
    return engine, seen


def saved_at(event: Any, **run_kwargs: Any) -> tuple[dict[str, Any], Processed]:
    """The state dict taken when ``event`` fires (the run then stops), and what was processed."""
    engine, seen = engine_recording()
    saved: dict[str, Any] = {}

    def save_and_stop(engine: Engine) -> None:
        saved.update(engine.state_dict())
        engine.terminate()

    engine.add_event_handler(event, save_and_stop)
    engine.run(DATA, **run_kwargs)
    return saved, seen


def resumed(state_dict: Mapping[str, Any], **run_kwargs: Any) -> Processed:
    engine, seen = engine_recording()
    engine.load_state_dict(state_dict)
    engine.run(DATA, **run_kwargs)
    return seen


def full_run(**run_kwargs: Any) -> Processed:
    engine, seen = engine_recording()
    engine.run(DATA, **run_kwargs)
    return seen


# ----------------------------------------------------------------------------- contents


def test_state_dict_after_a_run_holds_counters_and_bound() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.run(DATA, max_epochs=2)
    assert engine.state_dict() == {"epoch_length": 3, "iteration": 6, "max_epochs": 2}


def test_state_dict_mid_run_holds_the_current_iteration() -> None:
    saved, _ = saved_at(Events.ITERATION_COMPLETED(once=4), max_epochs=3)
    assert saved == {"epoch_length": 3, "iteration": 4, "max_epochs": 3}


def test_state_dict_of_a_max_iters_run_saves_max_iters() -> None:
    # Regression: the max_epochs derived from max_iters was saved instead, so a resumed run
    # went on to the end of that epoch.
    saved, _ = saved_at(Events.ITERATION_COMPLETED(once=4), max_iters=7)
    assert saved == {"epoch_length": 3, "iteration": 4, "max_iters": 7}
    assert [it for _, it, _ in resumed(saved)] == [5, 6, 7]


def test_state_dict_equals_pytorch_ignites() -> None:
    ignite_engine = pytest.importorskip("ignite.engine")
    for kwargs in ({"max_epochs": 2}, {"max_iters": 5}):
        ours = Engine(lambda engine, batch: batch)
        theirs = ignite_engine.Engine(lambda engine, batch: batch)
        ours.run(DATA, **kwargs)
        theirs.run(DATA, **kwargs)
        assert ours.state_dict() == dict(theirs.state_dict())


def test_state_dict_loads_with_torch_weights_only() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.state_dict_user_keys.extend(["alpha", "history", "weights"])
    engine.state.alpha = 0.5
    engine.state.history = [1, 2, (3, "x")]
    engine.state.weights = torch.arange(3.0)
    engine.run(DATA, max_epochs=2)
    buffer = io.BytesIO()
    torch.save(engine.state_dict(), buffer)
    buffer.seek(0)

    loaded = torch.load(buffer, weights_only=True)

    assert loaded.keys() == engine.state_dict().keys()
    assert {k: v for k, v in loaded.items() if k != "weights"} == {
        "epoch_length": 3,
        "iteration": 6,
        "max_epochs": 2,
        "alpha": 0.5,
        "history": [1, 2, (3, "x")],
    }
    assert torch.equal(loaded["weights"], torch.arange(3.0))


# ----------------------------------------------------------------------------- resuming


def test_new_engine_resumes_at_an_epoch_boundary_with_the_same_batches() -> None:
    saved, head = saved_at(Events.EPOCH_COMPLETED(once=2), max_epochs=4)
    tail = resumed(saved)
    assert tail[0][:2] == (3, 7)  # not iteration 1: the run is resumed, not started over
    assert head + tail == full_run(max_epochs=4)


def test_new_engine_resumes_mid_epoch_at_the_saved_iteration() -> None:
    saved, head = saved_at(Events.ITERATION_COMPLETED(once=4), max_epochs=3)
    tail = resumed(saved)
    # The plain Engine, like Ignite's, iterates the data afresh on resume; replaying the exact
    # batches mid-epoch is DeterministicEngine's job (tests/core/test_deterministic.py).
    counters = [(epoch, it) for epoch, it, _ in head + tail]
    assert counters == [(epoch, it) for epoch, it, _ in full_run(max_epochs=3)]


def test_new_engine_resumes_with_raised_max_epochs() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.run(DATA, max_epochs=2)
    tail = resumed(engine.state_dict(), max_epochs=4)
    assert tail == full_run(max_epochs=4)[6:]


def test_loaded_state_dict_by_epoch_resumes_at_that_epoch() -> None:
    tail = resumed({"epoch_length": 3, "epoch": 2, "max_epochs": 3})
    assert tail == full_run(max_epochs=3)[6:]


def test_loaded_state_sets_counters_before_the_run() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.load_state_dict({"epoch_length": 3, "iteration": 7, "max_epochs": 5})
    state = engine.state
    assert (state.iteration, state.epoch, state.epoch_length, state.max_epochs) == (7, 2, 3, 5)


def test_loading_a_finished_state_then_running_starts_afresh() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.run(DATA, max_epochs=2)
    assert resumed(engine.state_dict(), max_epochs=2) == full_run(max_epochs=2)


# ----------------------------------------------------------------------------- user keys


def test_user_keys_are_saved_and_restored() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.state_dict_user_keys.append("best_loss")
    engine.state.best_loss = 0.25
    engine.run(DATA)
    saved = engine.state_dict()
    assert saved["best_loss"] == 0.25

    restored = Engine(lambda engine, batch: batch)
    restored.state_dict_user_keys.append("best_loss")
    restored.load_state_dict(saved)
    assert restored.state.best_loss == 0.25


def test_user_key_missing_from_the_state_dict_is_refused_naming_it() -> None:
    engine = Engine(lambda engine, batch: batch)
    engine.state_dict_user_keys.append("best_loss")
    with pytest.raises(ValueError, match="best_loss"):
        engine.load_state_dict({"epoch_length": 3, "iteration": 2, "max_epochs": 2})


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("state_dict", "message"),
    [
        pytest.param({"iteration": 2, "max_epochs": 2}, "epoch_length", id="no-epoch_length"),
        pytest.param({"epoch_length": 3, "max_epochs": 2}, "iteration", id="no-iteration-epoch"),
        pytest.param(
            {"epoch_length": 3, "iteration": 3, "epoch": 1, "max_epochs": 2},
            "iteration",
            id="iteration-and-epoch",
        ),
        pytest.param({"epoch_length": 3, "iteration": 2}, "max_epochs", id="no-bound"),
        pytest.param(
            {"epoch_length": 3, "iteration": 2, "max_epochs": 2, "max_iters": 5},
            "max_iters",
            id="both-bounds",
        ),
    ],
)
def test_malformed_state_dict_is_refused_naming_the_keys(
    state_dict: dict[str, Any], message: str
) -> None:
    engine = Engine(lambda engine, batch: batch)
    with pytest.raises(ValueError, match=message):
        engine.load_state_dict(state_dict)
    assert (engine.state.iteration, engine.state.max_epochs) == (0, None)


def test_state_dict_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(TypeError, match="mapping"):
        Engine(lambda engine, batch: batch).load_state_dict([("iteration", 1)])  # type: ignore[arg-type]
