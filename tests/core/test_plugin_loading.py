"""Loading real entry-point plugins: policy before import, failure isolation, strict mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from plugin_dists import isolated_path, make_dist, simple_plugin

from ember.engine import Engine
from ember.exceptions import DuplicateNameError, PluginError
from ember.plugins import PluginHost, PluginLoadWarning, Policy, hookimpl
from ember.plugins.policy import parse_policy


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path to install distributions into; their modules are forgotten after."""
    directory = tmp_path / "site"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    modules = set(sys.modules)
    yield directory
    for name in set(sys.modules) - modules:
        del sys.modules[name]


def host_for(site: Path, policy: Policy | None = None) -> PluginHost:
    host = PluginHost(policy=policy or Policy(), path=[str(site)])
    host.load()
    return host


def statuses(host: PluginHost) -> dict[str, tuple[str, str]]:
    return {record.dist: (record.status, record.reason) for record in host.records}


MARKER_PLUGIN = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")
from ember.plugins import hookimpl

@hookimpl
def ember_register_loggers(register):
    register("marked", "builtins:print")
"""


def test_loaded_plugin_registers_names_with_its_distribution(site: Path) -> None:
    simple_plugin(site, "Acme_Metrics", "Half", version="2.1")
    host = host_for(site)
    entry = host.registry("metrics").get("Half")
    assert (entry.dist, entry.version, entry.summary) == ("acme-metrics", "2.1", "test metric")
    [record] = host.records
    assert (record.status, record.provides) == ("loaded", {"metrics": ["Half"]})
    assert "acme_metrics.impl" not in sys.modules
    assert host.registry("metrics").create("Half").__class__.__name__ == "Metric"
    assert "acme_metrics.impl" in sys.modules


def test_plugins_load_in_canonical_distribution_order(site: Path) -> None:
    for dist in ("zeta-metrics", "Alpha_Metrics", "mid.metrics"):
        simple_plugin(site, dist, f"M-{dist}")
    host = host_for(site)
    assert [r.dist for r in host.records] == ["alpha-metrics", "mid-metrics", "zeta-metrics"]


def test_plugin_outside_policy_is_never_imported(site: Path, tmp_path: Path) -> None:
    marker = tmp_path / "imported.txt"
    make_dist(
        site,
        "unapproved",
        modules={"unapproved_plugin.py": MARKER_PLUGIN.format(marker=str(marker))},
        entry_points={"unapproved": "unapproved_plugin"},
    )
    simple_plugin(site, "approved", "Approved")
    policy = Policy(files=(parse_policy('autoload = false\n[[allow]]\ndist = "approved"\n', "p"),))
    host = host_for(site, policy)
    assert statuses(host)["unapproved"] == ("blocked", "not in the allow list of p")
    assert not marker.exists()
    assert "Approved" in host.registry("metrics")
    # Control: the same plugin, allowed, is imported and writes its marker.
    host_for(site, Policy())
    assert marker.read_text() == "imported"


def test_plugin_whose_import_fails_is_reported_and_others_keep_working(site: Path) -> None:
    make_dist(
        site,
        "broken",
        "0.3",
        modules={"broken_plugin.py": "raise RuntimeError('no native library')\n"},
        entry_points={"broken": "broken_plugin"},
    )
    simple_plugin(site, "fine", "Fine")
    with pytest.warns(PluginLoadWarning, match=r"'broken' from broken 0.3 failed to load"):
        host = host_for(site)
    assert statuses(host)["broken"] == ("failed", "RuntimeError: no native library")
    assert statuses(host)["fine"][0] == "loaded"
    assert "Fine" in host.registry("metrics")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            "from ember.plugins import hookimpl\n"
            "@hookimpl\ndef ember_register_metrix(register):\n    pass\n",
            "unknown hook 'ember_register_metrix'",
        ),
        (
            "from ember.plugins import hookimpl\n"
            "@hookimpl\ndef ember_register_metrics(register, colour):\n    pass\n",
            "colour",
        ),
        (
            "from ember.plugins import hookimpl\n"
            "@hookimpl\ndef ember_register_metrics(register):\n"
            "    register('Kept', 'os:getcwd')\n    raise ValueError('half-way')\n",
            "ValueError: half-way",
        ),
    ],
    ids=["unknown-hook", "argument-not-in-spec", "registration-raises"],
)
def test_invalid_plugin_fails_without_leaving_registrations(
    site: Path, source: str, reason: str
) -> None:
    make_dist(site, "bad", modules={"bad_plugin.py": source}, entry_points={"bad": "bad_plugin"})
    with pytest.warns(PluginLoadWarning):
        host = host_for(site)
    status, why = statuses(host)["bad"]
    assert status == "failed"
    assert reason in why
    assert "Kept" not in host.registry("metrics")
    assert not host.pm.get_plugins()


def test_same_name_from_two_distributions_fails_the_second_naming_both(site: Path) -> None:
    simple_plugin(site, "first-metrics", "Clash", version="1.0")
    simple_plugin(site, "second-metrics", "Clash", version="2.0")
    with pytest.warns(PluginLoadWarning, match="first-metrics 1.0 and second-metrics 2.0"):
        host = host_for(site)
    assert host.registry("metrics").get("Clash").dist == "first-metrics"
    assert statuses(host)["second-metrics"][0] == "failed"


def test_on_error_fail_makes_a_failing_plugin_an_error(site: Path) -> None:
    make_dist(
        site, "broken", modules={"broken_plugin.py": "1 / 0\n"}, entry_points={"b": "broken_plugin"}
    )
    policy = Policy(files=(parse_policy('on_error = "fail"\n', "strict.toml"),))
    with pytest.raises(PluginError, match="ZeroDivisionError"):
        host_for(site, policy)


def test_required_plugin_missing_or_failing_is_an_error(site: Path) -> None:
    text = '[[allow]]\ndist = "needed-*"\nrequired = true\n'
    policy = Policy(files=(parse_policy(text, "company.toml"),))
    with pytest.raises(PluginError, match=r"'needed-\*' is required by company.toml but is not"):
        host_for(site, policy)
    make_dist(site, "needed-x", modules={"nx.py": "import nope\n"}, entry_points={"x": "nx"})
    with pytest.raises(PluginError, match="ModuleNotFoundError"):
        host_for(site, policy)


def test_required_plugin_at_wrong_version_is_an_error(site: Path) -> None:
    simple_plugin(site, "needed", "N", version="0.5")
    text = '[[allow]]\ndist = "needed"\nversion = ">=1"\nrequired = true\n'
    with pytest.raises(PluginError, match=r"version 0.5 is outside >=1"):
        host_for(site, Policy(files=(parse_policy(text, "c.toml"),)))


def test_add_plugin_registers_a_module_or_object_by_hand() -> None:
    class Local:
        @hookimpl
        def ember_register_handlers(self, register):  # type: ignore[no-untyped-def]
            register("Noop", lambda: None, summary="does nothing")

    host = PluginHost(policy=Policy(), autoload=False)
    host.add_plugin(Local(), dist="local")
    assert host.registry("handlers").get("Noop").dist == "local"
    with pytest.raises(PluginError, match=DuplicateNameError.__name__):
        host.add_plugin(Local(), dist="again")


def test_engine_created_hook_runs_for_every_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from ember.plugins import manager

    class Tagger:
        @hookimpl
        def ember_engine_created(self, engine):  # type: ignore[no-untyped-def]
            engine.state.tagged = True

    host = PluginHost(policy=Policy(), autoload=False)
    host.add_plugin(Tagger())
    monkeypatch.setattr(manager, "_HOST", host)
    assert Engine(lambda e, b: None).state.tagged is True


def run_python(code: str, site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` seeing the plugins installed in ``site`` and no other installed plugin."""
    path = [str(site), *isolated_path(site.parent / "shadow")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path), **env}
    return subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=site,
        timeout=120,
        check=True,
    )


