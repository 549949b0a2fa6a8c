"""The classification, segmentation and aggregation catalogues: names, registry, imports."""

from __future__ import annotations

import importlib

import pytest

import ember_metrics
from ember.plugins import PluginHost, Policy
from ember.plugins.first_party import FIRST_PARTY
from ember_metrics.catalogue import aggregation, classification, segmentation

FAMILIES = {
    "classification": classification.ENTRIES,
    "segmentation": segmentation.ENTRIES,
    "aggregation": aggregation.ENTRIES,
}
ENTRIES = {name: entry for family in FAMILIES.values() for name, entry in family.items()}


@pytest.fixture(scope="module")
def metrics_registry():
    return PluginHost(policy=Policy()).registry("metrics")


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_catalogue_name_resolves_through_the_registry_to_its_class(metrics_registry, name):
    cls, module, summary = ENTRIES[name]
    expected = getattr(importlib.import_module(module), cls)
    assert metrics_registry.load(name) is expected
    assert getattr(ember_metrics, cls) is expected
    assert summary
    assert "\n" not in summary


def test_catalogue_names_are_the_first_party_names():
    assert set(ENTRIES) <= set(FIRST_PARTY["metrics"])


def test_every_first_party_name_of_these_families_is_listed():
    expected = {
        "accuracy", "precision", "recall", "fbeta", "top_k_categorical_accuracy",
        "confusion_matrix", "multilabel_confusion_matrix", "classification_report",
        "matthews_corr_coef", "cohen_kappa", "roc_auc", "roc_curve", "average_precision",
        "precision_recall_curve", "iou", "miou", "jaccard_index", "dice_coefficient", "loss",
        "average", "geometric_average", "variable_accumulation", "frequency", "running_average",
        "epoch_metric", "metric_group", "gpu_info",
    }  # fmt: skip
    assert set(ENTRIES) == expected


def test_entries_hold_strings_only():
    for entry in ENTRIES.values():
        assert len(entry) == 3
        assert all(isinstance(part, str) for part in entry)
