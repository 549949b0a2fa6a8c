"""DiceCoefficient: protocol, scikit-learn oracle (f1_score per class), ignore_index."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import ConfusionMatrix, DiceCoefficient

SETTINGS = settings(max_examples=30, deadline=None)


def sk_dice(y_pred, y, num_classes, ignore_index=None):
    # Oracle: sklearn.metrics.f1_score per class (Dice is F1), zero_division=0.
    from sklearn.metrics import f1_score

    target, predicted = y.flatten().numpy(), y_pred.argmax(1).flatten().numpy()
    counted = (target >= 0) & (target < num_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = f1_score(
            target[counted],
            predicted[counted],
            labels=list(range(num_classes)),
            average=None,
            zero_division=0,
        )
    return scores if ignore_index is None else np.delete(scores, ignore_index)


def build(num_classes, ignore_index):
    return DiceCoefficient(ConfusionMatrix(num_classes=num_classes), ignore_index=ignore_index)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 8),
    num_classes=st.integers(2, 5),
    ignore=st.booleans(),
    data=st.data(),
)
def test_dice_matches_sklearn_f1_per_class_for_any_batch_split(seed, n, num_classes, ignore, data):
    y_pred, y = multiclass_input(seed, n, num_classes, extra=(4, 3))
    ignore_index = data.draw(st.integers(0, num_classes - 1)) if ignore else None
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(build, num_classes, ignore_index)
    check_metric(factory, batches, reference=lambda d: sk_dice(*d, num_classes, ignore_index))


def test_dice_of_a_perfect_prediction_is_one_and_of_an_absent_class_zero():
    dice = DiceCoefficient(ConfusionMatrix(num_classes=3))
    dice.update((torch.eye(3)[[0, 1, 1]], torch.tensor([0, 1, 1])))
    assert dice.compute().tolist() == [1.0, 1.0, 0.0]


def test_cm_is_validated():
    with pytest.raises(TypeError, match="DiceCoefficient"):
        DiceCoefficient(None)
    expect_value_error(
        lambda: DiceCoefficient(ConfusionMatrix(3, average="precision")), "average='precision'"
    )
    expect_value_error(lambda: DiceCoefficient(ConfusionMatrix(3), ignore_index=5), "[0, 3)")