def test_import_ember_reads_no_entry_point_and_first_use_loads(site: Path) -> None:
    simple_plugin(site, "acme-metrics", "Half")
    code = (
        "import sys, json, ember\n"
        "before = [m for m in sys.modules if m.startswith(('acme', 'ember.plugins', 'pluggy'))]\n"
        "from ember.plugins import registry\n"
        "names = registry('metrics').names()\n"
        "print(json.dumps([before, names, 'acme_metrics.plugin' in sys.modules]))\n"
    )
    before, names, loaded = json.loads(run_python(code, site).stdout)
    assert before == []
    assert names == ["Half"]
    assert loaded is True


def test_trace_shows_loading_and_hook_calls(site: Path) -> None:
    simple_plugin(site, "acme-metrics", "Half")
    code = "from ember.plugins import registry\nregistry('metrics')\n"
    stderr = run_python(code, site, EMBER_TRACE_PLUGINS="1").stderr
    assert "ember_register_metrics: acme-metrics" in stderr
    assert "loaded metrics (acme-metrics 1.0)" in stderr
    quiet = run_python(code, site).stderr
    assert "acme-metrics" not in quiet


def test_a_host_that_failed_to_load_keeps_failing_instead_of_serving_empty(site: Path) -> None:
    text = '[[allow]]\ndist = "needed"\nrequired = true\n'
    host = PluginHost(policy=Policy(files=(parse_policy(text, "c.toml"),)), path=[str(site)])
    for _ in range(2):
        with pytest.raises(PluginError, match=r"is required by c\.toml"):
            host.registry("metrics")
