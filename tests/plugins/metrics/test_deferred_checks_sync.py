"""Deferred value checks on two gloo processes: invalid input on one process only.

Values on an accelerator are checked without a host read in ``update`` and reported by
``compute``. With two processes, only rank 0 gets an invalid batch: both must raise ValueError
from ``compute`` (rank 0 with its own message, rank 1 naming rank 0 and its message), none may
return a value, and metrics that gather their data after the check (EpochMetric-based ROC AUC,
CohenKappa) must not leave rank 1 waiting in a gather that rank 0 never joins. The checks are
deferred on the CPU by emptying ``EAGER_DEVICE_TYPES`` in both processes (no GPU here); the
process group's timeout turns a hang into an error instead of a stuck test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
import torch

from ember.metric import Metric
from ember_metrics import (
    ROC_AUC,
    Accuracy,
    CohenKappa,
    ConfusionMatrix,
    GeometricAverage,
    Precision,
)

_SCORES = torch.tensor([[0.1, 0.5, 0.2, 0.2], [0.7, 0.1, 0.1, 0.1], [0.2, 0.2, 0.5, 0.1]])

# name -> (factory, valid batch, invalid batch, fragment of the invalid batch's message)
CASES: dict[str, tuple[Callable[[], Metric], object, object, str]] = {
    "accuracy": (
        Accuracy,
        (_SCORES, torch.tensor([1, 0, 2])),
        (_SCORES, torch.tensor([1, 9, 2])),
        "class indices in [0, 4)",
    ),
    "precision": (
        functools.partial(Precision, average="macro"),
        (_SCORES, torch.tensor([1, 0, 2])),
        (_SCORES, torch.tensor([1, -1, 2])),
        "class indices",
    ),
    "confusion_matrix": (
        functools.partial(ConfusionMatrix, 4),
        (_SCORES, torch.tensor([1, 0, 2])),
        (_SCORES, torch.tensor([1.0, 0.5, 2.0])),
        "whole-number",
    ),
    "roc_auc": (
        ROC_AUC,
        (torch.tensor([0.1, 0.8, 0.3, 0.6]), torch.tensor([0, 1, 0, 1])),
        (torch.tensor([0.1, 0.8, 0.3, 0.6]), torch.tensor([0, 1, 2, 1])),
        "only 0 and 1",
    ),
    "cohen_kappa": (
        functools.partial(CohenKappa, num_classes=2),
        (torch.tensor([0, 1]), torch.tensor([0, 1])),
        (torch.tensor([0, 5]), torch.tensor([0, 1])),
        "[0, 2)",
    ),
    "geometric_average": (
        GeometricAverage,
        torch.tensor([1.0, 2.0]),
        torch.tensor([1.0, -1.0]),
        ">= 0",
    ),
}


def _invalid_on_rank_zero(local_rank: int, out: str) -> None:
    """Both ranks update every metric, rank 0 with the invalid batch; record each outcome."""
    import ember.distributed as idist
    from ember_metrics.classification import _input_checks

    _input_checks.EAGER_DEVICE_TYPES = frozenset()  # check as on an accelerator
    rank = idist.get_rank()
    outcomes = {}
    for name, (factory, valid, invalid, _) in CASES.items():
        metric = factory()
        metric.update(invalid if rank == 0 else valid)
        try:
            outcomes[name] = ("value", repr(metric.compute()))
        except Exception as error:
            outcomes[name] = (type(error).__name__, str(error))
    torch.save(outcomes, f"{out}.{rank}")


@pytest.mark.slow
def test_invalid_input_on_one_process_makes_every_process_raise(tmp_path):
    import ember.distributed as idist

    out = str(tmp_path / "outcomes")
    idist.spawn("gloo", _invalid_on_rank_zero, args=(out,), nproc_per_node=2, timeout=30)
    failing = torch.load(f"{out}.0", weights_only=False)
    other = torch.load(f"{out}.1", weights_only=False)
    for name, (_, _, _, fragment) in CASES.items():
        kind, message = failing[name]
        assert kind == "ValueError", f"{name} on rank 0: {kind}: {message}"
        assert fragment in message, f"{name} on rank 0: {message}"
        assert "since the last reset()" in message
        kind, message = other[name]
        assert kind == "ValueError", f"{name} on rank 1: {kind}: {message}"
        assert "another process received invalid input" in message, message
        assert "process 0: " in message, f"{name}: {message}"
        assert fragment in message, f"{name}: {message}"
