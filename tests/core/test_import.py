"""``import ember`` in a fresh interpreter: the public names, and nothing heavy or plugin-related.

Each check runs ``sys.executable -c ...`` so that modules imported by this test session do not
hide what ``import ember`` itself imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

IMPORT_FACTS = textwrap.dedent(
    """
    import json, sys
    import torch

    before = set(sys.modules)
    import ember
    new_modules = sorted(set(sys.modules) - before)

    import importlib.metadata
    import ember.engine

    print(json.dumps({
        "new_modules": new_modules,
        "stdlib": sorted(sys.stdlib_module_names),
        "exposed": {
            "Engine": ember.Engine is ember.engine.Engine,
            "Events": ember.Events is ember.engine.Events,
            "EventEnum": ember.EventEnum is ember.engine.EventEnum,
            "State": ember.State is ember.engine.State,
        },
        "all": sorted(ember.__all__),
        "version": ember.__version__,
        "distribution_version": importlib.metadata.version("ember"),
    }))
    """
)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    done = run_python(IMPORT_FACTS)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_import_ember_exposes_engine_events_state_and_version(facts: dict[str, Any]) -> None:
    assert facts["exposed"] == {"Engine": True, "Events": True, "EventEnum": True, "State": True}
    assert {"Engine", "EventEnum", "Events", "State", "__version__"} <= set(facts["all"])
    assert facts["version"] == facts["distribution_version"]


def test_import_ember_after_torch_adds_only_ember_and_stdlib_modules(
    facts: dict[str, Any],
) -> None:
    stdlib = set(facts["stdlib"])
    foreign = [
        name
        for name in facts["new_modules"]
        if name != "ember" and not name.startswith("ember.") and name.split(".")[0] not in stdlib
    ]
    assert foreign == []
    assert "ember.engine" in facts["new_modules"]


@pytest.mark.parametrize(
    "prefix", ["ember.metric", "ember.plugins", "ember.cli", "ember.testing", "ember_", "pluggy"]
)
def test_import_ember_imports_no_metric_plugin_or_cli_module(
    facts: dict[str, Any], prefix: str
) -> None:
    assert [name for name in facts["new_modules"] if name.startswith(prefix)] == []


def test_import_ember_imports_no_numpy_beyond_torch(facts: dict[str, Any]) -> None:
    assert [name for name in facts["new_modules"] if name.split(".")[0] == "numpy"] == []


def test_import_ember_does_not_read_entry_points() -> None:
    # Two proofs: importlib.metadata's scanners raise if called, and an audit hook records every
    # entry_points.txt opened (ember's own sys.path scan reads those files directly). The same
    # hook sees the files once discovery runs, so it would see a scan at import too.
    code = textwrap.dedent(
        """
        import json, sys
        import torch  # torch reads its own entry points; only ember's import is under test
        import importlib.metadata as metadata

        def refuse(*args, **kwargs):
            raise AssertionError("importlib.metadata was scanned during import ember")

        metadata.entry_points = refuse
        metadata.distributions = refuse
        opened = []

        def audit(event, args):
            if event == "open" and str(args[0]).endswith("entry_points.txt"):
                opened.append(str(args[0]))

        sys.addaudithook(audit)
        import ember
        from ember.engine import Engine, Events

        at_import = list(opened)
        from ember.plugins.discovery import discover

        discover()
        print(json.dumps([at_import, len(opened) > 0]))
        """
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    at_import, seen_by_discovery = json.loads(done.stdout)
    assert at_import == []
    assert seen_by_discovery
