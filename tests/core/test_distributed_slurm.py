"""Reading SLURM's environment: host lists, task counts, ranks, launchers inside a task.

The environments are synthetic (no SLURM here); one test starts two real processes with the
variables ``srun`` would give them and lets ``Parallel`` join the group they describe.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from distributed_script import SCRIPT, clean_env, load_ranks
from hypothesis import given
from hypothesis import strategies as st

from ember.distributed.slurm import (
    SlurmConfig,
    expand_hostlist,
    in_slurm_job,
    parse_tasks_per_node,
    slurm_config,
)


def job(**overrides: str) -> dict[str, str]:
    """Task 3 of a 4-task job on two nodes, two tasks each."""
    env = {
        "SLURM_JOB_ID": "123456",
        "SLURM_PROCID": "3",
        "SLURM_LOCALID": "1",
        "SLURM_NTASKS": "4",
        "SLURM_JOB_NODELIST": "node[01-02]",
        "SLURM_JOB_NUM_NODES": "2",
        "SLURM_NODEID": "1",
        "SLURM_TASKS_PER_NODE": "2(x2)",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value != "<unset>"}


# ---------------------------------------------------------------------- host lists


@pytest.mark.parametrize(
    ("nodelist", "hosts"),
    [
        ("node[01-03,07],gpu-[1-2]", ["node01", "node02", "node03", "node07", "gpu-1", "gpu-2"]),
        ("n[8-10]", ["n8", "n9", "n10"]),
        ("n[098-100]", ["n098", "n099", "n100"]),
        ("a,b,c", ["a", "b", "c"]),
        ("single-host", ["single-host"]),
        ("rack[1-2]-n[8-9]", ["rack1-n8", "rack1-n9", "rack2-n8", "rack2-n9"]),
        ("gpu[3]x.cluster", ["gpu3x.cluster"]),
        (" n[1-2] , login ", ["n1", "n2", "login"]),
        ("", []),
    ],
)
def test_expand_hostlist_examples(nodelist: str, hosts: list[str]) -> None:
    assert expand_hostlist(nodelist) == hosts


@pytest.mark.parametrize(
    ("nodelist", "complaint"),
    [
        ("n[1-", "is never closed"),
        ("n]1", "']' without '['"),
        ("n[[1]]", "nested '['"),
        ("n[a-b]", "is not a number or a range"),
        ("n[3-1]", "ends before it starts"),
        ("n[]", "is not a number or a range"),
    ],
)
def test_expand_hostlist_rejects_malformed_lists(nodelist: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=r"expand_hostlist: .*") as error:
        expand_hostlist(nodelist)
    assert complaint in str(error.value)
    assert repr(nodelist) in str(error.value)


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_.", min_size=1, max_size=6)
_groups = st.tuples(
    _names,  # prefix
    st.integers(min_value=1, max_value=4),  # width
    st.lists(st.integers(min_value=0, max_value=1200), min_size=1, max_size=12, unique=True),
    st.sampled_from(["", ".ib", "-eth"]),  # suffix
)


def _render(prefix: str, width: int, numbers: list[int], suffix: str) -> str:
    """SLURM's compressed form: consecutive numbers as zero-padded ranges."""
    ordered = sorted(numbers)
    runs: list[list[int]] = []
    for number in ordered:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [
        str(run[0]).zfill(width)
        if len(run) == 1
        else f"{str(run[0]).zfill(width)}-{str(run[-1]).zfill(width)}"
        for run in runs
    ]
    return f"{prefix}[{','.join(parts)}]{suffix}"


@given(st.lists(st.one_of(_groups, _names), min_size=1, max_size=5))
def test_expanding_a_compressed_list_gives_the_hosts_back(
    groups: list[tuple[str, int, list[int], str] | str],
) -> None:
    hosts: list[str] = []
    rendered: list[str] = []
    for group in groups:
        if isinstance(group, str):  # a host written out in full
            hosts.append(group)
            rendered.append(group)
            continue
        prefix, width, numbers, suffix = group
        hosts += [f"{prefix}{str(n).zfill(width)}{suffix}" for n in sorted(numbers)]
        rendered.append(_render(prefix, width, numbers, suffix))
    assert expand_hostlist(",".join(rendered)) == hosts


