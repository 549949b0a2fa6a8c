"""Multi-process runs of ``ember.distributed``, executed in their own processes by the tests.

Each mode launches real gloo processes one way (``spawn``, ``Parallel``, ``torchrun``, a synthetic
SLURM job) and writes what every rank saw to ``OUT`` (one ``rank<N>.pt`` file per rank), so that
a test module runs one launch and asserts many things about it:

    python distributed_script.py checks OUT --launch spawn --nproc 2
    python distributed_script.py checks OUT --launch parallel --nproc 3
    python -m torch.distributed.run --nproc_per_node=2 distributed_script.py checks OUT
    python distributed_script.py init-methods OUT
    python distributed_script.py seed
    python distributed_script.py fail OUT --launch spawn|parallel|torchrun
    python distributed_script.py timeout OUT
    python distributed_script.py metric OUT --nproc 2
    SLURM_...=... python distributed_script.py slurm OUT

Every check records ``(actual, expected)``: ``actual`` from ember.distributed, ``expected`` from
plain ``torch.distributed`` or from Python over the values each rank is known to hold.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import operator
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

import ember.distributed as idist

Results = dict[str, Any]

SCRIPT = Path(__file__).resolve()
LAUNCH_VARIABLES = (
    "RANK",
    "LOCAL_RANK",
    "WORLD_SIZE",
    "LOCAL_WORLD_SIZE",
    "GROUP_RANK",
    "MASTER_ADDR",
    "MASTER_PORT",
)


# ------------------------------------------------------------------ for the tests


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any launcher's or SLURM's variables, plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in LAUNCH_VARIABLES and not name.startswith(("SLURM_", "TORCHELASTIC_"))
    }
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command(mode: str, out: Path | str, *options: str, torchrun: int = 0) -> list[str]:
    """The command line running ``mode``; under torchrun with ``torchrun`` processes if given."""
    if torchrun:
        launcher = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            f"--nproc_per_node={torchrun}",
            f"--master_port={free_port()}",
        ]
        return [*launcher, str(SCRIPT), mode, str(out), *options]
    return [sys.executable, str(SCRIPT), mode, str(out), *options]


def launch(
    cmd: list[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in a session of its own; on timeout, kill it with every process it started."""
    process = subprocess.Popen(
        cmd,
        env=clean_env() if env is None else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    finally:
        # spawned or torchrun workers left behind by a failure must not outlive the test
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)


