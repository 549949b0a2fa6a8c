"""Launching: Parallel's log, explicit init methods, and failures that end in bounded time.

Each test runs ``distributed_script.py`` in a process of its own (gloo on the CPU), with a timeout
far above the expected duration, so that a hang fails the test instead of the suite.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from distributed_script import command, launch, load_ranks, run, same

pytestmark = pytest.mark.slow

# A rank that fails makes the run fail in seconds; a hang would last the whole timeout.
BOUND_SECONDS = 30


def _failure(out: Path, name: str) -> dict[str, Any]:
    path = out / f"failure-{name}.json"
    assert path.exists(), f"the launching process wrote no failure report {path.name}"
    return dict(json.loads(path.read_text()))


def test_parallel_spawn_logs_like_the_seed_example(tmp_path: Path) -> None:
    done = run("seed", tmp_path)
    prints = sorted(line for line in done.stdout.splitlines() if "run with config" in line)
    assert prints == [
        "0 : run with config: {'c': 12345} - backend= gloo",
        "1 : run with config: {'c': 12345} - backend= gloo",
    ]
    prefix = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ember\.distributed\.launcher\.Parallel INFO: "
    expected = [
        prefix + re.escape("Initialized distributed launcher with backend: 'gloo'"),
        prefix + re.escape("- Parameters to spawn processes: "),
        re.escape("\tnproc_per_node: 2"),
        re.escape("\tnnodes: 1"),
        re.escape("\tnode_rank: 0"),
        prefix + r"Spawn function '<function _seed_training at 0x[0-9a-f]+>' in 2 processes",
        prefix + re.escape("End of run"),
    ]
    lines = done.stderr.splitlines()
    assert len(lines) == len(expected), done.stderr
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), f"{line!r} does not match {pattern!r}"


def test_spawn_with_tcp_and_parallel_with_file_init_methods(tmp_path: Path) -> None:
    run("init-methods", tmp_path)
    for label in ("tcp", "file"):
        ranks = load_ranks(tmp_path, prefix=label)
        assert len(ranks) == 2, f"{label}: expected two processes"
        for rank, results in enumerate(ranks):
            for name, (actual, expected) in results.items():
                assert same(actual, expected), f"{label} rank {rank} {name}: {actual!r}"


@pytest.mark.parametrize("how", ["spawn", "parallel"])
def test_a_failing_rank_raises_its_error_in_the_parent(tmp_path: Path, how: str) -> None:
    done = launch(command("fail", tmp_path, "--launch", how), timeout=120)
    assert done.returncode != 0
    report = _failure(tmp_path, "parent")
    # the original error, not torch's report nor the error of the rank that lost its peer
    assert (report["type"], report["message"]) == ("ValueError", "rank 1 failed on purpose")
    assert report["cause"] == "ProcessRaisedException"  # torch's report, chained
    if sys.version_info >= (3, 11):
        note = "\n".join(report["notes"])
        assert "raised first by the process of local rank 1" in note
        assert 'raise ValueError("rank 1 failed on purpose")' in note
    assert report["seconds"] < BOUND_SECONDS
    assert "ValueError: rank 1 failed on purpose" in done.stderr


def test_a_failing_rank_under_torchrun_fails_every_rank(tmp_path: Path) -> None:
    done = launch(command("fail", tmp_path, torchrun=2), timeout=120)
    assert done.returncode != 0
    assert "ValueError: rank 1 failed on purpose" in done.stderr
    failed = _failure(tmp_path, "1")
    assert (failed["type"], failed["message"]) == ("ValueError", "rank 1 failed on purpose")
    peer = _failure(tmp_path, "0")  # rank 0 was waiting in all_reduce for rank 1
    assert peer["type"] == "RuntimeError"
    assert peer["seconds"] < BOUND_SECONDS


def test_a_collective_whose_peer_never_comes_times_out(tmp_path: Path) -> None:
    run("timeout", tmp_path)
    report = json.loads((tmp_path / "timeout.json").read_text())
    assert report["type"] == "RuntimeError", report
    assert "timed out" in report["message"].lower(), report["message"]
    # timeout=2 s: the error comes long before the silent peer's 60 s sleep ends
    assert report["seconds"] < BOUND_SECONDS