def test_expand_hostlist_agrees_with_ignite_on_single_ranges() -> None:
    # Not on widths like "n[098-100]": SLURM (and ember) keep the width of the first number,
    # Ignite 0.5.5 pads to its count of leading zeros plus one ("n98").
    native = pytest.importorskip("ignite.distributed.comp_models.native")
    for nodelist in ("node[01-03,07],gpu-[1-2]", "n[8-10]", "a,b", "x[0008-0011]y"):
        assert expand_hostlist(nodelist) == native._expand_hostlist(nodelist), nodelist


# ---------------------------------------------------------------------- task counts


def test_parse_tasks_per_node() -> None:
    assert parse_tasks_per_node("2(x3),1") == [2, 2, 2, 1]
    assert parse_tasks_per_node("4") == [4]
    assert parse_tasks_per_node("1,3(x2)") == [1, 3, 3]


@pytest.mark.parametrize("value", ["2(x)", "a", "2,,1", "(x2)"])
def test_parse_tasks_per_node_rejects_malformed_counts(value: str) -> None:
    with pytest.raises(ValueError, match=r"SLURM_TASKS_PER_NODE=.* is not a count"):
        parse_tasks_per_node(value)


# ---------------------------------------------------------------------- configurations


def test_in_slurm_job_looks_for_the_job_id() -> None:
    assert in_slurm_job(job())
    assert not in_slurm_job({"SLURM_PROCID": "0"})


def test_a_two_node_job() -> None:
    assert slurm_config(job()) == SlurmConfig(
        rank=3,
        local_rank=1,
        world_size=4,
        nproc_per_node=2,
        nnodes=2,
        node_rank=1,
        master_addr="node01",
        master_port=15000 + 3456,
    )


def test_uneven_tasks_per_node_give_this_node_count() -> None:
    env = job(
        SLURM_PROCID="6",
        SLURM_LOCALID="0",
        SLURM_NTASKS="7",
        SLURM_JOB_NODELIST="gpu[1-4]",
        SLURM_JOB_NUM_NODES="4",
        SLURM_NODEID="3",
        SLURM_TASKS_PER_NODE="2(x3),1",
    )
    config = slurm_config(env)
    assert (config.rank, config.world_size, config.nproc_per_node) == (6, 7, 1)
    assert (config.nnodes, config.node_rank, config.master_addr) == (4, 3, "gpu1")


