"""Conformance checks plugin authors run in their own test suites.

Example:
    >>> from ember.testing import check_metric, check_plugin, tmp_plugin
"""

from ember.testing.metric_checks import (
    assert_values_close,
    check_metric,
    check_metrics_distributed,
    concatenate,
)
from ember.testing.plugin_checks import HEAVY_MODULES, check_plugin
from ember.testing.temporary import tmp_plugin

__all__ = [
    "HEAVY_MODULES",
    "assert_values_close",
    "check_metric",
    "check_metrics_distributed",
    "check_plugin",
    "concatenate",
    "tmp_plugin",
]
