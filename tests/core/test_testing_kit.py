"""ember.testing: check_metric and check_plugin catch what they promise to, and pass good code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from plugin_dists import make_dist, simple_plugin
from reference_metric import CountingAccuracy, MeanAbsoluteError
from sklearn.metrics import accuracy_score, mean_absolute_error

from ember.engine import Engine
from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember.plugins import PluginHost, hookimpl, registry
from ember.testing import (
    assert_values_close,
    check_metric,
    check_metrics_distributed,
    check_plugin,
    concatenate,
    tmp_plugin,
)


def classification_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [
        (torch.randn(n, 4, generator=generator), torch.randint(0, 4, (n,), generator=generator))
        for n in (5, 3, 8)
    ]


def test_check_metric_passes_protocol_metrics_against_sklearn() -> None:
    check_metric(
        CountingAccuracy,
        classification_batches(),
        reference=lambda data: accuracy_score(data[1], data[0].argmax(dim=1)),
    )
    regression = [(torch.randn(6), torch.randn(6)) for _ in range(3)]
    check_metric(
        MeanAbsoluteError,
        regression,
        reference=lambda data: mean_absolute_error(data[1], data[0]),
    )


class Sum(Metric):
    """A correct metric; broken variants below each break one rule."""

    _state_dict_all_req_keys = ("_total", "_count")

    def reset(self) -> None:
        self._total = torch.tensor(0.0)
        self._count = 0

    def update(self, output: torch.Tensor) -> None:
        self._total = self._total + output.sum()
        self._count += output.numel()

    def compute(self) -> float:
        if self._count == 0:
            raise NotComputableError("Sum needs data")
        return float(self._total)


class NoErrorBeforeUpdate(Sum):
    def compute(self) -> float:
        return float(self._total)


class ResetForgetsNothing(Sum):
    def reset(self) -> None:
        if not hasattr(self, "_total"):
            super().reset()


class StateDictLosesCount(Sum):
    _state_dict_all_req_keys = ("_total",)


class WrongValue(Sum):
    def compute(self) -> float:
        return super().compute() + 1


class CountsCompletedTwice(Sum):
    def iteration_completed(self, engine: Engine) -> None:
        super().iteration_completed(engine)
        super().iteration_completed(engine)


SUM_BATCHES = [torch.tensor([1.0, 2.0]), torch.tensor([3.0]), torch.tensor([4.0, 5.0])]


def test_check_metric_accepts_a_correct_metric() -> None:
    check_metric(Sum, SUM_BATCHES, reference=lambda data: data.sum().item())


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (NoErrorBeforeUpdate, "compute\\(\\) before any update must fail"),
        (ResetForgetsNothing, "after reset and a second pass"),
        (StateDictLosesCount, "after state_dict round trip"),
        (WrongValue, "vs reference"),
        (CountsCompletedTwice, "attached to an Engine"),
    ],
)
def test_check_metric_reports_each_broken_rule(metric: type[Metric], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_metric(metric, SUM_BATCHES, reference=lambda data: data.sum().item())


def test_check_metric_refuses_no_batches() -> None:
    with pytest.raises(ValueError, match="batches should hold at least one batch"):
        check_metric(Sum, [])


def test_concatenate_keeps_structure() -> None:
    joined = concatenate(
        [{"a": (torch.ones(2), torch.zeros(2))}, {"a": (torch.ones(1), torch.zeros(1))}]
    )
    assert torch.equal(joined["a"][0], torch.ones(3))
    assert torch.equal(joined["a"][1], torch.zeros(3))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "site"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    modules = set(sys.modules)
    yield directory
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def test_check_plugin_passes_a_light_installed_plugin(site: Path) -> None:
    simple_plugin(site, "acme-metrics", "Half")
    assert check_plugin("acme-metrics") == {"metrics": ["Half"]}


def test_check_plugin_flags_heavy_imports(site: Path) -> None:
    source = (
        "import sklearn.metrics\nfrom ember.plugins import hookimpl\n"
        "@hookimpl\ndef ember_register_metrics(register):\n    register('Heavy', 'os:getcwd')\n"
    )
    make_dist(
        site, "heavy", modules={"heavy_plugin.py": source}, entry_points={"h": "heavy_plugin"}
    )
    with pytest.raises(AssertionError, match=r"imports heavy modules at import time: .*sklearn"):
        check_plugin("heavy")


def test_check_plugin_flags_invalid_hooks_and_failing_registration(site: Path) -> None:
    import types

    unknown = types.ModuleType("unknown_hook")

    @hookimpl
    def ember_register_metric(register: Any) -> None: ...

    unknown.ember_register_metric = ember_register_metric  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="invalid hook implementation"):
        check_plugin(unknown, check_imports=False)

    failing = types.ModuleType("failing_registration")

    @hookimpl
    def ember_register_metrics(register: Any) -> None:
        register("Bad", 42)

    failing.ember_register_metrics = ember_register_metrics  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match=r"registration failed: .*factory for metrics 'Bad'"):
        check_plugin(failing, check_imports=False)


def test_check_plugin_flags_a_name_clash_with_an_installed_plugin(site: Path) -> None:
    simple_plugin(site, "first-metrics", "Shared")
    simple_plugin(site, "second-metrics", "Shared")
    with pytest.raises(AssertionError, match="'Shared' is also registered by first-metrics"):
        check_plugin("second-metrics", check_imports=False)


class Greeter:
    @hookimpl
    def ember_register_handlers(self, register: Any) -> None:
        register("Greet", "builtins:print")


def test_plugin_manager_fixture_is_isolated_and_tmp_plugin_undoes_itself(
    plugin_manager: PluginHost, tmp_plugin: Any
) -> None:
    assert plugin_manager.records == []
    with tmp_plugin(Greeter(), dist="greeter"):
        assert registry("handlers").get("Greet").dist == "greeter"
    assert "Greet" not in registry("handlers")


def test_tmp_plugin_on_an_explicit_host() -> None:
    host = PluginHost(autoload=False)
    with tmp_plugin(Greeter(), host=host):
        assert "Greet" in host.registry("handlers")
    assert "Greet" not in host.registry("handlers")
    assert host.pm.get_plugins() == set()


class LocalSum(Sum):
    """Forgets to reduce across processes: each rank reports its own half."""

    def compute(self) -> float:
        if self._count == 0:
            raise NotComputableError("LocalSum needs data")
        return float(self._total)


class ReducedSum(Sum):
    """Sum with its accumulators reduced across processes."""

    @reinit__is_reduced
    def reset(self) -> None:
        super().reset()

    @reinit__is_reduced
    def update(self, output: torch.Tensor) -> None:
        super().update(output)

    @sync_all_reduce("_total", "_count")
    def compute(self) -> float:
        return super().compute()


@pytest.mark.slow
def test_two_process_check_passes_a_reduced_metric_and_catches_a_local_one() -> None:
    check_metric(ReducedSum, SUM_BATCHES, distributed=True)
    with pytest.raises(AssertionError, match="on rank 0 of 2 gloo processes"):
        check_metric(LocalSum, SUM_BATCHES, distributed=True)


class UpdateFails(Sum):
    """Raises in update, to show that one broken case does not hide the others."""

    def update(self, output: torch.Tensor) -> None:
        raise RuntimeError("update is broken")


@pytest.mark.slow
def test_many_metrics_are_checked_in_one_pair_of_processes() -> None:
    check_metrics_distributed({"reduced": (ReducedSum, SUM_BATCHES)})
    with pytest.raises(AssertionError) as caught:
        check_metrics_distributed(
            {
                "reduced": (ReducedSum, SUM_BATCHES),
                "local": (LocalSum, SUM_BATCHES),
                "broken": (UpdateFails, SUM_BATCHES),
            }
        )
    report = str(caught.value)
    assert report.startswith("3 two-process check(s) failed")  # local on both ranks, broken
    assert "local on rank 0 of 2" in report
    assert "local on rank 1 of 2" in report
    assert "broken: one process over all batches raised RuntimeError: update is broken" in report
    assert "reduced" not in report


def test_the_many_metric_check_needs_two_batches_per_case() -> None:
    with pytest.raises(ValueError, match="case 'one' has 1 batch"):
        check_metrics_distributed({"one": (ReducedSum, SUM_BATCHES[:1])})


def test_concatenate_joins_data_lists_end_to_end_and_structures_part_by_part() -> None:
    sentences = [(["a", "b"], [["a"]]), (["c"], [["c", "d"]])]
    assert concatenate(sentences) == (["a", "b", "c"], [["a"], ["c", "d"]])
    images = [[{"bbox": 1}], [{"bbox": 2}, {"bbox": 3}]]
    assert concatenate(images) == [{"bbox": 1}, {"bbox": 2}, {"bbox": 3}]
    pairs = [[torch.tensor([1.0]), torch.tensor([2.0])], [torch.tensor([3.0]), torch.tensor([4.0])]]
    joined = concatenate(pairs)
    assert isinstance(joined, list)
    assert joined[0].tolist() == [1.0, 3.0]
    assert joined[1].tolist() == [2.0, 4.0]


def test_values_made_of_tensors_and_numbers_are_compared_part_by_part() -> None:
    assert_values_close((torch.tensor(1.5), 10), (torch.tensor(1.5), 10), "pair")
    assert_values_close([torch.ones(2), torch.zeros(3)], [torch.ones(2), torch.zeros(3)], "curve")
    with pytest.raises(AssertionError, match=r"pair\[1\]"):
        assert_values_close((torch.tensor(1.5), 11), (torch.tensor(1.5), 10), "pair")
    with pytest.raises(AssertionError, match="does not have the structure"):
        assert_values_close((torch.tensor(1.5),), (torch.tensor(1.5), 10), "pair")