def run(
    mode: str, out: Path | str, *options: str, torchrun: int = 0, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``mode`` to completion and return what it printed (it must succeed)."""
    done = launch(command(mode, out, *options, torchrun=torchrun), timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{mode} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def load_ranks(out: Path | str, prefix: str = "rank") -> list[Results]:
    """The results each rank saved under ``prefix``, in rank order."""
    paths = sorted(Path(out).glob(f"{prefix}[0-9]*.pt"), key=lambda p: int(p.stem[len(prefix) :]))
    return [torch.load(path, weights_only=False) for path in paths]


def same(actual: Any, expected: Any) -> bool:
    """Equal values of equal types; tensors equal in dtype, shape and every element."""
    if isinstance(actual, torch.Tensor) or isinstance(expected, torch.Tensor):
        return (
            isinstance(actual, torch.Tensor)
            and isinstance(expected, torch.Tensor)
            and actual.dtype == expected.dtype
            and actual.shape == expected.shape
            and bool(torch.equal(actual, expected))
        )
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        return (
            type(actual) is type(expected)
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(actual, dict) and isinstance(expected, dict):
        return list(actual) == list(expected) and all(same(actual[k], expected[k]) for k in actual)
    return type(actual) is type(expected) and actual == expected


def save(out: str, name: str, results: Results) -> None:
    torch.save(results, Path(out) / f"{name}.pt")


def _raises(fn: Callable[[], Any]) -> tuple[str, str] | None:
    try:
        fn()
    except Exception as error:
        return type(error).__name__, str(error)
    return None


def _oracle_all_reduce(value: torch.Tensor, op: Any, group: Any = None) -> torch.Tensor:
    copy = value.clone()
    dist.all_reduce(copy, op, group=group)
    return copy


def _string_of(rank: int) -> str:
    # different lengths, multi-byte characters, and an empty string on rank 0
    return "" if rank == 0 else "é" * rank + f"rank{rank}✓"


# ------------------------------------------------------------------ the checks


def collective_checks(local_rank: int) -> Results:
    """Every helper and collective, against torch.distributed or plain Python."""
    rank, world = dist.get_rank(), dist.get_world_size()
    ranks = range(world)
    r: Results = {}

    r["rank"] = (idist.get_rank(), rank)
    r["world_size"] = (idist.get_world_size(), world)
    r["local_rank"] = (idist.get_local_rank(), local_rank)
    r["local_rank_env"] = (idist.get_local_rank(), int(os.environ["LOCAL_RANK"]))
    r["nproc_per_node"] = (idist.get_nproc_per_node(), world)
    r["nnodes"] = (idist.get_nnodes(), 1)
    r["node_rank"] = (idist.get_node_rank(), 0)
    r["backend"] = (idist.backend(), dist.get_backend())
    r["model_name"] = (idist.model_name(), "native-dist")
    r["device"] = (idist.device(), torch.device("cpu"))
    r["hostname"] = (idist.hostname(), socket.gethostname())

    # all_reduce: tensors, in place, every op, numbers, groups
    t = torch.tensor([rank + 1.0, 2.0 * rank])
    expected = _oracle_all_reduce(t, dist.ReduceOp.SUM)
    result = idist.all_reduce(t)
    r["all_reduce_tensor_sum"] = (result, expected)
    r["all_reduce_tensor_in_place"] = (result is t, True)
    ops = {
        "SUM": dist.ReduceOp.SUM,
        "PRODUCT": dist.ReduceOp.PRODUCT,
        "MIN": dist.ReduceOp.MIN,
        "MAX": dist.ReduceOp.MAX,
    }
    for name, op in ops.items():
        value = torch.tensor([rank + 2, 5 - rank, 3])
        r[f"all_reduce_op_{name}"] = (
            idist.all_reduce(value.clone(), name),
            _oracle_all_reduce(value, op),
        )
    bits = [0b1011 ^ (1 << i) for i in ranks]
    r["all_reduce_op_AND"] = (
        idist.all_reduce(torch.tensor([bits[rank]]), "AND"),
        torch.tensor([functools.reduce(operator.and_, bits)]),
    )
    r["all_reduce_op_OR"] = (
        idist.all_reduce(torch.tensor([bits[rank]]), "OR"),
        torch.tensor([functools.reduce(operator.or_, bits)]),
    )
    r["all_reduce_lowercase_op"] = (
        idist.all_reduce(torch.tensor(rank), "max"),
        torch.tensor(world - 1),
    )
    total = idist.all_reduce(rank + 1)
    r["all_reduce_int"] = ((total, type(total).__name__), (sum(i + 1 for i in ranks), "int"))
    largest = idist.all_reduce(0.5 * (rank + 1), "MAX")
    r["all_reduce_float"] = ((largest, type(largest).__name__), (0.5 * world, "float"))
    r["all_reduce_big_int"] = (idist.all_reduce(2**60 + rank), sum(2**60 + i for i in ranks))
    r["all_reduce_rejects_str"] = (_raises(lambda: idist.all_reduce("x")) is not None, True)
    r["all_reduce_rejects_op"] = (
        _raises(lambda: idist.all_reduce(1, op="MEAN")),
        (
            "ValueError",
            "all_reduce: argument op should be one of SUM, PRODUCT, MIN, MAX, AND, OR, "
            "got 'MEAN' (str)",
        ),
    )
    members = [0, 1]
    oracle_group = dist.new_group(members)
    in_group = rank in members
    group_value = torch.tensor([10.0 * (rank + 1)])
    oracle = (
        _oracle_all_reduce(group_value, dist.ReduceOp.SUM, oracle_group)
        if in_group
        else group_value
    )
    r["all_reduce_group_list"] = (idist.all_reduce(group_value.clone(), group=members), oracle)
    r["all_reduce_group_number"] = (
        idist.all_reduce(rank + 1, group=members),
        sum(i + 1 for i in members) if in_group else rank + 1,
    )
    group = idist.new_group(members)
    r["all_reduce_new_group"] = (idist.all_reduce(group_value.clone(), group=group), oracle)

    # all_gather: tensors, scalars, numbers, strings, objects, groups
    t = torch.tensor([rank, rank * 10])
    parts = [torch.empty_like(t) for _ in ranks]
    dist.all_gather(parts, t)
    r["all_gather_tensor"] = (idist.all_gather(t), torch.cat(parts))
    r["all_gather_scalar_tensor"] = (
        idist.all_gather(torch.tensor(rank * 1.5)),
        torch.tensor([i * 1.5 for i in ranks]),
    )
    m = torch.arange(6.0).reshape(2, 3) + rank
    r["all_gather_matrix"] = (
        idist.all_gather(m),
        torch.cat([torch.arange(6.0).reshape(2, 3) + i for i in ranks]),
    )
    r["all_gather_int"] = (idist.all_gather(rank * 7), [i * 7 for i in ranks])
    r["all_gather_float"] = (idist.all_gather(rank / 3), [i / 3 for i in ranks])
    r["all_gather_str"] = (idist.all_gather(_string_of(rank)), [_string_of(i) for i in ranks])
    same_length = f"r{rank}"
    r["all_gather_str_same_length"] = (idist.all_gather(same_length), [f"r{i}" for i in ranks])
    obj = {"rank": rank, "items": list(range(rank)), "path": Path(f"/data/{rank}")}
    objects: list[Any] = [None] * world
    dist.all_gather_object(objects, obj)
    r["all_gather_object"] = (idist.all_gather(obj), objects)
    subgroup = [0, world - 1]
    r["all_gather_group"] = (
        idist.all_gather(_string_of(rank), group=subgroup),
        [_string_of(i) for i in subgroup] if rank in subgroup else _string_of(rank),
    )
    r["all_gather_group_tensor"] = (
        idist.all_gather(torch.tensor([rank]), group=subgroup),
        torch.tensor(subgroup) if rank in subgroup else torch.tensor([rank]),
    )

    # all_gather_tensors_with_shapes
    shapes = [[i + 1, i + 2] for i in ranks]
    mine = torch.full((rank + 1, rank + 2), float(rank))
    r["all_gather_with_shapes"] = (
        idist.all_gather_tensors_with_shapes(mine, shapes),
        [torch.full((i + 1, i + 2), float(i)) for i in ranks],
    )
    r["all_gather_with_shapes_group"] = (
        idist.all_gather_tensors_with_shapes(mine, [shapes[i] for i in subgroup], group=subgroup),
        [torch.full((i + 1, i + 2), float(i)) for i in subgroup] if rank in subgroup else [mine],
    )
    r["all_gather_with_shapes_1d"] = (
        idist.all_gather_tensors_with_shapes(torch.arange(rank + 1), [[i + 1] for i in ranks]),
        [torch.arange(i + 1) for i in ranks],
    )

    # broadcast: every kind, every source, safe mode, in place, precision
    source = world - 1
    sent = torch.arange(6.0).reshape(2, 3) * 1.5
    placeholder = sent.clone() if rank == 0 else torch.zeros(2, 3)
    oracle_tensor = placeholder.clone()
    dist.broadcast(oracle_tensor, src=0)
    received = idist.broadcast(placeholder, src=0)
    r["broadcast_tensor"] = (received, oracle_tensor)
    r["broadcast_tensor_in_place"] = (received is placeholder, True)
    last = torch.tensor([rank, -rank], dtype=torch.int32)
    r["broadcast_tensor_last_src"] = (
        idist.broadcast(last, src=source),
        torch.tensor([source, -source], dtype=torch.int32),
    )
    safe = torch.rand(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    r["broadcast_tensor_safe_mode"] = (
        idist.broadcast(safe if rank == source else None, src=source, safe_mode=True),
        safe,
    )
    r["broadcast_int_exact"] = (idist.broadcast(2**60 + 1 if rank == 0 else 0, src=0), 2**60 + 1)
    r["broadcast_int_safe_mode"] = (
        idist.broadcast(-7 if rank == 0 else None, src=0, safe_mode=True),
        -7,
    )
    third = idist.broadcast(1 / 3 if rank == source else 0.0, src=source)
    r["broadcast_float_exact"] = ((third, type(third).__name__), (1 / 3, "float"))
    text = "héllo wörld ✓"
    r["broadcast_str"] = (idist.broadcast(text if rank == 0 else "", src=0), text)
    r["broadcast_str_safe_mode"] = (
        idist.broadcast(text if rank == source else None, src=source, safe_mode=True),
        text,
    )
    r["broadcast_empty_str"] = (idist.broadcast("" if rank == 0 else "xyz", src=0), "")
    path = Path("/tmp/ember/run-1")
    r["broadcast_path"] = (
        idist.broadcast(path if rank == 0 else None, src=0, safe_mode=True),
        path,
    )
    r["broadcast_src_out_of_range"] = (
        _raises(lambda: idist.broadcast(1.0, src=world)),
        (
            "ValueError",
            f"broadcast: argument src should be a rank between 0 and {world - 1}, got {world}",
        ),
    )
    wrong = torch.zeros(2, 3) if rank == 0 else torch.zeros(5)
    outcome = _raises(lambda: idist.broadcast(wrong, src=0))
    r["broadcast_shape_mismatch"] = (
        outcome is None if rank == 0 else outcome[0] if outcome else None,
        True if rank == 0 else "ValueError",
    )

    # new_group argument checks (every rank raises before any collective)
    r["new_group_rejects_out_of_range"] = (
        _raises(lambda: idist.new_group([0, world])),
        (
            "ValueError",
            f"new_group: argument ranks holds [{world}], outside the {world} ranks 0..{world - 1}",
        ),
    )

    # barrier, one_rank_only, one_rank_first: ordering through a shared directory
    shared = Path(os.environ["EMBER_TEST_SHARED"])
    if rank == 0:
        (shared / "before-barrier").write_text("0")
    idist.barrier()
    r["barrier_orders"] = ((shared / "before-barrier").exists(), True)

    @idist.one_rank_only(rank=world - 1, with_barrier=True)
    def write_marker() -> int:
        (shared / "one-rank-only").write_text(str(rank))
        return rank

    r["one_rank_only"] = (write_marker(), world - 1 if rank == world - 1 else None)
    r["one_rank_only_barrier"] = ((shared / "one-rank-only").read_text(), str(world - 1))

    with idist.one_rank_first(rank=1):
        first = shared / "first"
        seen = first.read_text() if first.exists() else None
        if seen is None:
            first.write_text(str(rank))
    r["one_rank_first"] = (seen, None if rank == 1 else "1")
    with idist.one_rank_first(local=True):
        local_first = shared / "local-first"
        seen_local = local_first.read_text() if local_first.exists() else None
        if seen_local is None:
            local_first.write_text(str(local_rank))
    r["one_rank_first_local"] = (seen_local, None if local_rank == 0 else "0")
    r["one_rank_first_rejects_rank"] = (
        _raises(lambda: idist.one_rank_first(rank=world).__enter__()),
        (
            "ValueError",
            f"one_rank_first: argument rank should be a rank between 0 and {world - 1}, "
            f"got {world}",
        ),
    )

    # metric hooks and the configuration log
    from ember.metric.reduction import SERIAL_HOOKS, get_collective_hooks

    hooks = get_collective_hooks()
    r["metric_hooks_installed"] = (
        (hooks is not SERIAL_HOOKS, hooks.get_world_size()),
        (True, world),
    )
    r["metric_hooks_all_gather"] = (hooks.all_gather({"r": rank}), [{"r": i} for i in ranks])
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    config_logger = logging.getLogger("ember.distributed")
    config_logger.addHandler(handler)
    config_logger.setLevel(logging.INFO)
    idist.show_config()
    config_logger.removeHandler(handler)
    r["show_config"] = (
        [line for line in records if line.startswith(("world size", "rank", "backend"))],
        ["backend: gloo", f"world size: {world}", f"rank: {rank}"],
    )
    r["sync_keeps_native"] = (
        (idist.sync(), idist.model_name(), idist.get_world_size()),
        (None, "native-dist", world),
    )
    return r


def run_checks(local_rank: int, out: str) -> None:
    results = collective_checks(local_rank)
    save(out, f"rank{dist.get_rank()}", results)


# ------------------------------------------------------------------ modes


def mode_checks(args: argparse.Namespace) -> None:
    os.environ["EMBER_TEST_SHARED"] = tempfile.mkdtemp(dir=args.out)
    if args.launch == "spawn":
        idist.spawn("gloo", run_checks, args=(args.out,), nproc_per_node=args.nproc, timeout=60)
    elif args.launch == "parallel":
        with idist.Parallel(backend="gloo", nproc_per_node=args.nproc, timeout=60) as parallel:
            parallel.run(run_checks, args.out)
    else:  # torchrun started this process: join, then check a group started by hand
        shared = Path(args.out) / "shared"
        shared.mkdir(exist_ok=True)
        os.environ["EMBER_TEST_SHARED"] = str(shared)
        with idist.Parallel(backend="gloo", timeout=60) as parallel:
            parallel.run(run_checks, args.out)
            ports = idist.all_gather(free_port())  # rank 0's for one store, rank 1's for another
        after_context(args.out, ports)


def after_context(out: str, ports: list[int]) -> None:
    """After Parallel: environment and metric hooks restored; a hand-made group is noticed."""
    from ember.metric.reduction import SERIAL_HOOKS, get_collective_hooks

    r: Results = {}
    r["serial_after_parallel"] = (
        (idist.model_name(), get_collective_hooks() is SERIAL_HOOKS),
        ("serial", True),
    )
    # A store of its own (torchrun's still holds the addresses of the first group), served by
    # rank 0 rather than assumed to be torchrun's.
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    agent_store = os.environ.pop("TORCHELASTIC_USE_AGENT_STORE")
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{ports[0]}", rank=rank, world_size=world
    )
    os.environ["TORCHELASTIC_USE_AGENT_STORE"] = agent_store
    r["detects_user_group"] = (
        (idist.model_name(), idist.get_world_size(), idist.get_rank(), idist.get_local_rank()),
        ("native-dist", dist.get_world_size(), dist.get_rank(), int(os.environ["LOCAL_RANK"])),
    )
    r["detected_group_all_reduce"] = (idist.all_reduce(1), dist.get_world_size())
    dist.barrier()
    dist.destroy_process_group()
    r["detects_destroyed_group"] = ((idist.model_name(), idist.get_world_size()), ("serial", 1))
    # initialize with an explicit tcp:// store under torchrun (rank 0 serves it)
    idist.initialize("gloo", init_method=f"tcp://127.0.0.1:{ports[1]}", rank=rank, world_size=world)
    r["initialize_tcp_under_torchrun"] = (
        (idist.get_world_size(), idist.all_gather(rank)),
        (world, list(range(world))),
    )
    idist.finalize()
    save(out, f"after{rank}", r)


def _init_method_worker(local_rank: int, out: str, label: str) -> None:
    r = {
        "rank": (idist.get_rank(), local_rank),
        "world_size": (idist.get_world_size(), 2),
        "local_rank": (idist.get_local_rank(), local_rank),
        "all_reduce": (idist.all_reduce(local_rank + 1), 3),
    }
    save(out, f"{label}{local_rank}", r)


def mode_init_methods(args: argparse.Namespace) -> None:
    from ember.distributed.models.native import find_free_port

    tcp = f"tcp://127.0.0.1:{find_free_port()}"
    idist.spawn(
        "gloo", _init_method_worker, args=(args.out, "tcp"), nproc_per_node=2, init_method=tcp
    )
    shared_file = Path(tempfile.mkdtemp(dir=args.out)) / "rendezvous"
    file_url = f"file://{shared_file}"
    with idist.Parallel(backend="gloo", nproc_per_node=2, init_method=file_url) as parallel:
        parallel.run(_init_method_worker, args.out, "file")


def _seed_training(local_rank: int, config: dict[str, int], **kwargs: Any) -> None:
    # One write per rank: print() with several arguments writes piece by piece, and the two
    # ranks share the pipe, so their pieces could interleave.
    line = f"{idist.get_rank()} : run with config: {config} - backend= {idist.backend()}\n"
    sys.stdout.write(line)
    sys.stdout.flush()


def mode_seed(args: argparse.Namespace) -> None:
    # The seed document's example, with ember's names.
    backend = "gloo"
    dist_configs = {"nproc_per_node": 2}
    config = {"c": 12345}
    with idist.Parallel(backend=backend, **dist_configs) as parallel:
        parallel.run(_seed_training, config, a=1, b=2)


def _failing(local_rank: int) -> None:
    if idist.get_rank() == 1:
        time.sleep(0.5)  # rank 0 is waiting in the collective by now
        raise ValueError("rank 1 failed on purpose")
    idist.all_reduce(torch.ones(1))  # never completes: rank 1 is gone
    time.sleep(60)


def mode_fail(args: argparse.Namespace) -> None:
    start = time.monotonic()
    try:
        if args.launch == "spawn":
            idist.spawn("gloo", _failing, args=(), nproc_per_node=2)
        elif args.launch == "parallel":
            with idist.Parallel(backend="gloo", nproc_per_node=2) as parallel:
                parallel.run(_failing)
        else:
            with idist.Parallel(backend="gloo") as parallel:
                parallel.run(_failing)
    except Exception as error:
        report = {
            "type": type(error).__name__,
            "message": str(error),
            "cause": type(error.__cause__).__name__,
            "cause_message": str(error.__cause__),
            "notes": getattr(error, "__notes__", []),
            "seconds": time.monotonic() - start,
        }
        Path(args.out, f"failure-{os.environ.get('RANK', 'parent')}.json").write_text(
            json.dumps(report)
        )
        raise


def _missing_peer(local_rank: int) -> None:
    if idist.get_rank() == 0:
        idist.all_reduce(torch.ones(1))  # rank 1 never joins this collective
    else:
        time.sleep(60)


def mode_timeout(args: argparse.Namespace) -> None:
    start = time.monotonic()
    try:
        idist.spawn("gloo", _missing_peer, args=(), nproc_per_node=2, timeout=2)
    except Exception as error:
        report = {
            "type": type(error).__name__,
            "message": str(error),
            "seconds": time.monotonic() - start,
        }
        Path(args.out, "timeout.json").write_text(json.dumps(report))
        return
    Path(args.out, "timeout.json").write_text(json.dumps({"type": None}))


def _metric_worker(local_rank: int, out: str) -> None:
    from reference_metric import (
        CountingAccuracy,
        MeanAbsoluteError,
        PerClassPrecision,
        SummaryStats,
    )

    from ember.metric.reduction import SERIAL_HOOKS, get_collective_hooks

    rank, world = idist.get_rank(), idist.get_world_size()
    batches = metric_batches()
    mine = batches[rank::world]
    metrics = {
        "accuracy": CountingAccuracy(),
        "mae": MeanAbsoluteError(),
        "precision": PerClassPrecision(num_classes=3),
        "summary": SummaryStats(),
    }
    for name, metric in metrics.items():
        for batch in mine:
            metric.update(metric_input(name, batch))
    results: Results = {"hooks": get_collective_hooks() is not SERIAL_HOOKS}
    results["computed"] = {name: metric.compute() for name, metric in metrics.items()}
    results["computed_twice"] = {name: metric.compute() for name, metric in metrics.items()}
    results["state"] = {name: metric.state_dict() for name, metric in metrics.items()}
    restored = {}
    for name, metric in metrics.items():
        fresh = type(metric)(num_classes=3) if name == "precision" else type(metric)()
        fresh.load_state_dict(results["state"][name])
        restored[name] = fresh.compute()
    results["restored"] = restored
    save(out, f"rank{rank}", results)


def metric_batches() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Seven (logits, labels, values) batches of different sizes, the same in every process."""
    generator = torch.Generator().manual_seed(1234)
    batches = []
    for size in (4, 3, 5, 2, 6, 1, 4):
        logits = torch.randn(size, 3, generator=generator)
        labels = torch.randint(0, 3, (size,), generator=generator)
        values = torch.randn(size, generator=generator) * 10
        batches.append((logits, labels, values))
    return batches


def metric_input(name: str, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> Any:
    """What the metric called ``name`` is updated with, for one batch."""
    logits, labels, values = batch
    if name == "mae":
        return logits[:, 0], values
    if name == "summary":
        return values
    return logits, labels


def mode_metric(args: argparse.Namespace) -> None:
    idist.spawn("gloo", _metric_worker, args=(args.out,), nproc_per_node=args.nproc, timeout=60)


def _slurm_run(local_rank: int, out: str) -> None:
    r: Results = {
        "topology": (
            idist.get_rank(),
            idist.get_local_rank(),
            idist.get_world_size(),
            idist.get_nproc_per_node(),
            idist.get_nnodes(),
            idist.get_node_rank(),
        ),
        "master": (os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"]),
        "all_gather": idist.all_gather(idist.get_rank()),
    }
    save(out, f"rank{idist.get_rank()}", r)


def mode_slurm(args: argparse.Namespace) -> None:
    with idist.Parallel(backend="gloo", timeout=60) as parallel:
        parallel.run(_slurm_run, args.out)
    rank = os.environ["SLURM_PROCID"]
    after = {
        "env_restored": ("RANK" not in os.environ and "MASTER_ADDR" not in os.environ),
        "model": idist.model_name(),
    }
    Path(args.out, f"after{rank}.json").write_text(json.dumps(after))


MODES = {
    "checks": mode_checks,
    "init-methods": mode_init_methods,
    "seed": mode_seed,
    "fail": mode_fail,
    "timeout": mode_timeout,
    "metric": mode_metric,
    "slurm": mode_slurm,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("out", nargs="?", default=".")
    parser.add_argument("--launch", choices=["spawn", "parallel", "torchrun"], default="torchrun")
    parser.add_argument("--nproc", type=int, default=2)
    args = parser.parse_args()
    MODES[args.mode](args)


if __name__ == "__main__":
    main()
