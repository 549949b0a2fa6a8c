"""MetricGroup: protocol, scikit-learn oracle for each member, per-member output transforms."""

from __future__ import annotations

import warnings

import pytest
import torch
from classification_oracles import batch_splits, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F  # noqa: N812 - the usual name

from ember.engine import Engine
from ember.testing import check_metric
from ember_metrics import Accuracy, Loss, MetricGroup, Precision

SETTINGS = settings(max_examples=25, deadline=None)


def classification_group():
    return MetricGroup(
        {
            "accuracy": Accuracy(),
            "precision": Precision(average="macro"),
            "loss": Loss(F.cross_entropy),
        }
    )


def sk_group(y_pred, y):
    # Oracle: sklearn accuracy_score and precision_score, torch's cross_entropy on all data.
    from sklearn.metrics import accuracy_score, precision_score

    predicted = y_pred.argmax(1).numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision = precision_score(
            y.numpy(),
            predicted,
            labels=list(range(y_pred.shape[1])),
            average="macro",
            zero_division=0,
        )
    return {
        "accuracy": accuracy_score(y.numpy(), predicted),
        "precision": precision,
        "loss": F.cross_entropy(y_pred, y).item(),
    }


@SETTINGS
@given(
    seed=st.integers(0, 2**16), n=st.integers(1, 24), num_classes=st.integers(2, 5), data=st.data()
)
def test_group_computes_each_member_like_sklearn_for_any_split(seed, n, num_classes, data):
    y_pred, y = multiclass_input(seed, n, num_classes, score_dtype=torch.float64)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_metric(classification_group, batches, reference=lambda d: sk_group(*d))


def test_each_member_applies_its_own_output_transform():
    group = MetricGroup(
        {
            "first": Accuracy(output_transform=lambda out: (out[0], out[2])),
            "second": Accuracy(output_transform=lambda out: (out[1], out[2])),
        }
    )
    y = torch.tensor([0, 1])
    group.update((torch.eye(2), torch.eye(2).flip(0), y))
    assert group.compute() == {"first": 1.0, "second": 0.0}


def test_attached_group_stores_each_member_and_the_dict():
    engine = Engine(lambda engine, batch: batch)
    classification_group().attach(engine, "eval")
    y_pred, y = multiclass_input(0, 10, 3)
    metrics = engine.run([(y_pred, y)]).metrics
    assert set(metrics) == {"accuracy", "precision", "loss", "eval"}
    assert metrics["eval"]["accuracy"] == metrics["accuracy"]


def test_metrics_must_map_names_to_metrics():
    with pytest.raises(TypeError, match="MetricGroup"):
        MetricGroup([Accuracy()])
    with pytest.raises(TypeError, match="MetricGroup"):
        MetricGroup({"accuracy": "Accuracy"})
