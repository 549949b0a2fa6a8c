"""The catalogue entries of the regression, similarity, clustering and ranking families.

Every name resolves through the plugin registry to its class, matches the first-party names
the core knows, and reading the catalogue imports no metric code.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import ember.plugins
from ember.plugins.first_party import FIRST_PARTY
from ember_metrics.catalogue import clustering, ranking, regression, similarity

FAMILIES = {
    "regression": regression.ENTRIES,
    "similarity": similarity.ENTRIES,
    "clustering": clustering.ENTRIES,
    "ranking": ranking.ENTRIES,
}
NAMES = sorted(name for entries in FAMILIES.values() for name in entries)
ENTRY = {name: entry for entries in FAMILIES.values() for name, entry in entries.items()}


@pytest.fixture(scope="module")
def metrics_registry():
    return ember.plugins.PluginHost(policy=ember.plugins.Policy()).registry("metrics")


@pytest.mark.parametrize("name", NAMES)
def test_every_name_loads_its_class_through_the_registry(metrics_registry, name):
    cls, module, _ = ENTRY[name]
    loaded = metrics_registry.load(name)
    assert loaded is getattr(importlib.import_module(module), cls)
    assert loaded.__name__ == cls
    assert ">>>" in (loaded.__doc__ or ""), f"{cls} has no docstring example"


@pytest.mark.parametrize("name", NAMES)
def test_every_class_is_importable_from_the_package(name):
    import ember_metrics

    cls, module, _ = ENTRY[name]
    assert getattr(ember_metrics, cls) is getattr(importlib.import_module(module), cls)


def test_the_families_provide_exactly_their_first_party_names():
    expected = (
        "mean_absolute_error mean_squared_error root_mean_squared_error mean_pairwise_distance "
        "canberra_metric fractional_absolute_error fractional_bias geometric_mean_absolute_error "
        "geometric_mean_relative_absolute_error kendall_rank_correlation manhattan_distance "
        "maximum_absolute_error mean_absolute_relative_error mean_error mean_normalized_bias "
        "median_absolute_error median_absolute_percentage_error median_relative_absolute_error "
        "pearson_correlation r2_score spearman_rank_correlation wave_hedges_distance "
        "cosine_similarity entropy kl_divergence js_divergence mutual_information hsic "
        "maximum_mean_discrepancy silhouette_score davies_bouldin_score calinski_harabasz_score "
        "hit_rate ndcg"
    )
    assert set(NAMES) == set(expected.split())
    assert all(FIRST_PARTY["metrics"].get(name) == "ember-metrics" for name in NAMES)


def test_entries_are_plain_strings_with_one_line_summaries():
    for name, entry in ENTRY.items():
        assert len(entry) == 3, name
        assert all(isinstance(part, str) for part in entry), name
        assert entry[2], name
        assert "\n" not in entry[2], name


def test_reading_the_catalogue_imports_no_metric_module():
    code = (
        "import sys; import ember_metrics.catalogue as c; c.entries(); "
        "families = ('regression', 'similarity', 'clustering', 'ranking'); "
        "loaded = [m for m in sys.modules if m.split('.')[:2] in "
        "[['ember_metrics', f] for f in families]]; "
        "heavy = [m for m in ('scipy', 'sklearn') if m in sys.modules]; "
        "print(loaded, heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[] []"
