"""Metric update cost: ember-metrics next to PyTorch-Ignite and torchmetrics on the same tensors.

Five metrics, each fed the same 1 000 batches of 256 samples (10 classes where there are
classes): ``reset``, ``update`` on every batch, then one ``compute``. The figure is the whole
pass divided by the number of batches (µs per update, the compute included). Each library is
used as its documentation shows, with its default arguments.

Every figure is the best of ``--repeats`` passes with the garbage collector off; the three
libraries take turns inside every repeat, so that a slow spell of the machine favours none.
Target: ember at most 0.7x the faster of the two peers on each metric.

    python benchmarks/metrics.py            # 1 000 batches, 5 repeats
    python benchmarks/metrics.py --quick    # 50 batches, 2 repeats
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import torch
from _report import header, optional_import, parse_args, ratio, silence_loggers, table, verdict

TARGET_RATIO = 0.7  # ember / the faster peer
BATCH = 256
CLASSES = 10

Batch = tuple[torch.Tensor, torch.Tensor]
Factory = Callable[[], Any]


def make_batches(kind: str, count: int) -> list[Batch]:
    """``count`` batches of one input kind, from a fixed seed."""
    generator = torch.Generator().manual_seed(2026)
    batches = []
    for _ in range(count):
        if kind == "multiclass":
            logits = torch.randn(BATCH, CLASSES, generator=generator)
            batches.append((logits, torch.randint(0, CLASSES, (BATCH,), generator=generator)))
        elif kind == "regression":
            target = torch.randn(BATCH, generator=generator)
            batches.append((target + 0.1 * torch.randn(BATCH, generator=generator), target))
        else:  # binary scores
            scores = torch.rand(BATCH, generator=generator)
            batches.append((scores, torch.randint(0, 2, (BATCH,), generator=generator)))
    return batches


class Feeder:
    """Runs one library's metric over the batches: reset, update each, compute."""

    def __init__(self, factory: Factory, call_style: str) -> None:
        self.metric = factory()
        self.call_style = call_style  # "pair": update((y_pred, y)); "args": update(y_pred, y)

    def __call__(self, batches: list[Batch]) -> float:
        metric = self.metric
        metric.reset()
        start = time.perf_counter()
        if self.call_style == "pair":
            for batch in batches:
                metric.update(batch)
        else:
            for y_pred, y in batches:
                metric.update(y_pred, y)
        metric.compute()
        return time.perf_counter() - start


def peers() -> dict[str, dict[str, tuple[str, Factory | None, str]]]:
    """Per metric: input kind and, per library, (factory or None, call style)."""
    import ember_metrics as em

    ignite = optional_import("ignite.metrics")
    tm = optional_import("torchmetrics")
    silence_loggers("ignite")

    def ig(name: str, *args: Any, **kwargs: Any) -> Factory | None:
        if ignite is None:
            return None
        cls = getattr(ignite, name)
        return lambda: cls(*args, **kwargs)

    def tmc(path: str, **kwargs: Any) -> Factory | None:
        if tm is None:
            return None
        module_name, _, name = path.rpartition(".")
        module = optional_import(f"torchmetrics.{module_name}") if module_name else tm
        cls = getattr(module, name)
        return lambda: cls(**kwargs)

    rows: dict[str, Any] = {
        "Accuracy": (
            "multiclass",
            em.Accuracy,
            ig("Accuracy"),
            tmc("classification.MulticlassAccuracy", num_classes=CLASSES, average="micro"),
        ),
        "Precision(average=False)": (
            "multiclass",
            lambda: em.Precision(average=False),
            ig("Precision", average=False),
            tmc("classification.MulticlassPrecision", num_classes=CLASSES, average="none"),
        ),
        "ConfusionMatrix": (
            "multiclass",
            lambda: em.ConfusionMatrix(num_classes=CLASSES),
            ig("ConfusionMatrix", num_classes=CLASSES),
            tmc("classification.MulticlassConfusionMatrix", num_classes=CLASSES),
        ),
        "MeanSquaredError": (
            "regression",
            em.MeanSquaredError,
            ig("MeanSquaredError"),
            tmc("regression.MeanSquaredError"),
        ),
        "ROC_AUC": (
            "binary",
            em.ROC_AUC,
            ig("ROC_AUC"),
            tmc("classification.BinaryAUROC"),
        ),
    }
    return rows


def best_of(feeders: dict[str, Feeder | None], batches: list[Batch], repeats: int) -> dict:
    """Best pass time per library; libraries take turns inside every repeat."""
    best: dict[str, float | None] = dict.fromkeys(feeders)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for feeder in feeders.values():  # a warm-up pass each: lazy imports, allocator
            if feeder is not None:
                feeder(batches[: max(len(batches) // 20, 2)])
        for _ in range(repeats):
            for name, feeder in feeders.items():
                if feeder is None:
                    continue
                elapsed = feeder(batches)
                current = best[name]
                best[name] = elapsed if current is None else min(current, elapsed)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


def main() -> None:
    args = parse_args(__doc__ or "")
    count = 50 if args.quick else 1000
    repeats = args.repeats or (2 if args.quick else 5)
    import ember_metrics

    header("Metric update cost: ember-metrics vs PyTorch-Ignite vs torchmetrics")
    tm = optional_import("torchmetrics")
    print(
        f"ember-metrics {ember_metrics.__version__}, torchmetrics "
        f"{getattr(tm, '__version__', '-')}; {count} batches of {BATCH}, {CLASSES} classes, "
        f"best of {repeats}; µs per update (compute included)"
    )
    print()
    rows = []
    batches_by_kind: dict[str, list[Batch]] = {}
    for name, (kind, ember_f, ignite_f, tm_f) in peers().items():
        batches = batches_by_kind.setdefault(kind, make_batches(kind, count))
        feeders = {
            "ember": Feeder(ember_f, "pair"),
            "ignite": Feeder(ignite_f, "pair") if ignite_f else None,
            "torchmetrics": Feeder(tm_f, "args") if tm_f else None,
        }
        best = best_of(feeders, batches, repeats)
        per_update = {lib: None if t is None else t / count * 1e6 for lib, t in best.items()}
        peer_times = [t for lib, t in per_update.items() if lib != "ember" and t is not None]
        faster_peer = min(peer_times) if peer_times else None
        share = ratio(per_update["ember"], faster_peer)
        rows.append(
            [
                name,
                per_update["ember"],
                per_update["ignite"],
                per_update["torchmetrics"],
                share,
                verdict(share, TARGET_RATIO) + f" (<= {TARGET_RATIO})",
            ]
        )
    table(
        ["metric", "ember µs", "ignite µs", "torchmetrics µs", "ember/faster peer", "target"],
        rows,
    )


if __name__ == "__main__":
    main()
