"""The names ember's own plugins provide, so that a missing plugin gets an install hint.

Example:
    >>> from ember.plugins.first_party import providing_distribution
    >>> providing_distribution("loggers", "tensorboard")
    'ember-loggers'
"""

from __future__ import annotations

__all__ = ["FIRST_PARTY", "providing_distribution"]

_METRICS = (
    "Accuracy Precision Recall Fbeta ConfusionMatrix IoU mIoU DiceCoefficient Loss "
    "MeanAbsoluteError MeanSquaredError RootMeanSquaredError MeanPairwiseDistance "
    "TopKCategoricalAccuracy RunningAverage EpochMetric ROC_AUC RocCurve AveragePrecision "
    "PrecisionRecallCurve CohenKappa MultiLabelConfusionMatrix PSNR SSIM Bleu Rouge "
    "GeometricAverage Frequency"
)
_HANDLERS = (
    "EarlyStopping Timer TerminateOnNan ProgressBar LRScheduler LinearCyclicalScheduler "
    "CosineAnnealingScheduler PiecewiseLinear ConcatScheduler ParamGroupScheduler "
    "create_lr_scheduler_with_warmup TimeLimit EpochOutputStore"
)

FIRST_PARTY: dict[str, dict[str, str]] = {
    "metrics": dict.fromkeys(_METRICS.split(), "ember-metrics"),
    "handlers": dict.fromkeys(_HANDLERS.split(), "ember-handlers"),
    "savers": dict.fromkeys(["disk", "Checkpoint", "ModelCheckpoint"], "ember-checkpoint"),
    "loggers": dict.fromkeys(["tensorboard", "mlflow", "neptune"], "ember-loggers"),
    "backends": {"xla-tpu": "ember-xla", "horovod": "ember-horovod"},
}


def providing_distribution(kind: str, name: str) -> str | None:
    """The first-party distribution that provides ``name`` in the ``kind`` registry, if any."""
    return FIRST_PARTY.get(kind, {}).get(name)
