"""MeanAveragePrecision (classification scores) against scikit-learn and PyTorch-Ignite.

Oracle: scikit-learn's ``average_precision_score`` per class (the step area
``sum (R_k - R_{k-1}) P_k`` over distinct scores, the definition Ignite follows), averaged here
as ``class_mean`` says: macro (plain mean), weighted (by positives), micro (one curve over the
raveled one-hot targets and scores). A class without positives counts 0, as in Ignite
(scikit-learn also returns 0, with a warning, which is silenced). With ``rec_thresholds`` the
oracle reads scikit-learn's ``precision_recall_curve``: at each threshold ``r_k`` the precision
of the highest score whose recall reaches ``r_k`` (0 if none), weighted by ``r_k - r_{k-1}``.
One parity test runs PyTorch-Ignite 0.5.5's ``MeanAveragePrecision`` on fixed data.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from classification_oracles import expect_value_error
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import no_host_reads
from sklearn.metrics import average_precision_score, precision_recall_curve
from sync_cases_detection import CASES

import ember_metrics.classification._input_checks as input_checks
from ember.exceptions import NotComputableError
from ember.testing import assert_values_close, check_metric
from ember_metrics import MeanAveragePrecision

# ------------------------------------------------------------------ the oracle


def _ap(targets: np.ndarray, scores: np.ndarray, rec_thresholds: list[float] | None) -> float:
    if targets.sum() == 0:
        return 0.0
    if rec_thresholds is None:
        return float(average_precision_score(targets, scores))
    precision, recall, thresholds = precision_recall_curve(targets, scores)
    precision, recall = precision[:-1], recall[:-1]  # drop the (recall 0, precision 1) end
    total, previous = 0.0, 0.0
    for r in sorted(rec_thresholds):
        reaching = recall >= r
        value = precision[reaching][np.argmax(thresholds[reaching])] if reaching.any() else 0.0
        total += (r - previous) * value
        previous = r
    return total


def sk_mean_average_precision(
    scores: torch.Tensor,
    y: torch.Tensor,
    input_type: str,
    class_mean: str | None,
    rec_thresholds: list[float] | None = None,
) -> float | np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if input_type == "binary":
            return _ap(y.numpy().ravel(), scores.double().numpy().ravel(), rec_thresholds)
        num_classes = scores.shape[1]
        columns = scores.double().transpose(0, 1).reshape(num_classes, -1).numpy()
        if input_type == "multiclass":
            targets = np.eye(num_classes, dtype=int)[y.numpy().ravel()].T
        else:
            targets = y.transpose(0, 1).reshape(num_classes, -1).numpy()
        if class_mean == "micro":
            return _ap(targets.ravel(), columns.ravel(), rec_thresholds)
        per_class = np.array(
            [_ap(targets[c], columns[c], rec_thresholds) for c in range(num_classes)]
        )
        if class_mean is None:
            return per_class
        if class_mean == "weighted":
            positives = targets.sum(axis=1)
            return float((positives * per_class).sum() / positives.sum())
        return float(per_class.mean())


# ------------------------------------------------------------------ inputs


def scored_input(
    seed: int, input_type: str, n: int, num_classes: int, extra: int, tied: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    positions = (extra,) if extra else ()
    if input_type == "binary":
        shape = (n, *positions)
        scores = torch.rand(shape, generator=g)
        y = (torch.rand(shape, generator=g) < 0.4).long()
    elif input_type == "multiclass":
        scores = torch.rand((n, num_classes, *positions), generator=g)
        y = torch.randint(0, num_classes, (n, *positions), generator=g)
    else:
        scores = torch.rand((n, num_classes, *positions), generator=g)
        y = (torch.rand(scores.shape, generator=g) < 0.4).long()
    if tied:
        scores = (scores * 4).round() / 4
    return scores, y


@st.composite
def drawn_input(draw: st.DrawFn) -> tuple[str, torch.Tensor, torch.Tensor, list[int]]:
    input_type = draw(st.sampled_from(["binary", "multiclass", "multilabel"]))
    n = draw(st.integers(1, 30))
    scores, y = scored_input(
        draw(st.integers(0, 2**31)),
        input_type,
        n,
        draw(st.integers(2, 5)),
        draw(st.sampled_from([0, 0, 3])),
        draw(st.booleans()),
    )
    cuts = sorted(set(draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=3)))) if n > 1 else []
    return input_type, scores, y, cuts


def _split(
    scores: torch.Tensor, y: torch.Tensor, cuts: list[int]
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    sizes = np.diff([0, *cuts, len(y)]).tolist()
    return list(zip(scores.split(sizes), y.split(sizes), strict=True))


def _run(metric: MeanAveragePrecision, batches: list[tuple[torch.Tensor, torch.Tensor]]):
    for batch in batches:
        metric.update(batch)
    return metric.compute()


# ------------------------------------------------------------------ tests


@settings(max_examples=30, deadline=None)
@given(
    drawn=drawn_input(),
    class_mean=st.sampled_from(["macro", "weighted", "micro", None]),
    rec_thresholds=st.none() | st.lists(st.floats(0, 1), min_size=1, max_size=4, unique=True),
)
def test_equals_scikit_learn_in_any_batching(drawn, class_mean, rec_thresholds):
    input_type, scores, y, cuts = drawn
    metric = MeanAveragePrecision(
        rec_thresholds=rec_thresholds,
        class_mean=class_mean,
        is_multilabel=input_type == "multilabel",
    )
    value = _run(metric, _split(scores, y, cuts))
    expected = sk_mean_average_precision(scores, y, input_type, class_mean, rec_thresholds)
    if input_type == "binary":
        assert isinstance(value, float)
    assert_values_close(value, expected, "vs scikit-learn", 1e-9, 1e-12)
    whole = _run(
        MeanAveragePrecision(rec_thresholds, class_mean, input_type == "multilabel"), [(scores, y)]
    )
    assert_values_close(value, whole, "split vs one batch", 1e-12, 1e-12)


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("mean_average")))
def test_protocol_state_dict_pickling_and_attach(name):
    factory, batches = CASES[name]
    check_metric(factory, batches)


def test_compute_before_any_update_raises_not_computable():
    with pytest.raises(NotComputableError, match="at least one example"):
        MeanAveragePrecision().compute()


def test_update_does_not_read_device_values(monkeypatch):
    # On the CPU values are checked at once; accelerator inputs are checked on the device.
    monkeypatch.setattr(input_checks, "EAGER_DEVICE_TYPES", frozenset())
    metric = MeanAveragePrecision()
    scores, y = scored_input(3, "multiclass", 8, 3, 0, False)
    with no_host_reads():
        metric.update((scores, y))
        metric.update((scores, y))
    expected = sk_mean_average_precision(
        torch.cat([scores] * 2), torch.cat([y] * 2), "multiclass", "macro"
    )
    assert_values_close(metric.compute(), expected, "after deferred checks", 1e-9, 1e-12)


def test_bad_input_is_rejected():
    metric = MeanAveragePrecision()
    expect_value_error(
        lambda: metric.update((torch.rand(4, 3), torch.tensor([0, 1, 3, 0]))),
        "MeanAveragePrecision.update",
        "y",
        "[0, 3)",
    )
    expect_value_error(
        lambda: MeanAveragePrecision().update((torch.rand(4, 3, 2), torch.zeros(5, 2).long())),
        "MeanAveragePrecision.update",
        "(4, 3, 2)",
        "(5, 2)",
    )
    expect_value_error(
        lambda: MeanAveragePrecision().update((torch.rand(4), torch.tensor([0, 2, 1, 0]))),
        "MeanAveragePrecision.update",
        "y holds 2",
    )
    expect_value_error(
        lambda: MeanAveragePrecision(is_multilabel=True).update(
            (torch.rand(4, 3), torch.zeros(4).long())
        ),
        "MeanAveragePrecision.update",
        "is_multilabel=True",
    )
    expect_value_error(
        lambda: MeanAveragePrecision().update(
            (torch.tensor([0.5, float("nan")]), torch.tensor([0, 1]))
        ),
        "MeanAveragePrecision.update",
        "NaN",
    )
    with pytest.raises(TypeError, match="floating point"):
        MeanAveragePrecision().update((torch.tensor([1, 0]), torch.tensor([0, 1])))
    metric = MeanAveragePrecision()
    metric.update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0])))
    expect_value_error(
        lambda: metric.update((torch.rand(4, 5), torch.tensor([0, 1, 2, 0]))),
        "MeanAveragePrecision.update",
        "5 classes",
    )
    expect_value_error(
        lambda: MeanAveragePrecision(class_mean="samples"), "class_mean", "'samples'"
    )
    expect_value_error(
        lambda: MeanAveragePrecision(rec_thresholds=[0.5, 1.5]), "rec_thresholds", "[0, 1]"
    )


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    ("input_type", "kwargs"),
    [
        ("binary", {}),
        ("binary", {"rec_thresholds": [0.1, 0.5, 0.8]}),
        ("multiclass", {}),
        ("multiclass", {"class_mean": None}),
        ("multiclass", {"class_mean": "micro", "rec_thresholds": [0.0, 0.3, 0.9, 1.0]}),
        ("multilabel", {"class_mean": "weighted"}),
        ("multilabel", {"class_mean": None, "rec_thresholds": [0.25, 0.75]}),
    ],
)
def test_parity_with_ignite(input_type, kwargs):
    ignite_map = pytest.importorskip("ignite.metrics.mean_average_precision")
    batches = [scored_input(s, input_type, 9, 4, 0, s == 2) for s in range(3)]
    multilabel = input_type == "multilabel"
    ours = _run(MeanAveragePrecision(is_multilabel=multilabel, **kwargs), batches)
    theirs = ignite_map.MeanAveragePrecision(is_multilabel=multilabel, **kwargs)
    for batch in batches:
        theirs.update(batch)
    assert_values_close(ours, theirs.compute(), f"vs ignite {input_type} {kwargs}", 1e-6, 1e-9)


def test_factory_is_picklable_for_the_two_process_check():
    factory, _ = CASES["mean_average_precision[multilabel, weighted]"]
    assert isinstance(factory, functools.partial)
