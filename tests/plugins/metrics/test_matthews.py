"""MatthewsCorrCoef: protocol, scikit-learn oracle (matthews_corrcoef), input forms, bad input."""

from __future__ import annotations

import warnings

import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import MatthewsCorrCoef

SETTINGS = settings(max_examples=30, deadline=None)


def sk_mcc(predicted, target):
    # Oracle: sklearn.metrics.matthews_corrcoef on label vectors.
    from sklearn.metrics import matthews_corrcoef

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a single label: sklearn warns about the matrix shape
        return matthews_corrcoef(target.numpy(), predicted.numpy())


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 30),
    num_classes=st.integers(2, 5),
    form=st.sampled_from(["scores", "labels", "one_hot"]),
    data=st.data(),
)
def test_mcc_matches_sklearn_for_every_input_form_and_split(seed, n, num_classes, form, data):
    y_pred, y = multiclass_input(seed, n, num_classes)
    labels = y_pred.argmax(1)
    if form == "labels":
        batch_data = (labels, y)
    elif form == "one_hot":
        batch_data = (y_pred, torch.nn.functional.one_hot(y, num_classes))
    else:
        batch_data = (y_pred, y)
    batches = split(batch_data, data.draw(batch_splits(n)))
    check_metric(MatthewsCorrCoef, batches, reference=lambda d: sk_mcc(labels, y))


def test_undefined_mcc_is_zero_like_sklearn():
    mcc = MatthewsCorrCoef()
    mcc.update((torch.tensor([1, 1, 1]), torch.tensor([0, 1, 1])))
    assert mcc.compute() == 0.0


def test_labels_with_one_hot_targets_are_rejected():
    expect_value_error(
        lambda: MatthewsCorrCoef().update((torch.tensor([0, 1]), torch.eye(2))),
        "MatthewsCorrCoef.update",
        "y has shape (2, 2)",
    )


def test_probabilities_instead_of_labels_are_rejected():
    expect_value_error(
        lambda: MatthewsCorrCoef().update((torch.tensor([0.2, 0.7]), torch.tensor([0, 1]))),
        "y_pred holds 0.2",
        "class indices",
    )


def test_changing_input_form_between_updates_is_rejected():
    mcc = MatthewsCorrCoef()
    mcc.update((torch.rand(3, 2), torch.tensor([0, 1, 1])))
    expect_value_error(
        lambda: mcc.update((torch.tensor([0, 1]), torch.tensor([0, 1]))), "earlier updates"
    )
