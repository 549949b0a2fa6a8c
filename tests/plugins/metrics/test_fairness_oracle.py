"""Fairness metrics against fairlearn on hypothesis-drawn data.

Oracle: fairlearn 0.15 — ``fairlearn.metrics.MetricFrame`` with scikit-learn's
``accuracy_score`` / ``mean_absolute_error`` as the per-group function (``by_group`` for the
per-group values, ``difference()`` for max - min), ``fairlearn.metrics.selection_rate`` (one
``pos_label`` per class or label) and ``fairlearn.metrics.demographic_parity_difference`` for
binary predictions. Inputs: binary (also with an extra dimension, each element one
prediction), multiclass and multilabel, 2 to 4 groups with arbitrary int identifiers, every
group present, split into 1 to 4 batches.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, check_split_invariance, split
from fairlearn.metrics import MetricFrame, demographic_parity_difference, selection_rate
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import assert_close, run_metric
from sklearn.metrics import accuracy_score, mean_absolute_error

from ember.testing import check_metric
from ember_metrics import (
    Accuracy,
    DemographicParityDifference,
    MeanAbsoluteError,
    SelectionRate,
    SubgroupAccuracyDifference,
    SubgroupDifference,
    SubgroupMetric,
)

SETTINGS = settings(max_examples=25, deadline=None)
INPUT_TYPES = ("binary", "binary (N, L)", "multiclass", "multilabel")


@dataclass
class Fair:
    """Batches ``[(y_pred, y, group_labels), ...]`` and the same data as fairlearn sees it: one
    row per prediction (an element of binary ``(N, L)`` input), its group repeated."""

    kind: str
    groups: list[int]
    num_classes: int
    batches: list[tuple[torch.Tensor, ...]]
    predicted: np.ndarray  # (M,) class / 0-1 per prediction, or (M, C) indicators (multilabel)
    true: np.ndarray
    sensitive: np.ndarray  # (M,)

    @property
    def is_multilabel(self) -> bool:
        return self.kind == "multilabel"


@st.composite
def fair_data(draw: st.DrawFn, kinds: tuple[str, ...] = INPUT_TYPES) -> Fair:
    kind = draw(st.sampled_from(kinds))
    groups = draw(st.lists(st.integers(-3, 9), min_size=2, max_size=4, unique=True))
    n = draw(st.integers(len(groups), 24))
    num_classes = draw(st.integers(2, 4))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    # Every group has at least one sample; the rest are drawn, then the order shuffled.
    picks = torch.cat(
        [torch.arange(len(groups)), torch.randint(0, len(groups), (n - len(groups),), generator=g)]
    )
    labels = torch.tensor(groups)[picks[torch.randperm(n, generator=g)]]
    if kind == "multiclass":
        y_pred = torch.randn(n, num_classes, generator=g)
        y = torch.randint(0, num_classes, (n,), generator=g)
        predicted, true, sensitive = y_pred.argmax(1).numpy(), y.numpy(), labels.numpy()
    elif kind == "multilabel":
        y_pred = torch.randint(0, 2, (n, num_classes), generator=g)
        y = torch.randint(0, 2, (n, num_classes), generator=g)
        predicted, true, sensitive = y_pred.numpy(), y.numpy(), labels.numpy()
    else:
        shape = (n,) if kind == "binary" else (n, 3)
        y_pred = torch.randint(0, 2, shape, generator=g)
        y = torch.randint(0, 2, shape, generator=g)
        per_sample = 1 if kind == "binary" else 3
        predicted, true = y_pred.reshape(-1).numpy(), y.reshape(-1).numpy()
        sensitive = labels.repeat_interleave(per_sample).numpy()
        num_classes = 2
    batches = split((y_pred, y, labels), draw(batch_splits(n)))
    return Fair(kind, groups, num_classes, batches, predicted, true, sensitive)


# ------------------------------------------------------------------ fairlearn oracles


def _frame(data: Fair, metric) -> MetricFrame:
    return MetricFrame(
        metrics=metric, y_true=data.true, y_pred=data.predicted, sensitive_features=data.sensitive
    )


def fl_accuracy_by_group(data: Fair) -> dict[int, float]:
    return {int(k): float(v) for k, v in _frame(data, accuracy_score).by_group.items()}


def fl_accuracy_difference(data: Fair) -> float:
    return float(_frame(data, accuracy_score).difference(method="between_groups"))


def _rate_functions(data: Fair) -> dict[str, object]:
    """One fairlearn selection_rate per category: pos_label=k, or per label column."""
    if data.is_multilabel:
        return {str(c): _LabelColumn(c) for c in range(data.num_classes)}
    return {str(k): functools.partial(selection_rate, pos_label=k) for k in range(data.num_classes)}


class _LabelColumn:
    """selection_rate of label ``c`` of multilabel indicator rows."""

    def __init__(self, c: int) -> None:
        self.c = c

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return selection_rate(y_true[:, self.c], y_pred[:, self.c], pos_label=1)


def fl_rates_overall(data: Fair) -> np.ndarray:
    functions = _rate_functions(data)
    return np.array([f(data.true, data.predicted) for f in functions.values()])


def fl_rates_by_group(data: Fair) -> dict[int, np.ndarray]:
    by_group = _frame(data, _rate_functions(data)).by_group
    return {int(group): row.to_numpy(dtype=float).copy() for group, row in by_group.iterrows()}


def fl_parity_difference(data: Fair) -> float:
    if data.kind.startswith("binary"):
        return float(
            demographic_parity_difference(
                data.true, data.predicted, sensitive_features=data.sensitive
            )
        )
    return float(_frame(data, _rate_functions(data)).difference().max())


# ------------------------------------------------------------------ properties


@SETTINGS
@given(fair_data())
def test_subgroup_metric_of_accuracy_matches_metricframe_by_group(data):
    metric = SubgroupMetric(Accuracy(is_multilabel=data.is_multilabel), groups=data.groups)
    assert_close(run_metric(metric, data.batches), fl_accuracy_by_group(data), "by group")


@SETTINGS
@given(fair_data())
def test_subgroup_difference_and_accuracy_difference_match_metricframe_difference(data):
    expected = fl_accuracy_difference(data)
    wrapped = SubgroupDifference(Accuracy(is_multilabel=data.is_multilabel), groups=data.groups)
    dedicated = SubgroupAccuracyDifference(data.groups, is_multilabel=data.is_multilabel)
    assert_close(run_metric(wrapped, data.batches), expected, "SubgroupDifference")
    assert_close(run_metric(dedicated, data.batches), expected, "SubgroupAccuracyDifference")


@SETTINGS
@given(fair_data())
def test_selection_rate_matches_fairlearn_selection_rate(data):
    overall = SelectionRate(is_multilabel=data.is_multilabel)
    batches = [(y_pred, y) for y_pred, y, _ in data.batches]
    assert_close(run_metric(overall, batches), fl_rates_overall(data), "overall")
    grouped = SelectionRate(is_multilabel=data.is_multilabel, groups=data.groups)
    assert_close(run_metric(grouped, data.batches), fl_rates_by_group(data), "by group")


@SETTINGS
@given(fair_data())
def test_demographic_parity_difference_matches_fairlearn(data):
    metric = DemographicParityDifference(data.groups, is_multilabel=data.is_multilabel)
    assert_close(run_metric(metric, data.batches), fl_parity_difference(data), "parity")


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=2, max_size=3, unique=True),
    st.integers(0, 2**31 - 1),
    st.data(),
)
def test_subgroup_metric_wraps_a_regression_metric(groups, seed, draw):
    g = torch.Generator().manual_seed(seed)
    n = 12
    labels = torch.tensor(groups)[torch.arange(n) % len(groups)]
    y_pred, y = (
        torch.randn(n, generator=g, dtype=torch.float64),
        torch.randn(n, generator=g, dtype=torch.float64),
    )
    batches = split((y_pred, y, labels), draw.draw(batch_splits(n)))
    frame = MetricFrame(
        metrics=mean_absolute_error,
        y_true=y.numpy(),
        y_pred=y_pred.numpy(),
        sensitive_features=labels.numpy(),
    )
    expected = {int(k): float(v) for k, v in frame.by_group.items()}
    assert_close(run_metric(SubgroupMetric(MeanAbsoluteError(), groups), batches), expected, "MAE")
    spread = SubgroupDifference(MeanAbsoluteError(), groups)
    assert_close(run_metric(spread, batches), float(frame.difference()), "MAE spread")


def _factories(data: Fair) -> list:
    multilabel = data.is_multilabel
    return [
        functools.partial(SubgroupMetric, Accuracy(is_multilabel=multilabel), groups=data.groups),
        functools.partial(SubgroupDifference, Accuracy(is_multilabel=multilabel), data.groups),
        functools.partial(SubgroupAccuracyDifference, data.groups, is_multilabel=multilabel),
        functools.partial(DemographicParityDifference, data.groups, is_multilabel=multilabel),
        functools.partial(SelectionRate, is_multilabel=multilabel, groups=data.groups),
    ]


@settings(max_examples=10, deadline=None)
@given(fair_data())
def test_any_split_into_batches_gives_the_value_of_one_batch(data):
    for factory in _factories(data):
        check_split_invariance(factory, data.batches)


# ------------------------------------------------------------------ protocol (ember.testing)


def _build_fixed() -> dict[str, Fair]:
    g = torch.Generator().manual_seed(11)
    groups = [4, 1, 7]
    labels = torch.tensor(groups * 4)
    fixed = {}
    y_pred = torch.randn(12, 3, generator=g)
    y = torch.randint(0, 3, (12,), generator=g)
    fixed["multiclass"] = Fair(
        "multiclass",
        groups,
        3,
        split((y_pred, y, labels), [3, 8]),
        y_pred.argmax(1).numpy(),
        y.numpy(),
        labels.numpy(),
    )
    y_pred, y = torch.randint(0, 2, (12,), generator=g), torch.randint(0, 2, (12,), generator=g)
    fixed["binary"] = Fair(
        "binary",
        groups,
        2,
        split((y_pred, y, labels), [5, 6]),
        y_pred.numpy(),
        y.numpy(),
        labels.numpy(),
    )
    return fixed


_FIXED = _build_fixed()


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_every_metric_follows_the_protocol_with_fairlearn_as_reference(kind):
    data = _FIXED[kind]
    references = [
        fl_accuracy_by_group(data),
        fl_accuracy_difference(data),
        fl_accuracy_difference(data),
        fl_parity_difference(data),
        fl_rates_by_group(data),
    ]
    for factory, expected in zip(_factories(data), references, strict=True):
        check_metric(factory, data.batches, reference=lambda _joined, e=expected: e)


def test_ungrouped_selection_rate_follows_the_protocol():
    data = _FIXED["multiclass"]
    batches = [(y_pred, y) for y_pred, y, _ in data.batches]
    expected = fl_rates_overall(data)
    check_metric(SelectionRate, batches, reference=lambda _joined: expected)
