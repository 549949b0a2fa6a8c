"""ObjectDetectionAvgPrecisionRecall and CommonObjectDetectionMetrics against pycocotools.

Oracle: pycocotools' ``COCOeval`` (bbox), built from in-memory dicts: image ids 1, 2, ... in
update order, category id = label + 1, boxes converted from (x1, y1, x2, y2) to
(x, y, width, height), each ground-truth ``area`` set to the box's width * height (pycocotools
reads it from the annotation; ours is always the box area) and ``iscrowd`` from ``y``.

- CommonObjectDetectionMetrics is compared with ``COCOeval.stats`` under pycocotools' default
  parameters (IoU 0.5:0.05:0.95, 101 recall thresholds, maxDets (1, 10, 100), area ranges
  all / small / medium / large), which are the ones Ignite's class fixes.
- ObjectDetectionAvgPrecisionRecall is compared with the mean of ``COCOeval.eval["precision"]``
  and ``["recall"]`` over the entries > -1, with ``params.iouThrs``, ``recThrs``,
  ``maxDets = [max_detections_per_image_per_class]`` and ``areaRng`` set to the metric's.

pycocotools' ``loadRes`` fails on an empty list of detections, so drawn data always holds one;
the no-detection case is checked by hand. Coordinates are integers, so both sides compute IoUs
and areas with the same float64 operations and thresholds land on the same side.
One parity test runs PyTorch-Ignite 0.5.5 on fixed data (Ignite needs torchvision for two box
helpers; where torchvision is missing, the test installs a stand-in written here).
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import sys
import types
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_cases_detection import CASES, detection_batches

from ember.exceptions import NotComputableError
from ember.testing import assert_values_close, check_metric
from ember_metrics import CommonObjectDetectionMetrics, ObjectDetectionAvgPrecisionRecall

pycocotools_coco = pytest.importorskip("pycocotools.coco")
pycocotools_eval = pytest.importorskip("pycocotools.cocoeval")

Images = tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]]

SUMMARY_KEYS = (  # the order of COCOeval.stats
    "AP@50..95", "AP@50", "AP@75", "AP-S", "AP-M", "AP-L",
    "AR-1", "AR-10", "AR-100", "AR-S", "AR-M", "AR-L",
)  # fmt: skip
COCO_AREAS = {
    "all": [0, 1e10],
    "small": [0, 32**2],
    "medium": [32**2, 96**2],
    "large": [96**2, 1e10],
}


# ------------------------------------------------------------------ the oracle


def coco_eval(images: Images, num_classes: int, configure: Any = None) -> Any:
    """A ``COCOeval`` of ``images`` after ``evaluate`` and ``accumulate``."""
    y_pred, y = images
    image_ids, annotations, detections = [], [], []
    for i, (prediction, target) in enumerate(zip(y_pred, y, strict=True), 1):
        image_ids.append({"id": i})
        crowd = target.get("iscrowd", torch.zeros(len(target["labels"]), dtype=torch.bool))
        for box, label, is_crowd in zip(
            target["bbox"].tolist(), target["labels"].tolist(), crowd.tolist(), strict=True
        ):
            width, height = box[2] - box[0], box[3] - box[1]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i,
                    "category_id": label + 1,
                    "bbox": [box[0], box[1], width, height],
                    "area": width * height,
                    "iscrowd": int(is_crowd),
                }
            )
        for box, score, label in zip(
            prediction["bbox"].tolist(),
            prediction["scores"].tolist(),
            prediction["labels"].tolist(),
            strict=True,
        ):
            detections.append(
                {
                    "image_id": i,
                    "category_id": label + 1,
                    "score": score,
                    "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                }
            )
    with contextlib.redirect_stdout(io.StringIO()):
        ground_truth = pycocotools_coco.COCO()
        ground_truth.dataset = {
            "images": image_ids,
            "annotations": annotations,
            "categories": [{"id": c + 1} for c in range(num_classes)],
        }
        ground_truth.createIndex()
        evaluation = pycocotools_eval.COCOeval(
            ground_truth, ground_truth.loadRes(detections), "bbox"
        )
        if configure is not None:
            configure(evaluation.params)
        evaluation.evaluate()
        evaluation.accumulate()
    return evaluation


def coco_summary(images: Images, num_classes: int) -> dict[str, float]:
    evaluation = coco_eval(images, num_classes)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation.summarize()
    return dict(zip(SUMMARY_KEYS, evaluation.stats.tolist(), strict=True))


def coco_ap_ar(
    images: Images,
    num_classes: int,
    iou_thresholds: list[float] | None = None,
    rec_thresholds: list[float] | None = None,
    max_detections: int = 100,
    area_range: str = "all",
) -> tuple[float, float]:
    def configure(params: Any) -> None:
        if iou_thresholds is not None:
            params.iouThrs = np.array(sorted(iou_thresholds))
        if rec_thresholds is not None:
            params.recThrs = np.array(sorted(rec_thresholds))
        params.maxDets = [max_detections]
        params.areaRng = [COCO_AREAS[area_range]]
        params.areaRngLbl = [area_range]

    evaluation = coco_eval(images, num_classes, configure)

    def mean(values: np.ndarray) -> float:
        valid = values[values > -1]
        return float(valid.mean()) if valid.size else -1.0

    return mean(evaluation.eval["precision"]), mean(evaluation.eval["recall"])


# ------------------------------------------------------------------ random images


def random_images(
    seed: int,
    num_images: int,
    num_classes: int,
    tied_scores: bool = False,
    max_gts: int = 4,
    max_strays: int = 3,
) -> Images:
    """Integer boxes of every size; detections near most objects, plus strays; some crowds."""
    g = torch.Generator().manual_seed(seed)
    y_pred, y = [], []
    for _ in range(num_images):
        num_gts = int(torch.randint(0, max_gts + 1, (), generator=g))
        corners = torch.randint(0, 150, (num_gts, 2), generator=g).double()
        sizes = torch.randint(0, 140, (num_gts, 2), generator=g).double()
        gt_boxes = torch.cat([corners, corners + sizes], dim=1)
        gt_labels = torch.randint(0, num_classes, (num_gts,), generator=g)
        crowd = torch.rand(num_gts, generator=g) < 0.15
        copies = torch.randint(0, 3, (num_gts,), generator=g)  # 0 to 2 detections per object
        near = gt_boxes.repeat_interleave(copies, dim=0)
        near = near + torch.randint(-12, 13, near.shape, generator=g).double()
        near[:, 2:] = torch.maximum(near[:, 2:], near[:, :2])
        near_labels = gt_labels.repeat_interleave(copies)
        relabel = torch.rand(len(near), generator=g) < 0.15
        near_labels = torch.where(
            relabel, torch.randint(0, num_classes, (len(near),), generator=g), near_labels
        )
        num_strays = int(torch.randint(0, max_strays + 1, (), generator=g))
        stray_corners = torch.randint(0, 150, (num_strays, 2), generator=g).double()
        stray_sizes = torch.randint(0, 120, (num_strays, 2), generator=g).double()
        boxes = torch.cat([near, torch.cat([stray_corners, stray_corners + stray_sizes], 1)])
        labels = torch.cat([near_labels, torch.randint(0, num_classes, (num_strays,), generator=g)])
        if tied_scores:
            scores = torch.randint(0, 4, (len(boxes),), generator=g).double() / 4
        else:
            scores = torch.rand(len(boxes), generator=g, dtype=torch.float64)
        y_pred.append({"bbox": boxes, "scores": scores, "labels": labels})
        y.append({"bbox": gt_boxes, "labels": gt_labels, "iscrowd": crowd})
    return y_pred, y


@st.composite
def drawn_images(draw: st.DrawFn) -> tuple[Images, int]:
    num_classes = draw(st.integers(1, 3))
    images = random_images(
        draw(st.integers(0, 2**31)),
        draw(st.integers(1, 5)),
        num_classes,
        tied_scores=draw(st.booleans()),
    )
    if not any(len(p["scores"]) for p in images[0]):  # pycocotools needs one detection
        images[0][0]["bbox"] = torch.tensor([[1.0, 2.0, 30.0, 40.0]], dtype=torch.float64)
        images[0][0]["scores"] = torch.tensor([0.5], dtype=torch.float64)
        images[0][0]["labels"] = torch.tensor([0])
    return images, num_classes


def batched(images: Images, cuts: list[int]) -> list[Images]:
    bounds = [0, *cuts, len(images[0])]
    return [
        (images[0][start:stop], images[1][start:stop])
        for start, stop in itertools.pairwise(bounds)
        if stop > start
    ]


def run(metric: Any, batches: list[Images]) -> Any:
    for batch in batches:
        metric.update(batch)
    return metric.compute()


# ------------------------------------------------------------------ against pycocotools


@settings(max_examples=30, deadline=None)
@given(drawn=drawn_images())
def test_common_metrics_equal_the_pycocotools_summary(drawn):
    images, num_classes = drawn
    result = run(CommonObjectDetectionMetrics(num_classes=num_classes), [images])
    assert list(result) == [
        "AP@50..95", "AR-100", "AP@50", "AP@75", "AP-S", "AR-S",
        "AP-M", "AR-M", "AP-L", "AR-L", "AR-1", "AR-10",
    ]  # fmt: skip
    assert_values_close(result, coco_summary(images, num_classes), "vs pycocotools", 1e-9, 1e-12)


@settings(max_examples=30, deadline=None)
@given(
    drawn=drawn_images(),
    area_range=st.sampled_from(["all", "small", "medium", "large"]),
    max_detections=st.sampled_from([1, 2, 100]),
    iou_thresholds=st.none() | st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.75, 0.9, 1.0]),
                                         min_size=1, max_size=3, unique=True),
    rec_thresholds=st.none() | st.lists(st.floats(0, 1), min_size=1, max_size=5, unique=True),
)  # fmt: skip
def test_avg_precision_recall_equals_pycocotools_with_the_same_parameters(
    drawn, area_range, max_detections, iou_thresholds, rec_thresholds
):
    images, num_classes = drawn
    metric = ObjectDetectionAvgPrecisionRecall(
        iou_thresholds=iou_thresholds,
        rec_thresholds=rec_thresholds,
        num_classes=num_classes,
        max_detections_per_image_per_class=max_detections,
        area_range=area_range,
    )
    expected = coco_ap_ar(
        images, num_classes, iou_thresholds, rec_thresholds, max_detections, area_range
    )
    assert_values_close(run(metric, [images]), expected, "vs pycocotools", 1e-9, 1e-12)


@settings(max_examples=20, deadline=None)
@given(drawn=drawn_images(), cuts=st.lists(st.integers(1, 4), max_size=3))
def test_any_split_into_batches_gives_the_value_of_one_batch(drawn, cuts):
    images, num_classes = drawn
    cuts = sorted({cut for cut in cuts if cut < len(images[0])})
    factory = functools.partial(CommonObjectDetectionMetrics, num_classes=num_classes)
    whole = run(factory(), [images])
    assert_values_close(run(factory(), batched(images, cuts)), whole, "split", 1e-12, 1e-12)


def test_many_images_with_many_objects_match_pycocotools():
    images = random_images(7, num_images=12, num_classes=3, max_gts=12, max_strays=8)
    result = run(CommonObjectDetectionMetrics(num_classes=3), [images])
    assert_values_close(result, coco_summary(images, 3), "vs pycocotools", 1e-9, 1e-12)


# ------------------------------------------------------------------ edge cases


def test_classes_without_detections_count_zero_and_without_ground_truth_are_skipped():
    y_pred = [{"bbox": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0)}]
    y = [{"bbox": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
    assert run(ObjectDetectionAvgPrecisionRecall(num_classes=3), [(y_pred, y)]) == (0.0, 0.0)
    nothing = [{"bbox": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.long)}]
    assert run(ObjectDetectionAvgPrecisionRecall(num_classes=3), [(y_pred, nothing)]) == (
        -1.0,
        -1.0,
    )
    summary = run(CommonObjectDetectionMetrics(num_classes=3), [(y_pred, y)])
    assert summary["AP@50"] == 0.0
    assert summary["AP-S"] == 0.0  # the object is small
    assert summary["AP-L"] == -1.0


def test_a_crowd_region_absorbs_every_detection_inside_it():
    crowd = {
        "bbox": torch.tensor([[0.0, 0, 100, 100], [200, 200, 230, 230]]),
        "labels": torch.tensor([0, 0]),
        "iscrowd": torch.tensor([True, False]),
    }
    detections = {
        "bbox": torch.tensor([[10.0, 10, 40, 40], [50, 50, 90, 90], [200, 200, 230, 230]]),
        "scores": torch.tensor([0.9, 0.8, 0.7]),
        "labels": torch.tensor([0, 0, 0]),
    }
    # The two detections inside the crowd are ignored, not false positives: AP is 1.
    assert run(ObjectDetectionAvgPrecisionRecall(num_classes=1), [([detections], [crowd])]) == (
        1.0,
        1.0,
    )


def test_compute_before_any_image_raises_not_computable():
    for metric in (ObjectDetectionAvgPrecisionRecall(), CommonObjectDetectionMetrics()):
        with pytest.raises(NotComputableError, match="at least one image"):
            metric.compute()


@pytest.mark.parametrize("name", sorted(n for n in CASES if "object_detection" in n))
def test_protocol_state_dict_pickling_and_attach(name):
    factory, batches = CASES[name]
    check_metric(factory, batches)


def test_detections_kept_on_the_metric_device_are_lists_of_tensors():
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    for batch in detection_batches(9):
        metric.update(batch)
    state = metric.state_dict()["__metric_state_per_rank"][0]
    assert all(isinstance(t, torch.Tensor) for t in state["_true_positives"])
    restored = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    restored.load_state_dict(metric.state_dict())
    assert restored.compute() == metric.compute()


# ------------------------------------------------------------------ PyTorch-Ignite parity


def _stand_in_torchvision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ignite 0.5.5 imports two box helpers from torchvision; give it equivalents."""

    def box_area(boxes: torch.Tensor) -> torch.Tensor:
        return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])

    def _box_inter_union(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        low = torch.max(a[:, None, :2], b[None, :, :2])
        high = torch.min(a[:, None, 2:], b[None, :, 2:])
        inter = (high - low).clamp(min=0).prod(-1)
        return inter, box_area(a)[:, None] + box_area(b)[None, :] - inter

    package = types.ModuleType("torchvision")
    ops = types.ModuleType("torchvision.ops")
    boxes = types.ModuleType("torchvision.ops.boxes")
    boxes.box_area = box_area  # type: ignore[attr-defined]
    boxes._box_inter_union = _box_inter_union  # type: ignore[attr-defined]
    package.ops, ops.boxes = ops, boxes  # type: ignore[attr-defined]
    for module in (package, ops, boxes):
        monkeypatch.setitem(sys.modules, module.__name__, module)


def _float_images() -> list[Images]:
    """Non-integer coordinates, so no IoU sits exactly on a threshold (Ignite's are float32)."""
    batches = detection_batches(11)
    return [
        (
            [{**p, "bbox": p["bbox"] + 0.37} for p in y_pred],
            [{**t, "bbox": t["bbox"] * 1.0001} for t in y],
        )
        for y_pred, y in batches
    ]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_parity_with_ignite(monkeypatch):
    vision = pytest.importorskip("ignite.metrics.vision.object_detection_average_precision_recall")
    try:
        import torchvision  # noqa: F401
    except ImportError:
        _stand_in_torchvision(monkeypatch)
    batches = _float_images()
    for kwargs in ({}, {"area_range": "medium", "max_detections_per_image_per_class": 1}):
        ours = run(ObjectDetectionAvgPrecisionRecall(num_classes=3, **kwargs), batches)
        theirs = run(vision.ObjectDetectionAvgPrecisionRecall(num_classes=3, **kwargs), batches)
        assert min(ours) > 0.1  # a comparison of real values, not of -1 or 0
        assert_values_close(ours, theirs, f"vs ignite {kwargs}", 1e-6, 1e-9)
    ours = run(CommonObjectDetectionMetrics(num_classes=3), batches)
    theirs = run(vision.CommonObjectDetectionMetrics(num_classes=3), batches)
    assert_values_close(ours, theirs, "common vs ignite", 1e-6, 1e-9)
