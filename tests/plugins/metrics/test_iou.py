"""IoU, mIoU and JaccardIndex: protocol, scikit-learn oracle (jaccard_score), ignore_index."""

from __future__ import annotations

import functools
import pickle
import warnings

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.engine import Engine
from ember.testing import check_metric
from ember_metrics import ConfusionMatrix, IoU, JaccardIndex, mIoU

SETTINGS = settings(max_examples=30, deadline=None)


def sk_iou(y_pred, y, num_classes, ignore_index=None, mean=False):
    # Oracle: sklearn.metrics.jaccard_score per class (zero_division=0) over counted pixels.
    from sklearn.metrics import jaccard_score

    target, predicted = y.flatten().numpy(), y_pred.argmax(1).flatten().numpy()
    counted = (target >= 0) & (target < num_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = jaccard_score(
            target[counted],
            predicted[counted],
            labels=list(range(num_classes)),
            average=None,
            zero_division=0,
        )
    if ignore_index is not None:
        scores = np.delete(scores, ignore_index)
    return scores.mean() if mean else scores


def build(kind, num_classes, ignore_index):
    cm = ConfusionMatrix(num_classes=num_classes)
    return {"iou": IoU, "miou": mIoU, "jaccard": JaccardIndex}[kind](cm, ignore_index=ignore_index)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 8),
    num_classes=st.integers(2, 5),
    kind=st.sampled_from(["iou", "miou", "jaccard"]),
    ignore=st.booleans(),
    data=st.data(),
)
def test_iou_matches_sklearn_jaccard_on_segmentation_maps(seed, n, num_classes, kind, ignore, data):
    y_pred, y = multiclass_input(seed, n, num_classes, extra=(3, 4))
    y[:, 0, 0] = 255  # void pixels are not counted
    ignore_index = data.draw(st.integers(0, num_classes - 1)) if ignore else None
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(build, kind, num_classes, ignore_index)
    check_metric(
        factory,
        batches,
        reference=lambda d: sk_iou(*d, num_classes, ignore_index, mean=kind == "miou"),
    )


def test_iou_of_an_absent_class_is_zero():
    iou = IoU(ConfusionMatrix(num_classes=3))
    iou.update((torch.tensor([[0.9, 0.1, 0.0]]), torch.tensor([0])))
    assert iou.compute().tolist() == [1.0, 0.0, 0.0]


def test_samples_average_gives_the_same_iou_as_counts():
    y_pred, y = multiclass_input(2, 10, 3)
    counts, scaled = IoU(ConfusionMatrix(3)), IoU(ConfusionMatrix(3, average="samples"))
    counts.update((y_pred, y))
    scaled.update((y_pred, y))
    torch.testing.assert_close(counts.compute(), scaled.compute())


def test_attaching_iou_stores_only_its_name_and_pickles():
    engine = Engine(lambda engine, batch: batch)
    miou = mIoU(ConfusionMatrix(num_classes=3), ignore_index=0)
    miou.attach(engine, "miou")
    y_pred, y = multiclass_input(4, 6, 3)
    metrics = engine.run([(y_pred, y)]).metrics
    assert list(metrics) == ["miou"]
    assert metrics["miou"] == pytest.approx(sk_iou(y_pred, y, 3, 0, mean=True))
    assert pickle.loads(pickle.dumps(miou)).compute() == pytest.approx(metrics["miou"])


def test_cm_must_be_a_confusion_matrix_of_counts():
    with pytest.raises(TypeError, match="cm should be a ConfusionMatrix"):
        IoU("cm")
    expect_value_error(lambda: mIoU(ConfusionMatrix(3, average="recall")), "mIoU", "average")


@pytest.mark.parametrize("ignore_index", [-1, 3, 1.0, True])
def test_ignore_index_must_be_a_class_index(ignore_index):
    expect_value_error(
        lambda: JaccardIndex(ConfusionMatrix(3), ignore_index=ignore_index),
        "JaccardIndex",
        "ignore_index",
        "[0, 3)",
    )
