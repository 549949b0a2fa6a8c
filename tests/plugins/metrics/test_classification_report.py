"""ClassificationReport: protocol, scikit-learn oracle (precision_recall_fscore_support)."""

from __future__ import annotations

import functools
import json
import warnings

import pytest
import torch
from classification_oracles import (
    as_json,
    batch_splits,
    check_wrapped,
    expect_value_error,
    multiclass_input,
    multilabel_input,
    split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.engine import Engine
from ember.testing import check_metric
from ember_metrics import ClassificationReport

SETTINGS = settings(max_examples=25, deadline=None)


def sk_report(y_pred, y, beta, multilabel, labels=None):
    # Oracle: sklearn.metrics.precision_recall_fscore_support, per class and macro.
    from sklearn.metrics import precision_recall_fscore_support

    if multilabel:
        target, predicted, classes = y.numpy(), y_pred.numpy(), None
    else:
        classes = list(range(y_pred.shape[1]))
        target, predicted = y.numpy(), y_pred.argmax(1).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, _ = precision_recall_fscore_support(
            target, predicted, beta=beta, labels=classes, zero_division=0
        )
    names = labels or [str(i) for i in range(len(p))]
    score = f"f{beta}-score"
    report = {
        name: {"precision": p[i], "recall": r[i], score: f[i]} for i, name in enumerate(names)
    }
    report["macro avg"] = {"precision": p.mean(), "recall": r.mean(), score: f.mean()}
    return report


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 20),
    num_classes=st.integers(2, 5),
    beta=st.sampled_from([1, 2.0, 0.5]),
    data=st.data(),
)
def test_multiclass_report_matches_sklearn_for_any_batch_split(seed, n, num_classes, beta, data):
    y_pred, y = multiclass_input(seed, n, num_classes)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(ClassificationReport, beta=beta, output_dict=True)
    check_metric(factory, batches, reference=lambda d: sk_report(*d, beta, False))


@SETTINGS
@given(
    seed=st.integers(0, 2**16), n=st.integers(1, 20), num_labels=st.integers(2, 4), data=st.data()
)
def test_multilabel_json_report_matches_sklearn_for_any_batch_split(seed, n, num_labels, data):
    y_pred, y = multilabel_input(seed, n, num_labels)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(ClassificationReport, is_multilabel=True)
    check_wrapped(as_json, factory, batches, reference=lambda d: sk_report(*d, 1, True))


def test_binary_input_reports_both_classes():
    report = ClassificationReport(output_dict=True)
    report.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
    assert sorted(report.compute()) == ["0", "1", "macro avg"]


def test_labels_name_the_classes_in_order():
    report = ClassificationReport(output_dict=True, labels=["a", "b", "c"])
    y_pred, y = multiclass_input(0, 12, 3)
    report.update((y_pred, y))
    assert list(report.compute()) == ["a", "b", "c", "macro avg"]


def test_report_is_json_by_default_and_flattened_into_state_metrics_when_a_dict():
    y_pred, y = multiclass_input(0, 12, 3)
    report = ClassificationReport()
    report.update((y_pred, y))
    assert set(json.loads(report.compute())) == {"0", "1", "2", "macro avg"}
    engine = Engine(lambda engine, batch: batch)
    ClassificationReport(output_dict=True).attach(engine, "report")
    metrics = engine.run([(y_pred, y)]).metrics
    assert metrics["macro avg"] == metrics["report"]["macro avg"]


def test_wrong_number_of_labels_is_reported_at_compute():
    report = ClassificationReport(labels=["only one"])
    report.update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0])))
    expect_value_error(report.compute, "ClassificationReport", "labels has 1", "3 classes")


@pytest.mark.parametrize("beta", [0, -1])
def test_beta_must_be_positive(beta):
    expect_value_error(lambda: ClassificationReport(beta=beta), "beta")


def test_labels_must_be_strings():
    with pytest.raises(TypeError, match="labels"):
        ClassificationReport(labels=[0, 1])
