"""Input checking, catalogue entries and the documentation page of the detection metrics.

The page's example is checked against its printed output here; its values were compared with
pycocotools' ``COCOeval`` (see test_detection_coco.py, whose oracle this module reuses).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
import torch
from classification_oracles import expect_value_error

import ember_metrics
from ember.plugins.first_party import _METRICS
from ember_metrics import (
    CommonObjectDetectionMetrics,
    MeanAveragePrecision,
    ObjectDetectionAvgPrecisionRecall,
)
from ember_metrics.catalogue.detection import ENTRIES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics" / "detection.md"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)
METRIC = "ObjectDetectionAvgPrecisionRecall.update"


def good_image() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    prediction = {
        "bbox": torch.tensor([[0.0, 0, 10, 10], [10, 10, 15, 20], [1, 1, 4, 4]]),
        "scores": torch.tensor([0.9, 0.5, 0.1]),
        "labels": torch.tensor([0, 1, 2]),
    }
    target = {"bbox": torch.tensor([[0.0, 0, 9, 9]]), "labels": torch.tensor([0])}
    return prediction, target


def update_with(change) -> None:
    prediction, target = good_image()
    change(prediction, target)
    ObjectDetectionAvgPrecisionRecall(num_classes=3).update(([prediction], [target]))


def update_two_images_one_bad() -> None:
    prediction, target = good_image()
    bad = {"bbox": torch.zeros(2, 5), "labels": torch.tensor([0, 1])}
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    metric.update(([prediction, prediction], [target, bad]))


def test_a_good_image_is_accepted():
    update_with(lambda p, t: None)


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda p, t: p.pop("labels"), ["y_pred[0] has the keys ['bbox', 'scores']", "'labels'"]),
        (lambda p, t: t.pop("bbox"), ["y[0] has the keys ['labels']", "'bbox'"]),
        (
            lambda p, t: p.update(bbox=torch.zeros(3, 5)),
            ["y_pred[0]['bbox'] has shape (3, 5)", "(K, 4)"],
        ),
        (lambda p, t: t.update(bbox=torch.zeros(4)), ["y[0]['bbox'] has shape (4,)", "(K, 4)"]),
        (
            lambda p, t: p.update(scores=torch.rand(2)),
            ["y_pred[0]['scores'] has shape (2,)", "(3,)"],
        ),
        (
            lambda p, t: p.update(labels=torch.tensor([0, 1])),
            ["y_pred[0]['labels'] has shape (2,)", "(3,)"],
        ),
        (lambda p, t: t.update(iscrowd=torch.tensor([True, False])), ["y[0]['iscrowd']", "(1,)"]),
        (
            lambda p, t: p.update(labels=torch.tensor([0, 5, 1])),
            ["y_pred[0]['labels'] holds 5", "[0, 3)", "num_classes=3"],
        ),
        (lambda p, t: t.update(labels=torch.tensor([-1])), ["y[0]['labels'] holds -1", "[0, 3)"]),
        (
            lambda p, t: p["bbox"].__setitem__((1, 2), 5.0),
            ["y_pred[0]['bbox'][1] is [10.0, 10.0, 5.0, 20.0]", "x1 <= x2"],
        ),
        (lambda p, t: t["bbox"].__setitem__((0, 3), -1.0), ["y[0]['bbox'][0]", "y1 <= y2"]),
        (
            lambda p, t: p.update(scores=torch.tensor([1, 0, 1])),
            ["y_pred[0]['scores'] has dtype torch.int64", "floating point"],
        ),
        (
            lambda p, t: p.update(labels=torch.tensor([0.5, 1, 2])),
            ["y_pred[0]['labels'] holds non-integer"],
        ),
        (
            lambda p, t: p.update(bbox=[[0, 0, 1, 1]]),
            ["y_pred[0]['bbox'] is a list", "torch.Tensor"],
        ),
    ],
)
def test_bad_images_name_the_metric_argument_and_expectation(change, fragments):
    expect_value_error(lambda: update_with(change), METRIC, *fragments)


def test_bad_containers_are_rejected():
    prediction, target = good_image()
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    expect_value_error(
        lambda: metric.update(([prediction], [])), METRIC, "y_pred holds 1", "y holds 0"
    )
    expect_value_error(
        lambda: metric.update((prediction, [target])), METRIC, "y_pred is a dict", "list"
    )
    expect_value_error(lambda: metric.update(([prediction],)), METRIC, "pair (y_pred, y)")
    expect_value_error(
        lambda: metric.update(([1.0], [target])), METRIC, "y_pred[0] is a float", "dict"
    )


def test_bad_arguments_are_rejected():
    name = "ObjectDetectionAvgPrecisionRecall"
    expect_value_error(
        lambda: ObjectDetectionAvgPrecisionRecall(area_range="tiny"), name, "area_range", "'tiny'"
    )
    expect_value_error(
        lambda: ObjectDetectionAvgPrecisionRecall(iou_thresholds=[0.5, 1.2]),
        "iou_thresholds",
        "[0, 1]",
    )
    expect_value_error(
        lambda: ObjectDetectionAvgPrecisionRecall(rec_thresholds=[]), "rec_thresholds", "non-empty"
    )
    expect_value_error(
        lambda: ObjectDetectionAvgPrecisionRecall(max_detections_per_image_per_class=0),
        "max_detections_per_image_per_class",
        "positive int",
    )
    expect_value_error(
        lambda: CommonObjectDetectionMetrics(num_classes=0), "num_classes", "positive int"
    )


def test_documented_bad_input_messages_are_the_real_ones():
    text = DOCS.read_text()
    documented = re.findall(r"^ValueError: (.*)$", text, re.M)
    changes = [
        lambda p, t: p.pop("labels"),
        None,
        lambda p, t: p.update(scores=torch.rand(2)),
        lambda p, t: p.update(labels=torch.tensor([0, 5, 1])),
        lambda p, t: p["bbox"].__setitem__((1, 2), 5.0),
    ]
    for message, change in zip(documented, changes, strict=True):
        with pytest.raises(ValueError, match=re.escape(message)):
            update_with(change) if change is not None else update_two_images_one_bad()


def test_every_example_prints_its_documented_output():
    text = DOCS.read_text()
    namespace: dict[str, object] = {}
    examples = list(EXAMPLE.finditer(text))
    assert examples
    for number, example in enumerate(examples, 1):
        code, expected = example.group(1), example.group(2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"detection.md example {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"detection.md example {number}"


def test_catalogue_entries_use_the_first_party_names_and_import_lazily():
    assert set(ENTRIES) == {
        "mean_average_precision",
        "object_detection_avg_precision_recall",
        "common_object_detection_metrics",
    }
    for name, (cls, module, _) in ENTRIES.items():
        assert name in _METRICS.split()
        assert getattr(ember_metrics, cls).__module__ == module
    assert ember_metrics.MeanAveragePrecision is MeanAveragePrecision
