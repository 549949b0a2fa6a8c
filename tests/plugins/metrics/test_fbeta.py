"""Fbeta: protocol, scikit-learn oracle (fbeta_score), shared precision/recall, bad arguments."""

from __future__ import annotations

import functools
import warnings

import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import Fbeta, Precision, Recall

SETTINGS = settings(max_examples=30, deadline=None)


def sk_fbeta(y_pred, y, beta, average):
    # Oracle: sklearn.metrics.fbeta_score over labels range(C), zero_division=0.
    from sklearn.metrics import fbeta_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fbeta_score(
            y.flatten().numpy(),
            y_pred.argmax(1).flatten().numpy(),
            beta=beta,
            labels=list(range(y_pred.shape[1])),
            average="macro" if average else None,
            zero_division=0,
        )


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 24),
    num_classes=st.integers(2, 5),
    beta=st.sampled_from([0.5, 1.0, 2.0, 3]),
    average=st.booleans(),
    data=st.data(),
)
def test_fbeta_matches_sklearn_for_any_batch_split(seed, n, num_classes, beta, average, data):
    y_pred, y = multiclass_input(seed, n, num_classes)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(Fbeta, beta=beta, average=average)
    check_metric(factory, batches, reference=lambda d: sk_fbeta(*d, beta, average))


def test_fbeta_shares_the_counters_of_given_precision_and_recall():
    precision, recall = Precision(average=False), Recall(average=False)
    f1 = Fbeta(1.0, precision=precision, recall=recall)
    y_pred, y = multiclass_input(1, 30, 3)
    precision.update((y_pred, y))
    recall.update((y_pred, y))
    assert f1.compute() == pytest.approx(sk_fbeta(y_pred, y, 1.0, True))


def test_fbeta_is_zero_for_a_class_with_zero_precision_and_recall():
    f1 = Fbeta(1.0, average=False)
    f1.update((torch.tensor([[0.9, 0.1], [0.8, 0.2]]), torch.tensor([0, 0])))
    assert f1.compute().tolist() == [1.0, 0.0]


@pytest.mark.parametrize("beta", [0, -1.0, "2", True])
def test_beta_must_be_positive(beta):
    expect_value_error(lambda: Fbeta(beta), "Fbeta", "beta")


def test_averaged_precision_is_rejected():
    expect_value_error(
        lambda: Fbeta(1.0, precision=Precision(average="macro")), "precision", "average=False"
    )


def test_output_transform_with_given_metrics_is_rejected():
    expect_value_error(
        lambda: Fbeta(1.0, recall=Recall(), output_transform=lambda x: x), "output_transform"
    )
    expect_value_error(lambda: Fbeta(1.0, precision=Precision(), device="cpu"), "device")


def test_recall_created_for_a_given_precision_reads_the_output_like_it():
    def from_dict(output):
        return output["pred"], output["true"]

    precision = Precision(from_dict, average=False, is_multilabel=True)
    f1 = Fbeta(1.0, average=False, precision=precision)
    recall = f1.args[1]  # the formula is _fbeta_score(precision, recall)
    assert recall._output_transform is from_dict
    assert recall._is_multilabel
    batch = (torch.tensor([[1, 0], [1, 1]]), torch.tensor([[1, 1], [0, 1]]))
    f1.update(batch)
    from sklearn.metrics import f1_score

    expected = f1_score(batch[1].numpy(), batch[0].numpy(), average=None)
    torch.testing.assert_close(f1.compute(), torch.tensor(expected))
