"""What the COCO detection metrics share: arguments, per-detection state and its synchronisation.

``update`` matches each image's detections to its ground truth (:mod:`.matching`) for every
evaluated area range and keeps, per kept detection, its score, class, rank within its image and
class, and whether it is a true or false positive at each IoU threshold; ground truth is
counted per area range and class. ``compute`` joins the detections of every process (in rank
order) and reads, per area range, detection limit, class and IoU threshold, COCO's average
precision and recall (:mod:`.average_precision`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember.metric.reduction import get_collective_hooks
from ember_metrics.detection._inputs import check_images
from ember_metrics.detection.average_precision import coco_linspace, interpolated_precision_recall
from ember_metrics.detection.matching import match_image

__all__ = ["DetectionMetric", "parse_thresholds", "valid_mean"]


def parse_thresholds(
    metric: str, name: str, values: Sequence[float] | torch.Tensor | None, default: torch.Tensor
) -> torch.Tensor:
    """``values`` as a sorted float64 CPU tensor in [0, 1]; ``default`` when ``None``."""
    if values is None:
        return default
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, torch.Tensor)):
        raise TypeError(
            f"{metric}: argument {name} should be a sequence of floats or a 1-dimensional "
            f"tensor, got {type(values).__name__}"
        )
    tensor = torch.as_tensor(values, dtype=torch.float64).detach().cpu()
    if tensor.ndim != 1 or len(tensor) == 0:
        raise ValueError(
            f"{metric}: argument {name} has shape {tuple(tensor.shape)}; expected a non-empty "
            f"1-dimensional sequence of floats"
        )
    if bool(((tensor < 0) | (tensor > 1) | torch.isnan(tensor)).any()):
        raise ValueError(
            f"{metric}: argument {name} holds {tensor.tolist()}; expected values in [0, 1]"
        )
    return tensor.sort().values


def valid_mean(values: torch.Tensor) -> float:
    """The mean of the entries that are not -1 (classes without ground truth); -1 if none."""
    valid = values[values > -1]
    return float(valid.mean()) if len(valid) else -1.0


def _check_positive_int(metric: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{metric}: argument {name} should be a positive int, got {value!r}")
    return value


class DetectionMetric(Metric):
    """Accumulates matched detections for several area ranges and detection limits."""

    _state_dict_all_req_keys = (
        "_scores",
        "_labels",
        "_ranks",
        "_true_positives",
        "_false_positives",
        "_gt_counts",
        "_num_images",
    )

    def __init__(
        self,
        iou_thresholds: Sequence[float] | torch.Tensor | None,
        rec_thresholds: Sequence[float] | torch.Tensor | None,
        num_classes: int,
        area_ranges: list[tuple[float, float]],
        max_detections: list[int],
        output_transform: Callable[[Any], Any],
        device: str | torch.device,
        skip_unrolling: bool,
    ) -> None:
        cls = type(self).__name__
        self._iou_thresholds = parse_thresholds(
            cls, "iou_thresholds", iou_thresholds, coco_linspace(0.5, 0.95, 10)
        )
        self.rec_thresholds = parse_thresholds(
            cls, "rec_thresholds", rec_thresholds, coco_linspace(0.0, 1.0, 101)
        )
        self._num_classes = _check_positive_int(cls, "num_classes", num_classes)
        self._area_ranges = area_ranges
        self._max_detections = max_detections
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every image."""
        self._scores: list[torch.Tensor] = []
        self._labels: list[torch.Tensor] = []
        self._ranks: list[torch.Tensor] = []
        self._true_positives: list[torch.Tensor] = []
        self._false_positives: list[torch.Tensor] = []
        self._gt_counts = torch.zeros(
            len(self._area_ranges), self._num_classes, dtype=torch.int64, device=self._device
        )
        self._num_images = torch.zeros((), dtype=torch.int64, device=self._device)

    @reinit__is_reduced
    def update(
        self, output: tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]]
    ) -> None:
        """Match the detections of a batch of images ``(y_pred, y)`` to their ground truth."""
        images = check_images(f"{type(self).__name__}.update", output, self._num_classes)
        for image in images:
            matches = match_image(
                image,
                self._iou_thresholds,
                self._area_ranges,
                max(self._max_detections),
                self._num_classes,
            )
            self._gt_counts += matches.gt_counts.to(self._device)
            if len(matches.scores):
                self._scores.append(matches.scores.to(self._device))
                self._labels.append(matches.labels.to(self._device))
                self._ranks.append(matches.ranks.to(self._device))
                self._true_positives.append(matches.true_positive.to(self._device))
                self._false_positives.append(matches.false_positive.to(self._device))
        self._num_images += len(images)

    def _all_detections(self) -> tuple[torch.Tensor, ...]:
        """Scores, labels, ranks, true and false positives of every process, on the CPU."""
        flags = (len(self._area_ranges), len(self._iou_thresholds), 0)
        empty = (
            torch.zeros(0, dtype=torch.float64),
            torch.zeros(0, dtype=torch.int64),
            torch.zeros(0, dtype=torch.int64),
            torch.zeros(flags, dtype=torch.bool),
            torch.zeros(flags, dtype=torch.bool),
        )
        states = (
            self._scores,
            self._labels,
            self._ranks,
            self._true_positives,
            self._false_positives,
        )
        local = tuple(
            torch.cat(parts, dim=-1).cpu() if parts else nothing
            for parts, nothing in zip(states, empty, strict=True)
        )
        hooks = get_collective_hooks()
        if hooks.get_world_size() <= 1:
            return local
        gathered = hooks.all_gather(local)  # whole objects: the ranks' lengths differ
        return tuple(
            torch.cat([part[i].cpu() for part in gathered], dim=-1) for i in range(len(local))
        )

    @sync_all_reduce("_gt_counts", "_num_images")
    def _table(self) -> torch.Tensor:
        """``(2, A, M, C, T)``: average precision and recall per area range, detection limit,
        class and IoU threshold; -1 for classes without (non-ignored) ground truth."""
        if int(self._num_images) == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one image before it can be computed"
            )
        scores, labels, ranks, true_positive, false_positive = self._all_detections()
        gt_counts = self._gt_counts.cpu()
        table = -torch.ones(
            2,
            len(self._area_ranges),
            len(self._max_detections),
            self._num_classes,
            len(self._iou_thresholds),
            dtype=torch.float64,
        )
        for cls in range(self._num_classes):
            of_class = labels == cls
            for m, limit in enumerate(self._max_detections):
                kept = (of_class & (ranks < limit)).nonzero().squeeze(1)
                kept = kept[torch.argsort(scores[kept], descending=True, stable=True)]
                for a in range(len(self._area_ranges)):
                    num_gt = int(gt_counts[a, cls])
                    if num_gt == 0:
                        continue
                    table[:, a, m, cls] = torch.stack(
                        interpolated_precision_recall(
                            true_positive[a][:, kept],
                            false_positive[a][:, kept],
                            num_gt,
                            self.rec_thresholds,
                        )
                    )
        return table
