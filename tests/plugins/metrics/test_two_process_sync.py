"""Every metric of the catalogue synchronises over two gloo processes.

For each family's ``sync_cases_<family>.py``, one pair of processes (spawned once per family by
``ember.testing.check_metrics_distributed``) updates each metric with every other batch, and
both ranks must compute what one process computes over all batches. A case mapped to ``None``
cannot apply (its family file says why); the catalogue test below makes sure no metric is left
out silently.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from sync_cases import all_cases

from ember.testing import check_metrics_distributed
from ember_metrics.catalogue import entries

FAMILY_FILES = sorted(Path(__file__).resolve().parent.glob("sync_cases_*.py"))
# Cases that cannot run here, and why; every other registry name must be checked.
NOT_APPLICABLE = {
    "gpu_info": "reads the GPU's own counters: there is nothing to synchronise, and no GPU here",
    "frequency": "outputs per second of wall-clock time: two processes have twice the rate",
    "running_average": "moves once per iteration with the mean over processes, by definition"
    " (test_running_average.py checks that on two processes)",
}


@pytest.mark.slow
@pytest.mark.parametrize("family", [path.stem for path in FAMILY_FILES])
def test_two_processes_with_half_the_batches_each_compute_the_one_process_value(family):
    cases = importlib.import_module(family).CASES
    runnable = {name: case for name, case in cases.items() if case is not None}
    assert runnable, f"{family} has no runnable case"
    check_metrics_distributed(runnable, rtol=1e-6, atol=1e-9)


def test_every_registered_metric_has_a_two_process_case():
    cases = all_cases()
    registry_names = set(entries())
    checked = {name.split("[")[0] for name, case in cases.items() if case is not None}
    missing = registry_names - checked - set(NOT_APPLICABLE)
    assert not missing, f"metrics without a two-process case: {sorted(missing)}"
    skipped = {name for name, case in cases.items() if case is None}
    assert skipped <= set(NOT_APPLICABLE), (
        f"cases mapped to None without a reason in NOT_APPLICABLE: {sorted(skipped)}"
    )
