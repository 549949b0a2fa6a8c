"""Catalogue entries of the classification metrics: ``name -> (class, module, summary)``."""

from __future__ import annotations

_PACKAGE = "ember_metrics.classification"

ENTRIES: dict[str, tuple[str, str, str]] = {
    "accuracy": (
        "Accuracy",
        f"{_PACKAGE}.accuracy",
        "Share of correct predictions (binary, multiclass, multilabel)",
    ),
    "precision": (
        "Precision",
        f"{_PACKAGE}.precision_recall",
        "Precision TP / (TP + FP), per class or averaged",
    ),
    "recall": (
        "Recall",
        f"{_PACKAGE}.precision_recall",
        "Recall TP / (TP + FN), per class or averaged",
    ),
    "fbeta": (
        "Fbeta",
        f"{_PACKAGE}.fbeta",
        "F-beta score from precision and recall",
    ),
    "top_k_categorical_accuracy": (
        "TopKCategoricalAccuracy",
        f"{_PACKAGE}.top_k",
        "Share of samples whose class is among the k highest scores",
    ),
    "confusion_matrix": (
        "ConfusionMatrix",
        f"{_PACKAGE}.confusion_matrix",
        "Confusion matrix of multiclass predictions",
    ),
    "multilabel_confusion_matrix": (
        "MultiLabelConfusionMatrix",
        f"{_PACKAGE}.multilabel_confusion_matrix",
        "One 2x2 confusion matrix per label",
    ),
    "classification_report": (
        "ClassificationReport",
        f"{_PACKAGE}.classification_report",
        "Per-class precision, recall and F-beta with macro averages",
    ),
    "matthews_corr_coef": (
        "MatthewsCorrCoef",
        f"{_PACKAGE}.matthews",
        "Matthews correlation coefficient",
    ),
    "cohen_kappa": (
        "CohenKappa",
        f"{_PACKAGE}.cohen_kappa",
        "Cohen's kappa agreement, unweighted or linear/quadratic weighted",
    ),
    "roc_auc": (
        "ROC_AUC",
        f"{_PACKAGE}.roc_auc",
        "Area under the ROC curve (binary, multilabel)",
    ),
    "roc_curve": (
        "RocCurve",
        f"{_PACKAGE}.roc_curve",
        "ROC curve: false and true positive rates by threshold (binary)",
    ),
    "average_precision": (
        "AveragePrecision",
        f"{_PACKAGE}.average_precision",
        "Average precision, the area under the precision-recall curve",
    ),
    "precision_recall_curve": (
        "PrecisionRecallCurve",
        f"{_PACKAGE}.precision_recall_curve",
        "Precision and recall by threshold (binary)",
    ),
}
