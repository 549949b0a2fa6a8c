"""The names ember's own plugins provide, so that a missing plugin gets an install hint.

Registry names are snake_case (``accuracy``, ``early_stopping``, ``tensorboard``).

Example:
    >>> from ember.plugins.first_party import providing_distribution
    >>> providing_distribution("loggers", "tensorboard")
    'ember-loggers'
"""

from __future__ import annotations

__all__ = ["FIRST_PARTY", "providing_distribution"]

_METRICS = (
    # classification
    "accuracy precision recall fbeta top_k_categorical_accuracy confusion_matrix "
    "multilabel_confusion_matrix classification_report matthews_corr_coef cohen_kappa roc_auc "
    "roc_curve average_precision precision_recall_curve "
    # segmentation
    "iou miou jaccard_index dice_coefficient "
    # regression
    "mean_absolute_error mean_squared_error root_mean_squared_error mean_pairwise_distance "
    "canberra_metric fractional_absolute_error fractional_bias geometric_mean_absolute_error "
    "geometric_mean_relative_absolute_error kendall_rank_correlation manhattan_distance "
    "maximum_absolute_error mean_absolute_relative_error mean_error mean_normalized_bias "
    "median_absolute_error median_absolute_percentage_error median_relative_absolute_error "
    "pearson_correlation r2_score spearman_rank_correlation wave_hedges_distance "
    # similarity and information
    "cosine_similarity entropy kl_divergence js_divergence mutual_information hsic "
    "maximum_mean_discrepancy "
    # vision and generative
    "psnr ssim mean_average_precision object_detection_avg_precision_recall "
    "common_object_detection_metrics fid inception_score "
    # nlp
    "bleu rouge rouge_n rouge_l character_error_rate perplexity "
    # clustering, fairness, ranking
    "silhouette_score davies_bouldin_score calinski_harabasz_score subgroup_metric "
    "subgroup_difference subgroup_accuracy_difference demographic_parity_difference "
    "selection_rate hit_rate ndcg "
    # aggregation and generic
    "loss average geometric_average variable_accumulation frequency running_average "
    "epoch_metric metric_group gpu_info"
)
_HANDLERS = (
    "early_stopping timer terminate_on_nan progress_bar lr_scheduler linear_cyclical_scheduler "
    "cosine_annealing_scheduler piecewise_linear concat_scheduler param_group_scheduler "
    "create_lr_scheduler_with_warmup time_limit epoch_output_store"
)

FIRST_PARTY: dict[str, dict[str, str]] = {
    "metrics": dict.fromkeys(_METRICS.split(), "ember-metrics"),
    "handlers": dict.fromkeys(_HANDLERS.split(), "ember-handlers"),
    "savers": dict.fromkeys(["disk", "checkpoint", "model_checkpoint"], "ember-checkpoint"),
    "loggers": dict.fromkeys(["tensorboard", "mlflow", "neptune"], "ember-loggers"),
    "backends": {"xla-tpu": "ember-xla", "horovod": "ember-horovod"},
}


def providing_distribution(kind: str, name: str) -> str | None:
    """The first-party distribution that provides ``name`` in the ``kind`` registry, if any."""
    return FIRST_PARTY.get(kind, {}).get(name)
