"""Frequency: protocol with a deterministic clock, numpy-free arithmetic oracle, attach."""

from __future__ import annotations

import pytest
import torch
from classification_oracles import check_with_expected

from ember.engine import Engine, Events
from ember.exceptions import NotComputableError
from ember.metric.reduction import CollectiveHooks, set_collective_hooks
from ember_metrics import Frequency


class TickingFrequency(Frequency):
    """A Frequency whose clock advances one second per reading: one second per update."""

    def _clock(self) -> float:
        self._ticks = getattr(self, "_ticks", 0.0) + 1.0
        return self._ticks


@pytest.mark.parametrize("counts", [[6], [4, 8, 6], [10, 0, 5, 1]])
def test_rate_is_total_count_over_elapsed_seconds(counts):
    # Oracle: sum(counts) / number of updates, since each update takes one clock second.
    check_with_expected(TickingFrequency, counts, sum(counts) / len(counts))


def test_attached_rate_is_stored_as_an_int_every_iteration():
    engine = Engine(lambda engine, batch: batch)
    TickingFrequency().attach(engine, "tokens/s")
    seen = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.metrics["tokens/s"])
    )
    engine.run([10, 20, 3])
    assert seen == [10, 15, 11]


def test_real_clock_gives_a_positive_rate():
    frequency = Frequency()
    frequency.update(1000)
    assert frequency.compute() > 0


def test_zero_dim_tensor_counts_are_accepted():
    frequency = TickingFrequency()
    frequency.update(torch.tensor(7))
    assert frequency.compute() == 7.0


def test_rate_in_a_distributed_run_is_the_total_throughput():
    # Two identical fake ranks: counts and times are summed, the time is averaged back.
    twice = CollectiveHooks(
        get_world_size=lambda: 2,
        get_rank=lambda: 0,
        all_reduce=lambda value, op: value * 2,
        all_gather=lambda value: [value, value],
    )
    frequency = TickingFrequency()
    frequency.update(30)
    previous = set_collective_hooks(twice)
    try:
        assert frequency.compute() == 60.0
    finally:
        set_collective_hooks(previous)


def test_compute_before_update_is_not_computable():
    with pytest.raises(NotComputableError, match="Frequency"):
        Frequency().compute()


def test_non_numeric_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"Frequency\.update"):
        Frequency().update("12")


def test_detach_removes_every_handler():
    engine = Engine(lambda engine, batch: batch)
    frequency = Frequency()
    frequency.attach(engine, "rate")
    frequency.detach(engine)
    assert not frequency.is_attached(engine)
    assert "rate" not in engine.run([1, 2]).metrics
