"""Regression metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

_ERRORS = "ember_metrics.regression.errors"
_RELATIVE = "ember_metrics.regression.relative_errors"
_DISTANCES = "ember_metrics.regression.distances"
_EPOCH = "ember_metrics.regression.epoch_errors"
_RANKS = "ember_metrics.regression.rank_correlations"

ENTRIES: dict[str, tuple[str, str, str]] = {
    "mean_absolute_error": (
        "MeanAbsoluteError",
        _ERRORS,
        "Mean absolute error, summed per example and averaged over examples.",
    ),
    "mean_squared_error": (
        "MeanSquaredError",
        _ERRORS,
        "Mean squared error, summed per example and averaged over examples.",
    ),
    "root_mean_squared_error": (
        "RootMeanSquaredError",
        _ERRORS,
        "Square root of the mean squared error.",
    ),
    "mean_error": ("MeanError", _ERRORS, "Mean signed error (target minus prediction)."),
    "maximum_absolute_error": (
        "MaximumAbsoluteError",
        _ERRORS,
        "Largest absolute error over every example.",
    ),
    "geometric_mean_absolute_error": (
        "GeometricMeanAbsoluteError",
        _ERRORS,
        "Geometric mean of the absolute errors.",
    ),
    "mean_absolute_relative_error": (
        "MeanAbsoluteRelativeError",
        _RELATIVE,
        "Mean of |target - prediction| / |target|.",
    ),
    "mean_normalized_bias": (
        "MeanNormalizedBias",
        _RELATIVE,
        "Mean of (target - prediction) / target.",
    ),
    "fractional_absolute_error": (
        "FractionalAbsoluteError",
        _RELATIVE,
        "Mean of 2 |target - prediction| / (|target| + |prediction|).",
    ),
    "fractional_bias": (
        "FractionalBias",
        _RELATIVE,
        "Mean of 2 (target - prediction) / (target + prediction).",
    ),
    "manhattan_distance": (
        "ManhattanDistance",
        _DISTANCES,
        "Sum of absolute errors over every example.",
    ),
    "canberra_metric": (
        "CanberraMetric",
        _DISTANCES,
        "Canberra distance between predictions and targets.",
    ),
    "wave_hedges_distance": (
        "WaveHedgesDistance",
        _DISTANCES,
        "Wave Hedges distance between predictions and targets.",
    ),
    "mean_pairwise_distance": (
        "MeanPairwiseDistance",
        _DISTANCES,
        "Mean p-norm distance between rows of predictions and targets.",
    ),
    "median_absolute_error": (
        "MedianAbsoluteError",
        _EPOCH,
        "Median of the absolute errors (keeps every value).",
    ),
    "median_absolute_percentage_error": (
        "MedianAbsolutePercentageError",
        _EPOCH,
        "100 times the median relative absolute error (keeps every value).",
    ),
    "median_relative_absolute_error": (
        "MedianRelativeAbsoluteError",
        _EPOCH,
        "Median of |target - prediction| / |target - mean target| (keeps every value).",
    ),
    "geometric_mean_relative_absolute_error": (
        "GeometricMeanRelativeAbsoluteError",
        _EPOCH,
        "Geometric mean of |target - prediction| / |target - mean target| (keeps every value).",
    ),
    "pearson_correlation": (
        "PearsonCorrelation",
        "ember_metrics.regression.pearson_correlation",
        "Pearson correlation coefficient between predictions and targets.",
    ),
    "r2_score": (
        "R2Score",
        "ember_metrics.regression.r2_score",
        "Coefficient of determination R².",
    ),
    "spearman_rank_correlation": (
        "SpearmanRankCorrelation",
        _RANKS,
        "Spearman's rank correlation (keeps every value).",
    ),
    "kendall_rank_correlation": (
        "KendallRankCorrelation",
        _RANKS,
        "Kendall's rank correlation tau-b or tau-c (keeps every value).",
    ),
}
