"""Every collective and helper of ember.distributed in real gloo process groups.

Three launches, each run once for the module: ``spawn`` with 2 processes, ``Parallel`` spawning 3
(where semantics differ with more than two: strings of three lengths, sources other than 0,
groups that leave a rank out), and ``torchrun`` with 2 processes joined by ``Parallel``. Each
process records ``(actual, expected)`` pairs (see ``distributed_script.collective_checks``); the
expected values come from plain ``torch.distributed`` or from Python over the values each rank
holds. The tests below assert them by topic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from distributed_script import load_ranks, run, same

pytestmark = pytest.mark.slow

LAUNCHES = {
    "spawn-2": {"options": ("--launch", "spawn", "--nproc", "2"), "world": 2},
    "parallel-3": {"options": ("--launch", "parallel", "--nproc", "3"), "world": 3},
    "torchrun-2": {"options": (), "torchrun": 2, "world": 2},
}

TOPICS = {
    "topology": (
        "rank",
        "world_size",
        "local_rank",
        "nproc_per_node",
        "nnodes",
        "node_rank",
        "backend",
        "model_name",
        "device",
        "hostname",
    ),
    "all_reduce": ("all_reduce_",),
    "all_gather": (
        "all_gather_tensor",
        "all_gather_scalar",
        "all_gather_matrix",
        "all_gather_int",
        "all_gather_float",
        "all_gather_str",
        "all_gather_object",
        "all_gather_group",
    ),
    "all_gather_tensors_with_shapes": ("all_gather_with_shapes",),
    "broadcast": ("broadcast_",),
    "new_group": ("new_group_",),
    "barrier_and_rank_helpers": ("barrier_", "one_rank_"),
    "metric_hooks": ("metric_hooks_",),
    "show_config_and_sync": ("show_config", "sync_"),
}


@pytest.fixture(scope="module", params=sorted(LAUNCHES))
def launch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    spec = LAUNCHES[request.param]
    out = tmp_path_factory.mktemp(request.param)
    run("checks", out, *spec["options"], torchrun=spec.get("torchrun", 0))
    ranks = load_ranks(out)
    assert len(ranks) == spec["world"], f"{request.param}: expected one result file per rank"
    return request.param, out, ranks


def _topic_of(name: str) -> str | None:
    for topic, prefixes in TOPICS.items():
        if any(name == prefix or name.startswith(prefix) for prefix in prefixes):
            return topic
    return None


def _assert_topic(launch: Any, topic: str) -> None:
    label, _, ranks = launch
    checked = 0
    for rank, results in enumerate(ranks):
        for name, (actual, expected) in results.items():
            if _topic_of(name) != topic:
                continue
            checked += 1
            assert same(actual, expected), (
                f"{label}, rank {rank}, {name}: got {actual!r}, expected {expected!r}"
            )
    assert checked, f"no {topic} check was recorded"


def test_topology_matches_torch_distributed(launch: Any) -> None:
    _assert_topic(launch, "topology")


def test_all_reduce_matches_torch_distributed_for_every_op_type_and_group(launch: Any) -> None:
    _assert_topic(launch, "all_reduce")


def test_all_gather_of_tensors_numbers_strings_and_objects(launch: Any) -> None:
    _assert_topic(launch, "all_gather")


def test_all_gather_tensors_with_shapes_returns_each_rank_tensor(launch: Any) -> None:
    _assert_topic(launch, "all_gather_tensors_with_shapes")


def test_broadcast_of_every_kind_from_every_source(launch: Any) -> None:
    _assert_topic(launch, "broadcast")


def test_new_group_checks_its_ranks(launch: Any) -> None:
    _assert_topic(launch, "new_group")


def test_barrier_one_rank_only_and_one_rank_first_order_the_ranks(launch: Any) -> None:
    _assert_topic(launch, "barrier_and_rank_helpers")


def test_metric_hooks_are_installed_while_the_group_runs(launch: Any) -> None:
    _assert_topic(launch, "metric_hooks")


def test_show_config_logs_and_sync_keeps_the_running_group(launch: Any) -> None:
    _assert_topic(launch, "show_config_and_sync")


def test_every_recorded_check_belongs_to_a_tested_topic(launch: Any) -> None:
    label, _, ranks = launch
    untested = sorted({name for results in ranks for name in results if _topic_of(name) is None})
    assert not untested, f"{label}: checks no test asserts: {untested}"


@pytest.mark.parametrize("launch", ["torchrun-2"], indirect=True)
def test_group_made_by_hand_is_noticed_and_forgotten(launch: Any) -> None:
    # After Parallel, the torchrun processes start and destroy a group with torch.distributed.
    _, out, _ = launch
    after = load_ranks(Path(out), prefix="after")
    assert len(after) == 2
    for rank, results in enumerate(after):
        for name, (actual, expected) in results.items():
            assert same(actual, expected), (
                f"rank {rank}, {name}: got {actual!r}, expected {expected!r}"
            )
