"""CohenKappa: protocol, scikit-learn oracle (cohen_kappa_score), both storage modes."""

from __future__ import annotations

import functools
import warnings

import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import CohenKappa

SETTINGS = settings(max_examples=30, deadline=None)


def sk_kappa(predicted, target, weights, num_classes):
    # Oracle: sklearn.metrics.cohen_kappa_score with labels range(C); undefined (NaN) -> 0.
    import math

    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(
            target.numpy(), predicted.numpy(), weights=weights, labels=list(range(num_classes))
        )
    return 0.0 if math.isnan(value) else value


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 30),
    num_classes=st.integers(2, 6),
    weights=st.sampled_from([None, "linear", "quadratic"]),
    known_classes=st.booleans(),
    shape=st.sampled_from(["flat", "column"]),
    data=st.data(),
)
def test_kappa_matches_sklearn_for_any_batch_split(
    seed, n, num_classes, weights, known_classes, shape, data
):
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(0, num_classes, (n,), generator=g)
    agree = torch.rand(n, generator=g) < 0.6
    predicted = torch.where(agree, target, torch.randint(0, num_classes, (n,), generator=g))
    # Without num_classes the classes are 0..max label seen.
    classes = num_classes if known_classes else int(torch.cat([predicted, target]).max()) + 1
    batch_data = (predicted, target) if shape == "flat" else (predicted[:, None], target[:, None])
    batches = split(batch_data, data.draw(batch_splits(n)))
    factory = functools.partial(
        CohenKappa, weights=weights, num_classes=num_classes if known_classes else None
    )
    check_metric(
        factory, batches, reference=lambda d: sk_kappa(predicted, target, weights, classes)
    )


def test_single_class_agreement_is_zero_as_in_ignite():
    kappa = CohenKappa()
    kappa.update((torch.tensor([1, 1]), torch.tensor([1, 1])))
    assert kappa.compute() == 0.0


def test_unknown_weights_are_rejected():
    expect_value_error(lambda: CohenKappa(weights="cubic"), "CohenKappa", "weights", "'cubic'")


@pytest.mark.parametrize("num_classes", [1, 2.5])
def test_num_classes_is_validated(num_classes):
    expect_value_error(lambda: CohenKappa(num_classes=num_classes), "num_classes")


def test_scores_or_multilabel_input_is_rejected():
    expect_value_error(
        lambda: CohenKappa().update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0]))),
        "CohenKappa.update",
        "(4, 3)",
        "label tensors",
    )


def test_labels_beyond_num_classes_are_rejected():
    expect_value_error(
        lambda: CohenKappa(num_classes=3).update((torch.tensor([0, 3]), torch.tensor([0, 1]))),
        "y_pred holds 3",
        "[0, 3)",
    )
