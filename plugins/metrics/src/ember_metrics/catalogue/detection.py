"""Object-detection metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "mean_average_precision": (
        "MeanAveragePrecision",
        "ember_metrics.detection.mean_average_precision",
        "Mean over classes of the area under the precision-recall curve of scored predictions.",
    ),
    "object_detection_avg_precision_recall": (
        "ObjectDetectionAvgPrecisionRecall",
        "ember_metrics.detection.object_detection_avg_precision_recall",
        "COCO-style mean average precision and recall of boxes over IoU thresholds.",
    ),
    "common_object_detection_metrics": (
        "CommonObjectDetectionMetrics",
        "ember_metrics.detection.common_object_detection_metrics",
        "The twelve COCO detection numbers (AP@50..95, AP@50, AP-S, AR-100, ...) as a dict.",
    ),
}
