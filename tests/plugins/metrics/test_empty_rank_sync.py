"""Two gloo processes where only rank 0 updates: both compute the one-process value.

Oracle: the same metric updated with every batch in one process. Metrics whose accumulators
only get their shape at the first update (per-class counts, per-element sums) used to make the
rank without batches reduce a number or a 0-d tensor while the other reduced a ``(C,)``
tensor; Precision/Recall with a scalar average raised NotComputableError on that rank.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric
from ember.metric.reduction import CollectiveHooks, set_collective_hooks
from ember.testing import assert_values_close
from ember_metrics import (
    Average,
    ClassificationReport,
    Fbeta,
    GeometricAverage,
    MutualInformation,
    Precision,
    Recall,
    VariableAccumulation,
)
from ember_metrics.aggregation.average import add_examples


def _classification_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(3)
    scores = torch.rand(20, 4, generator=generator)
    target = torch.randint(0, 4, (20,), generator=generator)
    return [(scores[i : i + 5], target[i : i + 5]) for i in range(0, 20, 5)]


def _tensor_batches(positive: bool) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(5)
    values = torch.rand(12, 3, generator=generator, dtype=torch.float64)
    values = values + 0.5 if positive else values - 0.5
    return [values[i : i + 4] for i in range(0, 12, 4)]


# name -> (factory, batches). Factories are picklable (classes or functools.partial).
CASES: dict[str, tuple[Callable[[], Metric], list]] = {
    "precision_per_class": (Precision, _classification_batches()),
    "precision_macro": (functools.partial(Precision, average="macro"), _classification_batches()),
    "recall_weighted": (functools.partial(Recall, average="weighted"), _classification_batches()),
    "recall_none": (functools.partial(Recall, average=None), _classification_batches()),
    "precision_micro": (functools.partial(Precision, average="micro"), _classification_batches()),
    "fbeta": (functools.partial(Fbeta, beta=1.0), _classification_batches()),
    "classification_report": (
        functools.partial(ClassificationReport, output_dict=True),
        _classification_batches(),
    ),
    "mutual_information": (MutualInformation, _classification_batches()),
    "average": (Average, _tensor_batches(positive=False)),
    "geometric_average": (GeometricAverage, _tensor_batches(positive=True)),
    "variable_accumulation": (
        functools.partial(VariableAccumulation, add_examples),
        _tensor_batches(positive=False),
    ),
}

# Computed with no update on any rank: NotComputableError everywhere, no hang.
EMPTY_EVERYWHERE = ("precision_per_class", "precision_micro", "mutual_information", "average")


def _all_on_rank_zero(local_rank: int, out: str) -> None:
    """Rank 0 updates with every batch, rank 1 with none; each saves what it computes."""
    import ember.distributed as idist

    rank = idist.get_rank()
    values = {}
    for name, (factory, batches) in CASES.items():
        metric = factory()
        if rank == 0:
            for batch in batches:
                metric.update(batch)
        values[name] = metric.compute()
    errors = {}
    for name in EMPTY_EVERYWHERE:
        try:
            errors[name] = CASES[name][0]().compute()
        except Exception as error:
            errors[name] = type(error).__name__
    torch.save({"values": values, "errors": errors}, f"{out}.{rank}")


@pytest.mark.slow
def test_a_process_without_batches_computes_the_value_of_all_of_them(tmp_path):
    import ember.distributed as idist

    out = str(tmp_path / "values")
    idist.spawn("gloo", _all_on_rank_zero, args=(out,), nproc_per_node=2)
    expected = {}
    for name, (factory, batches) in CASES.items():
        metric = factory()
        for batch in batches:
            metric.update(batch)
        expected[name] = metric.compute()
    for rank in range(2):
        saved = torch.load(f"{out}.{rank}", weights_only=False)
        for name, value in expected.items():
            assert_values_close(saved["values"][name], value, f"{name} on rank {rank}")
        assert saved["errors"] == dict.fromkeys(EMPTY_EVERYWHERE, NotComputableError.__name__)


def _two_ranks_with(other: object) -> CollectiveHooks:
    """Hooks of rank 1 of 2 whose rank 0 gathers ``other``; reductions return their input."""
    return CollectiveHooks(
        get_world_size=lambda: 2,
        get_rank=lambda: 1,
        all_reduce=lambda value, op: value,
        all_gather=lambda value: [other, value],
    )


_COUNTS_OF_FOUR_CLASSES = (("tensor", (4,), torch.float64),) * 2 + (("number", int),)


@pytest.mark.parametrize(
    ("rank_zero", "expected"),
    [
        ((True, _COUNTS_OF_FOUR_CLASSES), torch.zeros(4, dtype=torch.float64)),
        ((False, (("number", int),) * 3), NotComputableError),
    ],
    ids=["rank-zero-updated", "nobody-updated"],
)
def test_an_empty_process_takes_the_shape_of_the_others_and_keeps_its_state(rank_zero, expected):
    # No process group: rank 0's gathered description is faked and reductions are identities,
    # so the empty rank 1 computes from the zeros it made.
    empty = Precision(average=None)
    previous = set_collective_hooks(_two_ranks_with(rank_zero))
    try:
        if expected is NotComputableError:
            with pytest.raises(NotComputableError):
                empty.compute()
        else:
            assert_values_close(empty.compute(), expected, "per-class precision")
    finally:
        set_collective_hooks(previous)
    assert (empty._numerator, empty._denominator, empty._updated) == (0, 0, False)
