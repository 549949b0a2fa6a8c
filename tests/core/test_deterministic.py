"""DeterministicEngine: a run saved mid-epoch and resumed in a new process replays exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from ember.engine import DeterministicEngine, Engine, Events

SCRIPT = Path(__file__).with_name("deterministic_script.py")


def run_script(*args: str) -> None:
    subprocess.run([sys.executable, str(SCRIPT), *args], check=True, timeout=300)


@pytest.mark.parametrize(
    ("variant", "stop"),
    [("plain", 7), ("plain", 10), ("plain", 23), ("generator", 6)],
    ids=["mid-epoch", "epoch-boundary", "third-epoch", "own-generator-short-epochs"],
)
def test_resume_in_new_process_replays_uninterrupted_run(
    tmp_path: Path, variant: str, stop: int
) -> None:
    state, first, second = tmp_path / "state.pt", tmp_path / "a.pt", tmp_path / "b.pt"
    common = ["--state", str(state), "--variant", variant, "--stop", str(stop)]
    run_script("full", str(first), *common)
    run_script("resume", str(second), *common)
    recorded = torch.load(first, weights_only=True)
    full, head = recorded["full"], recorded["head"]
    tail = torch.load(second, weights_only=True)["tail"]

    assert [r["iteration"] for r in head] == list(range(1, stop + 1))
    assert [r["iteration"] for r in tail] == list(range(stop + 1, len(full) + 1))
    for expected, got in zip(full, head + tail, strict=True):
        assert got == expected, f"iteration {expected['iteration']} differs after resume"
    # The run really is random: shuffles differ between passes and draws between iterations.
    assert full[0]["index"] != full[10]["index"] or variant == "generator"
    assert len({r["python"] for r in full}) == len(full)


def record_outputs(engine: Engine) -> list[object]:
    seen: list[object] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.output))
    return seen


def test_same_seed_same_draws_other_seed_other_draws() -> None:
    def draws(seed: int) -> list[object]:
        engine = DeterministicEngine(lambda engine, batch: (batch.tolist(), torch.rand(1).item()))
        seen = record_outputs(engine)
        engine.run(DataLoader(range(8), batch_size=2, shuffle=True), max_epochs=2, seed=seed)
        return seen

    assert draws(5) == draws(5)
    assert draws(5) != draws(6)


def test_seed_is_drawn_when_unset_and_kept_in_state_dict() -> None:
    engine = DeterministicEngine(lambda engine, batch: None)
    torch.manual_seed(0)
    first = engine.run([1, 2, 3]).seed
    assert isinstance(first, int)
    engine2 = DeterministicEngine(lambda engine, batch: None)
    torch.manual_seed(0)
    assert engine2.run([1, 2, 3]).seed == first
    assert engine.state_dict()["seed"] == first


def test_state_dict_loads_with_weights_only(tmp_path: Path) -> None:
    import numpy  # noqa: F401  (so that the numpy state is recorded too)

    engine = DeterministicEngine(lambda engine, batch: None)
    engine.run([1, 2], seed=3)
    torch.save(engine.state_dict(), tmp_path / "s.pt")
    loaded = torch.load(tmp_path / "s.pt", weights_only=True)
    assert loaded["seed"] == 3
    assert set(loaded["rng_states"]) >= {"torch", "python", "numpy"}


def test_resume_without_len_skips_consumed_items_of_fresh_iterable() -> None:
    class Stream:
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(range(100, 106))

    def run(stop: int | None, saved: dict[str, object] | None) -> tuple[list[object], dict]:
        engine = DeterministicEngine(lambda engine, batch: (batch, torch.rand(1).item()))
        seen = record_outputs(engine)
        if stop:
            engine.add_event_handler(Events.ITERATION_COMPLETED(once=stop), Engine.terminate)
        if saved:
            engine.load_state_dict(saved)
        engine.run(Stream(), epoch_length=6, max_epochs=2, seed=1)
        return seen, engine.state_dict()

    full, _ = run(None, None)
    assert [batch for batch, _ in full] == [*range(100, 106)] * 2
    head, saved = run(4, None)
    tail, _ = run(None, saved)
    assert head + tail == full
    assert [batch for batch, _ in tail][:2] == [104, 105]


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed_is_refused(seed: object) -> None:
    engine = DeterministicEngine(lambda engine, batch: None)
    with pytest.raises(ValueError, match="seed should be a non-negative int"):
        engine.run([1], seed=seed)  # type: ignore[arg-type]