def test_without_node_id_the_node_follows_from_the_block_distribution() -> None:
    env = job(SLURM_NODEID="<unset>", SLURM_TASKS_PER_NODE="<unset>", SLURM_PROCID="2")
    env["SLURM_LOCALID"] = "0"
    config = slurm_config(env)
    assert (config.node_rank, config.nproc_per_node) == (1, 2)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SLURM_PROCID": "<unset>"}, "SLURM_PROCID missing from the environment"),
        ({"SLURM_NTASKS": "four"}, "SLURM_NTASKS='four' is not an integer"),
        ({"SLURM_PROCID": "4"}, r"SLURM_PROCID=4 is outside 0..3 \(SLURM_NTASKS=4\)"),
        ({"SLURM_NODEID": "2"}, r"SLURM_NODEID=2 is outside 0..1"),
        ({"SLURM_LOCALID": "2"}, r"SLURM_LOCALID=2 is outside 0..1 \(tasks on this node=2\)"),
        ({"SLURM_JOB_NODELIST": "node[01-03]"}, "names 3 hosts but SLURM_JOB_NUM_NODES=2"),
        ({"SLURM_TASKS_PER_NODE": "3,2"}, r"gives \[3, 2\]: 2 nodes and 5 tasks"),
        (
            {"SLURM_NTASKS": "3", "SLURM_PROCID": "0", "SLURM_TASKS_PER_NODE": "<unset>"},
            "do not divide evenly",
        ),
        ({"SLURM_JOB_NUM_NODES": "0"}, "should both be positive"),
    ],
)
def test_inconsistent_environments_are_refused(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        slurm_config(job(**overrides))


# ---------------------------------------------------------------------- launchers in a task


def launcher(**values: str) -> dict[str, str]:
    return {"MASTER_ADDR": "10.0.0.5", "MASTER_PORT": "29500", **values}


def test_torchrun_in_a_single_task_uses_the_launcher_ranks() -> None:
    env = job(
        SLURM_PROCID="0",
        SLURM_LOCALID="0",
        SLURM_NTASKS="1",
        SLURM_JOB_NODELIST="gpu7",
        SLURM_JOB_NUM_NODES="1",
        SLURM_NODEID="0",
        SLURM_TASKS_PER_NODE="1",
    )
    env.update(launcher(RANK="2", LOCAL_RANK="2", WORLD_SIZE="4", LOCAL_WORLD_SIZE="4"))
    assert slurm_config(env) == SlurmConfig(2, 2, 4, 4, 1, 0, "10.0.0.5", 29500)


def test_torchrun_in_one_task_per_node_uses_its_node_rank() -> None:
    env = job(
        SLURM_PROCID="1",
        SLURM_LOCALID="0",
        SLURM_NTASKS="2",
        SLURM_TASKS_PER_NODE="1(x2)",
    )
    env.update(
        launcher(RANK="5", LOCAL_RANK="1", WORLD_SIZE="8", LOCAL_WORLD_SIZE="4", GROUP_RANK="1")
    )
    assert slurm_config(env) == SlurmConfig(5, 1, 8, 4, 2, 1, "10.0.0.5", 29500)


def test_translated_variables_must_agree_with_slurm() -> None:
    agreeing = job(**launcher(RANK="3", LOCAL_RANK="1", WORLD_SIZE="4"))
    config = slurm_config(agreeing)
    assert (config.rank, config.master_addr, config.master_port) == (3, "10.0.0.5", 29500)
    with pytest.raises(ValueError, match=r"RANK=2 disagrees with the SLURM environment"):
        slurm_config(job(**launcher(RANK="2", LOCAL_RANK="1", WORLD_SIZE="4")))


def test_a_launcher_with_fewer_processes_than_tasks_is_refused() -> None:
    with pytest.raises(ValueError, match="WORLD_SIZE=2 is smaller than SLURM_NTASKS=4"):
        slurm_config(job(**launcher(RANK="1", LOCAL_RANK="1", WORLD_SIZE="2")))


def test_partial_launcher_variables_are_ignored_with_a_warning() -> None:
    with pytest.warns(UserWarning, match=r"sets MASTER_PORT=29500 but not RANK"):
        config = slurm_config(job(MASTER_PORT="29500"))
    assert (config.rank, config.master_port) == (3, 18456)


def test_the_standard_case_agrees_with_ignite() -> None:
    native = pytest.importorskip("ignite.distributed.comp_models.native")
    env = job()
    theirs = native._setup_ddp_vars_from_slurm_env(dict(env))
    ours = slurm_config(env)
    assert (ours.rank, ours.local_rank, ours.world_size) == (
        theirs["RANK"],
        theirs["LOCAL_RANK"],
        theirs["WORLD_SIZE"],
    )
    assert (ours.master_addr, ours.master_port) == (theirs["MASTER_ADDR"], theirs["MASTER_PORT"])


# ---------------------------------------------------------------------- a real group


def _job_id_with_free_port() -> str:
    # The port is 15000 + the last four digits of the job id: find a free one.
    for digits in range(4242, 10000, 97):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", 15000 + digits))
            except OSError:
                continue
        return f"77{digits:04d}"
    pytest.skip("no free port in 15000..24999 for the job's rendezvous")


@pytest.mark.slow
def test_parallel_joins_the_group_srun_describes(tmp_path: Path) -> None:
    job_id = _job_id_with_free_port()
    common = job(
        SLURM_JOB_ID=job_id,
        SLURM_NTASKS="2",
        SLURM_JOB_NODELIST="localhost",
        SLURM_JOB_NUM_NODES="1",
        SLURM_NODEID="0",
        SLURM_TASKS_PER_NODE="2",
    )
    tasks = []
    for rank in range(2):
        env = clean_env(**{**common, "SLURM_PROCID": str(rank), "SLURM_LOCALID": str(rank)})
        command = [sys.executable, str(SCRIPT), "slurm", str(tmp_path)]
        tasks.append(
            subprocess.Popen(
                command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
            )
        )
    try:
        errors = [task.communicate(timeout=120)[1] for task in tasks]
    finally:
        for task in tasks:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(task.pid, signal.SIGKILL)
    assert [task.returncode for task in tasks] == [0, 0], errors
    port = str(15000 + int(job_id[-4:]))
    for rank, results in enumerate(load_ranks(tmp_path)):
        assert results["topology"] == (rank, rank, 2, 2, 1, 0)
        assert results["master"] == ("localhost", port)
        assert results["all_gather"] == [0, 1]
        after = json.loads((tmp_path / f"after{rank}.json").read_text())
        assert after == {"env_restored": True, "model": "serial"}
