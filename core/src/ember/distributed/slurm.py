"""Reading a SLURM job's environment as a ``torch.distributed`` configuration.

Under ``srun`` every task sees variables such as ``SLURM_PROCID`` (its rank), ``SLURM_LOCALID``
(its rank on its node), ``SLURM_NTASKS`` (the world size) and ``SLURM_JOB_NODELIST`` (the nodes, in
SLURM's compressed form ``node[01-03,07],gpu-[1-2]``). :func:`slurm_config` turns them into ranks,
sizes and a rendezvous address: the first node of the list, on port ``15000`` plus the last four
digits of the job id (so that every task of the job picks the same one).

A launcher may also run inside a SLURM task (``srun torchrun ...``); then ``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` are set as well.
:func:`slurm_config` uses them when they describe more processes than SLURM started (the launcher
spawned several processes per task), and otherwise checks that they agree with SLURM's.

Example:
    >>> from ember.distributed.slurm import expand_hostlist, slurm_config
    >>> expand_hostlist("node[01-03,07],gpu-[1-2]")
    ['node01', 'node02', 'node03', 'node07', 'gpu-1', 'gpu-2']
    >>> config = slurm_config({
    ...     "SLURM_JOB_ID": "123456", "SLURM_PROCID": "3", "SLURM_LOCALID": "1",
    ...     "SLURM_NTASKS": "4", "SLURM_JOB_NODELIST": "node[01-02]", "SLURM_JOB_NUM_NODES": "2",
    ...     "SLURM_NODEID": "1", "SLURM_TASKS_PER_NODE": "2(x2)",
    ... })
    >>> config.rank, config.world_size, config.node_rank, config.master_addr, config.master_port
    (3, 4, 1, 'node01', 18456)
"""

from __future__ import annotations

import itertools
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["SlurmConfig", "expand_hostlist", "in_slurm_job", "parse_tasks_per_node", "slurm_config"]

_REQUIRED = (
    "SLURM_JOB_ID",
    "SLURM_PROCID",
    "SLURM_LOCALID",
    "SLURM_NTASKS",
    "SLURM_JOB_NODELIST",
    "SLURM_JOB_NUM_NODES",
)
_LAUNCHER_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
_TASKS = re.compile(r"^(\d+)(?:\(x(\d+)\))?$")


@dataclass(frozen=True)
class SlurmConfig:
    """Where this task stands in the job, and where the processes meet.

    Example:
        >>> from ember.distributed.slurm import SlurmConfig
        >>> SlurmConfig(0, 0, 1, 1, 1, 0, "localhost", 15000).world_size
        1
    """

    rank: int
    local_rank: int
    world_size: int
    nproc_per_node: int
    nnodes: int
    node_rank: int
    master_addr: str
    master_port: int


