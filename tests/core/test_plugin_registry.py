"""Registries of named components: factories, lazy imports, errors and provenance."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ember.exceptions import DuplicateNameError, UnknownNameError
from ember.plugins.first_party import FIRST_PARTY, providing_distribution
from ember.plugins.registry import RUNTIME, Register, Registry

LAZY_MODULE = "ember_test_lazy_factory"


@pytest.fixture
def lazy_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module on ``sys.path`` (not yet imported) holding factories; forgotten afterwards."""
    source = """
        IMPORTS = []
        IMPORTS.append(__name__)

        class Thing:
            def __init__(self, *args, **kwargs):
                self.args = args
                self.kwargs = kwargs

        class Outer:
            @staticmethod
            def inner(value):
                return value * 2
    """
    (tmp_path / f"{LAZY_MODULE}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert LAZY_MODULE not in sys.modules
    yield LAZY_MODULE
    sys.modules.pop(LAZY_MODULE, None)


def collect(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs


# ------------------------------------------------------------------------- factories


def test_callable_factory_is_returned_by_load_and_called_by_create() -> None:
    registry = Registry("metrics")
    registry.register("Collect", collect, summary="collects its arguments")
    assert registry.load("Collect") is collect
    assert registry.create("Collect") == ((), {})


def test_create_passes_positional_and_keyword_arguments() -> None:
    registry = Registry("metrics")
    registry.register("Collect", collect)
    assert registry.create("Collect", 1, 2, k=3) == ((1, 2), {"k": 3})


def test_create_accepts_a_keyword_argument_called_name() -> None:
    registry = Registry("loggers")
    registry.register("Collect", collect)
    assert registry.create("Collect", name="run-1") == ((), {"name": "run-1"})


def test_string_factory_is_imported_from_module_and_attribute() -> None:
    registry = Registry("metrics")
    registry.register("Mean", "statistics:mean")
    assert registry.create("Mean", [1, 2, 3]) == 2


def test_string_factory_module_is_not_imported_until_load(lazy_module: str) -> None:
    registry = Registry("metrics")
    registry.register("Thing", f"{lazy_module}:Thing", summary="lazy", dist="acme", version="1")
    # Looking at the registry never imports the factory's module.
    assert "Thing" in registry
    assert registry.names() == ["Thing"]
    assert [entry.summary for entry in registry.entries()] == ["lazy"]
    assert registry.get("Thing").factory == f"{lazy_module}:Thing"
    assert lazy_module not in sys.modules

    factory = registry.load("Thing")

    assert lazy_module in sys.modules
    assert factory is sys.modules[lazy_module].Thing


def test_string_factory_module_is_not_imported_until_create(lazy_module: str) -> None:
    registry = Registry("metrics")
    registry.register("Thing", f"{lazy_module}:Thing")
    assert lazy_module not in sys.modules

    thing = registry.create("Thing", 1, key="value")

    assert lazy_module in sys.modules
    assert (thing.args, thing.kwargs) == ((1,), {"key": "value"})


def test_string_factory_is_imported_once_and_cached(lazy_module: str) -> None:
    registry = Registry("metrics")
    registry.register("Thing", f"{lazy_module}:Thing")
    first = registry.load("Thing")
    assert registry.load("Thing") is first
    assert [lazy_module] == sys.modules[lazy_module].IMPORTS


def test_string_factory_may_name_a_nested_attribute(lazy_module: str) -> None:
    registry = Registry("metrics")
    registry.register("Double", f"{lazy_module}:Outer.inner")
    assert registry.create("Double", 21) == 42


def test_string_factory_for_a_missing_module_raises_import_error_naming_entry_and_dist() -> None:
    registry = Registry("metrics")
    # Registering is fine: nothing is imported yet.
    registry.register(
        "Broken", "ember_no_such_module_anywhere:Thing", dist="acme-metrics", version="1.0"
    )
    with pytest.raises(ImportError) as raised:
        registry.create("Broken")
    message = str(raised.value)
    assert "'Broken'" in message
    assert "acme-metrics" in message
    assert "ember_no_such_module_anywhere:Thing" in message


def test_string_factory_for_a_missing_attribute_raises_import_error() -> None:
    registry = Registry("metrics")
    registry.register("Broken", "statistics:no_such_function", dist="acme-metrics")
    with pytest.raises(ImportError, match=r"metrics 'Broken' from acme-metrics"):
        registry.load("Broken")


@pytest.mark.parametrize(
    "factory",
    ["no_colon", 3, None, "a b:c", "module:", ":attr", "module:attr.", "1module:attr", ""],
)
def test_bad_factory_raises_type_error_naming_the_factory_argument(factory: Any) -> None:
    registry = Registry("metrics")
    with pytest.raises(TypeError, match=r"factory for metrics 'Name'"):
        registry.register("Name", factory)
    assert "Name" not in registry


@pytest.mark.parametrize("name", ["", 3, None])
def test_bad_name_raises_type_error_naming_the_name_argument(name: Any) -> None:
    registry = Registry("metrics")
    with pytest.raises(TypeError, match=r"register: name should be a non-empty str"):
        registry.register(name, collect)
    assert len(registry) == 0


# ------------------------------------------------------------------------- listing


def test_entries_are_sorted_and_show_kind_dist_version_and_summary() -> None:
    registry = Registry("metrics")
    registry.register("Zeta", collect, summary="last", dist="acme-metrics", version="2.1")
    registry.register("Alpha", "statistics:mean", summary="first")
    rows = [(e.kind, e.name, e.dist, e.version, e.summary) for e in registry.entries()]
    assert rows == [
        ("metrics", "Alpha", RUNTIME, None, "first"),
        ("metrics", "Zeta", "acme-metrics", "2.1", "last"),
    ]
    assert list(registry) == ["Alpha", "Zeta"]
    assert len(registry) == 2
    assert "Alpha" in registry
    assert "alpha" not in registry


def test_bound_register_records_dist_and_version_on_every_entry() -> None:
    registry = Registry("handlers")
    register: Register = registry.bound_register("acme-handlers", "0.3")
    register("Timer2", collect, summary="a timer")
    register("Stopper", "statistics:mean")
    assert [(e.name, e.dist, e.version, e.summary) for e in registry.entries()] == [
        ("Stopper", "acme-handlers", "0.3", ""),
        ("Timer2", "acme-handlers", "0.3", "a timer"),
    ]


def test_bound_register_passes_override_through() -> None:
    registry = Registry("handlers")
    registry.register("Timer", collect, dist="ember-handlers", version="0.1")
    registry.bound_register("acme-handlers", "0.3")("Timer", print, override=True)
    entry = registry.get("Timer")
    assert (entry.dist, entry.version, entry.factory) == ("acme-handlers", "0.3", print)


# ------------------------------------------------------------------------- unknown names


def test_unknown_name_error_lists_the_known_names() -> None:
    registry = Registry("loggers")
    registry.register("console", collect)
    registry.register("csv", collect)
    with pytest.raises(UnknownNameError) as raised:
        registry.get("wandb")
    message = str(raised.value)
    assert "no loggers entry named 'wandb'" in message
    assert "(known loggers: console, csv)" in message
    assert "pip install" not in message
    assert "did you mean" not in message


def test_unknown_name_error_is_a_lookup_error_from_create_and_load_too() -> None:
    registry = Registry("loggers")
    with pytest.raises(LookupError, match=r"known loggers: none"):
        registry.create("wandb")
    with pytest.raises(UnknownNameError):
        registry.load("wandb")


def test_unknown_name_error_suggests_close_matches() -> None:
    registry = Registry("metrics")
    for name in ("MeanSquaredErr", "MeanAbsErr", "Median"):
        registry.register(name, collect)
    with pytest.raises(UnknownNameError, match=r"did you mean 'MeanSquaredErr'"):
        registry.get("MeanSquareErr")


@pytest.mark.parametrize(
    ("kind", "name", "dist"),
    [
        ("metrics", "accuracy", "ember-metrics"),
        ("loggers", "tensorboard", "ember-loggers"),
        ("handlers", "early_stopping", "ember-handlers"),
        ("savers", "model_checkpoint", "ember-checkpoint"),
        ("backends", "horovod", "ember-horovod"),
    ],
)
def test_unknown_first_party_name_gives_the_exact_pip_install_line(
    kind: str, name: str, dist: str
) -> None:
    registry = Registry(kind)
    with pytest.raises(UnknownNameError) as raised:
        registry.get(name)
    message = str(raised.value)
    assert f"it is provided by {dist}, which is not loaded: pip install {dist} (known" in message


def test_first_party_name_is_only_hinted_in_its_own_kind() -> None:
    registry = Registry("loggers")
    with pytest.raises(UnknownNameError) as raised:
        registry.get("accuracy")
    assert "pip install" not in str(raised.value)


def test_no_install_hint_when_the_providing_distribution_is_loaded() -> None:
    registry = Registry("metrics")
    registry.register("Precision", collect, dist="ember-metrics", version="0.1")
    with pytest.raises(UnknownNameError) as raised:
        registry.get("accuracy")
    message = str(raised.value)
    assert "pip install" not in message
    assert "known metrics: Precision" in message


def test_install_hint_stays_when_only_another_distribution_is_loaded() -> None:
    registry = Registry("metrics")
    registry.register("F1", collect, dist="acme-metrics", version="1.0")
    with pytest.raises(UnknownNameError, match=r"pip install ember-metrics"):
        registry.get("accuracy")


def test_first_party_table_maps_names_to_ember_distributions() -> None:
    assert providing_distribution("metrics", "accuracy") == "ember-metrics"
    assert providing_distribution("loggers", "tensorboard") == "ember-loggers"
    assert providing_distribution("metrics", "tensorboard") is None
    assert providing_distribution("nonsense", "accuracy") is None
    dists = {dist for names in FIRST_PARTY.values() for dist in names.values()}
    assert all(dist.startswith("ember-") and dist == dist.lower() for dist in dists)


# ------------------------------------------------------------------------- duplicates


def test_duplicate_name_error_names_both_distributions_and_versions() -> None:
    registry = Registry("metrics")
    registry.bound_register("acme-metrics", "1.0")("F1", collect)
    with pytest.raises(DuplicateNameError) as raised:
        registry.bound_register("other-metrics", "2.3")("F1", print)
    message = str(raised.value)
    assert "metrics 'F1' is registered by both acme-metrics 1.0 and other-metrics 2.3" in message
    assert "override=True" in message
    # The first registration is kept.
    assert registry.get("F1").dist == "acme-metrics"
    assert registry.load("F1") is collect


def test_duplicate_name_error_without_versions_names_the_distributions() -> None:
    registry = Registry("loggers")
    registry.register("csv", collect)
    with pytest.raises(DuplicateNameError, match=r"both <runtime> and acme-loggers;"):
        registry.register("csv", collect, dist="acme-loggers")


def test_override_replaces_an_existing_entry_on_purpose() -> None:
    registry = Registry("metrics")
    registry.register("accuracy", collect, dist="ember-metrics", version="0.1")
    registry.register(
        "accuracy", "statistics:mean", summary="patched", dist="acme", version="9", override=True
    )
    entry = registry.get("accuracy")
    assert (entry.factory, entry.summary, entry.dist, entry.version) == (
        "statistics:mean",
        "patched",
        "acme",
        "9",
    )
    assert registry.create("accuracy", [2, 4]) == 3
    assert len(registry) == 1


def test_override_of_a_new_name_simply_registers_it() -> None:
    registry = Registry("metrics")
    registry.register("Fresh", collect, override=True)
    assert registry.names() == ["Fresh"]


# ------------------------------------------------------------------------- snapshots


def test_restore_goes_back_to_the_snapshot() -> None:
    registry = Registry("metrics")
    registry.register("Kept", collect, dist="ember-metrics")
    snapshot = registry.snapshot()
    registry.register("Added", collect, dist="broken-plugin")
    registry.register("Kept", print, dist="broken-plugin", override=True)

    registry.restore(snapshot)

    assert registry.names() == ["Kept"]
    assert registry.get("Kept").dist == "ember-metrics"
    assert registry.load("Kept") is collect


def test_snapshot_is_not_changed_by_later_registrations_or_restores() -> None:
    registry = Registry("metrics")
    registry.register("A", collect)
    snapshot = registry.snapshot()
    registry.register("B", collect)
    assert sorted(snapshot) == ["A"]
    registry.restore(snapshot)
    registry.register("C", collect)
    assert sorted(snapshot) == ["A"]
    registry.restore(snapshot)
    assert registry.names() == ["A"]


def test_restored_names_still_reject_duplicates() -> None:
    registry = Registry("metrics")
    registry.register("A", collect, dist="first")
    registry.restore(registry.snapshot())
    with pytest.raises(DuplicateNameError, match=r"both first and second"):
        registry.register("A", collect, dist="second")


def test_repr_shows_kind_and_names() -> None:
    registry = Registry("savers")
    registry.register("disk", collect)
    assert repr(registry) == "Registry('savers', names=['disk'])"
