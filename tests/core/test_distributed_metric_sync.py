"""Metrics reduce over processes once ember.distributed runs a group of more than one.

Two gloo processes each update the reference metrics on their share of seven batches (rank ``r``
takes batches ``r, r + 2, ...``); the oracle is the same metrics updated on all seven batches in
this (single) process. ``state_dict`` must hold one entry per rank, each the rank's own
accumulators, and loading it back must give the same result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from distributed_script import load_ranks, metric_batches, metric_input, run
from reference_metric import CountingAccuracy, MeanAbsoluteError, PerClassPrecision, SummaryStats

from ember.metric import Metric
from ember.metric.reduction import SERIAL_HOOKS, get_collective_hooks

pytestmark = pytest.mark.slow

WORLD = 2


def _metrics() -> dict[str, Metric]:
    return {
        "accuracy": CountingAccuracy(),
        "mae": MeanAbsoluteError(),
        "precision": PerClassPrecision(num_classes=3),
        "summary": SummaryStats(),
    }


def _updated(batches: list[Any]) -> dict[str, Metric]:
    metrics = _metrics()
    for name, metric in metrics.items():
        for batch in batches:
            metric.update(metric_input(name, batch))
    return metrics


def _close(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            _close(actual[key], expected[key]) for key in expected
        )
    if isinstance(expected, torch.Tensor):
        return bool(torch.allclose(actual, expected))
    return bool(actual == pytest.approx(expected))


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("metric")
    run("metric", Path(out), "--nproc", str(WORLD))
    results = load_ranks(out)
    assert len(results) == WORLD
    return results


def test_workers_use_the_distributed_hooks_and_this_process_keeps_the_serial_ones(
    ranks: list[dict[str, Any]],
) -> None:
    assert [results["hooks"] for results in ranks] == [True] * WORLD
    assert get_collective_hooks() is SERIAL_HOOKS


@pytest.mark.parametrize("name", sorted(_metrics()))
def test_split_data_computes_what_one_process_computes_on_all_data(
    ranks: list[dict[str, Any]], name: str
) -> None:
    expected = _updated(metric_batches())[name].compute()
    for rank, results in enumerate(ranks):
        for key in ("computed", "computed_twice", "restored"):
            actual = results[key][name]
            assert _close(actual, expected), f"rank {rank} {key} {name}: {actual} != {expected}"


@pytest.mark.parametrize("name", sorted(_metrics()))
def test_state_dict_gathers_each_rank_own_accumulators(
    ranks: list[dict[str, Any]], name: str
) -> None:
    batches = metric_batches()
    per_rank = [
        _updated(batches[rank::WORLD])[name].state_dict()["__metric_state_per_rank"][0]
        for rank in range(WORLD)
    ]
    for rank, results in enumerate(ranks):
        gathered = results["state"][name]["__metric_state_per_rank"]
        assert len(gathered) == WORLD, f"rank {rank}: one entry per rank expected"
        for index, (actual, expected) in enumerate(zip(gathered, per_rank, strict=True)):
            assert list(actual) == list(expected)
            for key in expected:
                assert _close(actual[key], expected[key]), (
                    f"rank {rank} sees rank {index}'s {key} as {actual[key]}, "
                    f"expected {expected[key]}"
                )