def in_slurm_job(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment is a SLURM job's (``SLURM_JOB_ID`` is set).

    Example:
        >>> from ember.distributed.slurm import in_slurm_job
        >>> in_slurm_job({"SLURM_JOB_ID": "7"}), in_slurm_job({})
        (True, False)
    """
    return "SLURM_JOB_ID" in (os.environ if environ is None else environ)


def _split_top_level(nodelist: str) -> list[str]:
    items, depth, start = [], 0, 0
    for index, char in enumerate(nodelist):
        if char == "[":
            depth += 1
            if depth > 1:
                raise ValueError(
                    f"expand_hostlist: nested '[' at position {index} of {nodelist!r}; expected "
                    f"ranges such as 'node[01-03,07]'"
                )
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise ValueError(
                    f"expand_hostlist: ']' without '[' at position {index} of {nodelist!r}"
                )
        elif char == "," and depth == 0:
            items.append(nodelist[start:index])
            start = index + 1
    if depth:
        raise ValueError(f"expand_hostlist: '[' is never closed in {nodelist!r}")
    items.append(nodelist[start:])
    return items


def _expand_range(spec: str, nodelist: str) -> list[str]:
    numbers: list[str] = []
    for part in spec.split(","):
        match = _RANGE.match(part.strip())
        if match is None:
            raise ValueError(
                f"expand_hostlist: {part!r} in {nodelist!r} is not a number or a range; "
                f"expected something like '3' or '01-08'"
            )
        first, last = match.group(1), match.group(2) or match.group(1)
        if int(last) < int(first):
            raise ValueError(
                f"expand_hostlist: the range {part!r} in {nodelist!r} ends before it starts"
            )
        width = len(first)
        numbers += [str(n).zfill(width) for n in range(int(first), int(last) + 1)]
    return numbers


def expand_hostlist(nodelist: str) -> list[str]:
    """Expand SLURM's compressed host list into host names, in order.

    Items are separated by commas; an item may hold bracketed ranges (``n[1-3,8]``), and numbers
    keep the width of the range's first number (``n[08-10]`` gives ``n08 n09 n10``). Several
    bracketed ranges in one item expand to every combination, the first range varying slowest.

    Example:
        >>> from ember.distributed.slurm import expand_hostlist
        >>> expand_hostlist("rack[1-2]-n[8-9],login")
        ['rack1-n8', 'rack1-n9', 'rack2-n8', 'rack2-n9', 'login']
    """
    if not isinstance(nodelist, str):
        raise TypeError(f"expand_hostlist: argument nodelist should be a str, got {nodelist!r}")
    hosts: list[str] = []
    for item in _split_top_level(nodelist.strip()):
        item = item.strip()
        if not item:
            continue
        pieces = re.split(r"\[([^\]]*)\]", item)
        # pieces alternate literal text and range specifications: text, spec, text, spec, text
        choices = [
            [piece] if index % 2 == 0 else _expand_range(piece, nodelist)
            for index, piece in enumerate(pieces)
        ]
        hosts += ["".join(parts) for parts in itertools.product(*choices)]
    return hosts


def parse_tasks_per_node(value: str) -> list[int]:
    """Expand ``SLURM_TASKS_PER_NODE`` (``"2(x3),1"``) into one task count per node.

    Example:
        >>> from ember.distributed.slurm import parse_tasks_per_node
        >>> parse_tasks_per_node("2(x3),1")
        [2, 2, 2, 1]
    """
    counts: list[int] = []
    for part in value.split(","):
        match = _TASKS.match(part.strip())
        if match is None:
            raise ValueError(
                f"SLURM_TASKS_PER_NODE={value!r}: {part!r} is not a count; expected entries such "
                f"as '4' or '2(x3)'"
            )
        counts += [int(match.group(1))] * int(match.group(2) or 1)
    return counts


def _int(environ: Mapping[str, str], name: str) -> int:
    raw = environ[name]
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None


def _check_range(name: str, value: int, size: int, size_name: str) -> None:
    if not 0 <= value < size:
        raise ValueError(
            f"{name}={value} is outside 0..{size - 1} ({size_name}={size}); the SLURM "
            f"environment is inconsistent"
        )


def slurm_config(environ: Mapping[str, str] | None = None) -> SlurmConfig:
    """Read the distributed configuration of this SLURM task from ``environ`` (``os.environ``).

    Raises:
        ValueError: a variable is missing, malformed, or inconsistent with the others.

    Example:
        >>> from ember.distributed.slurm import slurm_config
        >>> config = slurm_config({
        ...     "SLURM_JOB_ID": "42", "SLURM_PROCID": "0", "SLURM_LOCALID": "0",
        ...     "SLURM_NTASKS": "1", "SLURM_JOB_NODELIST": "gpu-7", "SLURM_JOB_NUM_NODES": "1",
        ... })
        >>> config.rank, config.world_size, config.master_addr, config.master_port
        (0, 1, 'gpu-7', 15042)
    """
    env = os.environ if environ is None else environ
    missing = [name for name in _REQUIRED if name not in env]
    if missing:
        raise ValueError(
            f"SLURM job detected but {', '.join(missing)} missing from the environment; run the "
            f"program with srun (expected {', '.join(_REQUIRED)})"
        )
    rank, local_rank = _int(env, "SLURM_PROCID"), _int(env, "SLURM_LOCALID")
    world_size, nnodes = _int(env, "SLURM_NTASKS"), _int(env, "SLURM_JOB_NUM_NODES")
    if world_size < 1 or nnodes < 1:
        raise ValueError(
            f"SLURM_NTASKS={world_size} and SLURM_JOB_NUM_NODES={nnodes} should both be positive"
        )
    _check_range("SLURM_PROCID", rank, world_size, "SLURM_NTASKS")
    hosts = expand_hostlist(env["SLURM_JOB_NODELIST"])
    if len(hosts) != nnodes:
        raise ValueError(
            f"SLURM_JOB_NODELIST={env['SLURM_JOB_NODELIST']!r} names {len(hosts)} hosts but "
            f"SLURM_JOB_NUM_NODES={nnodes}; expected one host per node"
        )
    per_node = _tasks_per_node(env, world_size, nnodes)
    if "SLURM_NODEID" in env:
        node_rank = _int(env, "SLURM_NODEID")
        _check_range("SLURM_NODEID", node_rank, nnodes, "SLURM_JOB_NUM_NODES")
    else:
        # Without SLURM_NODEID, assume the default block distribution of ranks over nodes.
        starts = list(itertools.accumulate(per_node))
        node_rank = next(index for index, end in enumerate(starts) if rank < end)
    nproc_per_node = per_node[node_rank]
    _check_range("SLURM_LOCALID", local_rank, nproc_per_node, "tasks on this node")
    job_id = env["SLURM_JOB_ID"]
    digits = re.sub(r"\D", "", job_id)[-4:] or "0"
    config = SlurmConfig(
        rank=rank,
        local_rank=local_rank,
        world_size=world_size,
        nproc_per_node=nproc_per_node,
        nnodes=nnodes,
        node_rank=node_rank,
        master_addr=hosts[0],
        master_port=15000 + int(digits),
    )
    return _with_launcher(config, env)


def _tasks_per_node(env: Mapping[str, str], world_size: int, nnodes: int) -> list[int]:
    if "SLURM_TASKS_PER_NODE" in env:
        per_node = parse_tasks_per_node(env["SLURM_TASKS_PER_NODE"])
        if len(per_node) != nnodes or sum(per_node) != world_size:
            raise ValueError(
                f"SLURM_TASKS_PER_NODE={env['SLURM_TASKS_PER_NODE']!r} gives {per_node}: "
                f"{len(per_node)} nodes and {sum(per_node)} tasks, but SLURM_JOB_NUM_NODES="
                f"{nnodes} and SLURM_NTASKS={world_size}"
            )
        return per_node
    if world_size % nnodes:
        raise ValueError(
            f"SLURM_NTASKS={world_size} tasks do not divide evenly over SLURM_JOB_NUM_NODES="
            f"{nnodes} nodes and SLURM_TASKS_PER_NODE is not set; expected it to say how many "
            f"tasks each node runs"
        )
    return [world_size // nnodes] * nnodes


def _with_launcher(config: SlurmConfig, env: Mapping[str, str]) -> SlurmConfig:
    present = [name for name in _LAUNCHER_VARS if name in env]
    if not present:
        return config
    if len(present) < len(_LAUNCHER_VARS):
        warnings.warn(
            f"ember.distributed: inside a SLURM job the environment sets "
            f"{', '.join(f'{name}={env[name]}' for name in present)} but not "
            f"{', '.join(name for name in _LAUNCHER_VARS if name not in present)}; they are "
            f"ignored and the SLURM variables are used",
            stacklevel=3,
        )
        return config
    rank, local_rank = _int(env, "RANK"), _int(env, "LOCAL_RANK")
    world_size, master_port = _int(env, "WORLD_SIZE"), _int(env, "MASTER_PORT")
    launched = {"RANK": rank, "LOCAL_RANK": local_rank, "WORLD_SIZE": world_size}
    if world_size == config.world_size:
        # One process per SLURM task, with the variables translated (an enroot hook, say):
        # they must agree with SLURM's.
        slurm = {
            "RANK": config.rank,
            "LOCAL_RANK": config.local_rank,
            "WORLD_SIZE": config.world_size,
        }
        for name, value in launched.items():
            if value != slurm[name]:
                raise ValueError(
                    f"{name}={value} disagrees with the SLURM environment, which gives "
                    f"{slurm[name]} (SLURM_PROCID={config.rank}, SLURM_LOCALID="
                    f"{config.local_rank}, SLURM_NTASKS={config.world_size})"
                )
        return SlurmConfig(
            config.rank,
            config.local_rank,
            config.world_size,
            config.nproc_per_node,
            config.nnodes,
            config.node_rank,
            env["MASTER_ADDR"],
            master_port,
        )
    if world_size < config.world_size:
        raise ValueError(
            f"WORLD_SIZE={world_size} is smaller than SLURM_NTASKS={config.world_size}; a "
            f"launcher inside a SLURM job should start at least one process per task"
        )
    # A launcher (torchrun, ember's spawn) started several processes in each SLURM task.
    _check_range("RANK", rank, world_size, "WORLD_SIZE")
    if "LOCAL_WORLD_SIZE" in env:
        nproc_per_node = _int(env, "LOCAL_WORLD_SIZE")
    else:
        nproc_per_node = world_size // config.nnodes
    _check_range("LOCAL_RANK", local_rank, nproc_per_node, "processes per node")
    node_rank = _int(env, "GROUP_RANK") if "GROUP_RANK" in env else rank // nproc_per_node
    return SlurmConfig(
        rank,
        local_rank,
        world_size,
        nproc_per_node,
        max(config.nnodes, world_size // nproc_per_node),
        node_rank,
        env["MASTER_ADDR"],
        master_port,
    )
