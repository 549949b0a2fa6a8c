"""all_reduce on two gloo processes: ember.distributed next to torch.distributed itself.

Two payloads: a metric's state (three scalars in one tensor, what ``sync_all_reduce`` sends)
and a 1 MB float32 tensor. Each process alternates blocks of ember and torch calls on the same
tensors so that both see the same machine state; rank 0 reports the median over the blocks.

    python benchmarks/distributed_collectives.py            # 2 000 small / 200 large calls x 7
    python benchmarks/distributed_collectives.py --quick    # 200 / 20 calls x 3
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


def _time(call: object, tensor: torch.Tensor, calls: int) -> float:
    dist.barrier()
    start = time.perf_counter()
    for _ in range(calls):
        call(tensor)  # type: ignore[operator]
    return (time.perf_counter() - start) / calls


def _worker(local_rank: int, small_calls: int, large_calls: int, blocks: int, out: str) -> None:
    import ember.distributed as idist

    payloads = {
        "metric state (3 scalars)": (torch.tensor([3.0, 5.0, 7.0]), small_calls),
        "1 MB tensor": (torch.ones(262_144), large_calls),
    }
    results = {}
    for name, (tensor, calls) in payloads.items():
        ember_times, torch_times = [], []
        _time(dist.all_reduce, tensor, max(calls // 10, 1))  # warm up the connection
        for _ in range(blocks):
            ember_times.append(_time(idist.all_reduce, tensor, calls))
            torch_times.append(_time(dist.all_reduce, tensor, calls))
        results[name] = (statistics.median(ember_times), statistics.median(torch_times))
    if idist.get_rank() == 0:
        torch.save(results, out)


def main() -> None:
    args = parse_args(__doc__ or "")
    blocks = args.repeats or (3 if args.quick else 7)
    small, large = (200, 20) if args.quick else (2000, 200)
    import ember.distributed as idist

    header("all_reduce on 2 gloo processes: ember.distributed vs torch.distributed")
    with tempfile.TemporaryDirectory() as directory:
        out = str(Path(directory) / "results.pt")
        idist.spawn("gloo", _worker, args=(small, large, blocks, out), nproc_per_node=2)
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
