"""all_reduce on two gloo processes: ember.distributed next to torch.distributed itself.

Two payloads: a metric's state (three scalars in one tensor, what ``sync_all_reduce`` sends)
and a 1 MB float32 tensor. Each process alternates ember and torch call by call on the same
tensor (and which of the two goes first), so both see the same machine state even on a busy
two-core machine; rank 0 reports the median time per call of each.

    python benchmarks/distributed_collectives.py            # 10 000 small / 1 000 large pairs
    python benchmarks/distributed_collectives.py --quick    # 400 / 40 pairs
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
from _report import header, parse_args, table, verdict

TARGET_RATIO = 1.1  # ember / torch.distributed per all_reduce


def _interleaved(ember_call: object, torch_call: object, tensor: torch.Tensor, calls: int):
    """Per-call times of both sides, alternating call by call (and which side goes first)."""
    ember_ns, torch_ns = [], []
    clock = time.perf_counter_ns
    dist.barrier()
    for i in range(calls):
        first, second = (ember_call, torch_call) if i % 2 else (torch_call, ember_call)
        t0 = clock()
        first(tensor)  # type: ignore[operator]
        t1 = clock()
        second(tensor)  # type: ignore[operator]
        t2 = clock()
        (ember_ns if i % 2 else torch_ns).append(t1 - t0)
        (torch_ns if i % 2 else ember_ns).append(t2 - t1)
    return ember_ns, torch_ns


def _worker(local_rank: int, small_calls: int, large_calls: int, out: str) -> None:
    import ember.distributed as idist

    payloads = {
        "metric state (3 scalars)": (torch.tensor([3.0, 5.0, 7.0]), small_calls),
        "1 MB tensor": (torch.ones(262_144), large_calls),
    }
    results = {}
    for name, (tensor, calls) in payloads.items():
        _interleaved(idist.all_reduce, dist.all_reduce, tensor, max(calls // 10, 1))  # warm up
        ember_ns, torch_ns = _interleaved(idist.all_reduce, dist.all_reduce, tensor, calls)
        results[name] = (statistics.median(ember_ns) / 1e9, statistics.median(torch_ns) / 1e9)
    if idist.get_rank() == 0:
        torch.save(results, out)


def main() -> None:
    args = parse_args(__doc__ or "")
    small, large = (400, 40) if args.quick else (10_000, 1_000)
    import ember.distributed as idist

    header("all_reduce on 2 gloo processes: ember.distributed vs torch.distributed")
    with tempfile.TemporaryDirectory() as directory:
        out = str(Path(directory) / "results.pt")
        idist.spawn("gloo", _worker, args=(small, large, out), nproc_per_node=2)
        results = torch.load(out, weights_only=False)
    rows = []
    for name, (ember_s, torch_s) in results.items():
        ratio = ember_s / torch_s
        rows.append(
            [
                name,
                ember_s * 1e6,
                torch_s * 1e6,
                ratio,
                verdict(ratio, TARGET_RATIO) + f" (<= {TARGET_RATIO})",
            ]
        )
    table(["payload", "ember µs", "torch µs", "ember/torch", "target"], rows)


if __name__ == "__main__":
    main()
