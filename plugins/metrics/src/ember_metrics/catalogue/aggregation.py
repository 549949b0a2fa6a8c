"""Catalogue entries of the aggregation and generic metrics: ``name -> (class, module, text)``."""

from __future__ import annotations

_PACKAGE = "ember_metrics.aggregation"

ENTRIES: dict[str, tuple[str, str, str]] = {
    "loss": ("Loss", f"{_PACKAGE}.loss", "Average of a loss function over the samples"),
    "average": ("Average", f"{_PACKAGE}.average", "Arithmetic mean of numbers or tensors"),
    "geometric_average": (
        "GeometricAverage",
        f"{_PACKAGE}.average",
        "Geometric mean of positive numbers or tensors",
    ),
    "variable_accumulation": (
        "VariableAccumulation",
        f"{_PACKAGE}.variable_accumulation",
        "Accumulates outputs with a binary operation, and counts them",
    ),
    "frequency": (
        "Frequency",
        f"{_PACKAGE}.frequency",
        "Throughput: accumulated output (e.g. tokens) per second",
    ),
    "running_average": (
        "RunningAverage",
        f"{_PACKAGE}.running_average",
        "Exponential moving average of a metric or of the engine's output",
    ),
    "epoch_metric": (
        "EpochMetric",
        f"{_PACKAGE}.epoch_metric",
        "Keeps every prediction of the epoch and applies a function to all of them",
    ),
    "metric_group": (
        "MetricGroup",
        f"{_PACKAGE}.metric_group",
        "Several metrics updated together, computed as one dict",
    ),
    "gpu_info": ("GpuInfo", f"{_PACKAGE}.gpu_info", "GPU memory use and utilisation (pynvml)"),
}
