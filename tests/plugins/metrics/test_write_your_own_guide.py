"""docs/metrics/write-your-own.md works as written.

The ``python`` blocks run in order in one namespace and print what the page shows. The ``py``
blocks are files of the plugin the guide builds: the metric's module is written to a temporary
package, the guide's test file runs against it (its two-process check included), and its
``plugin.py`` registers the metric by name.
"""

from __future__ import annotations

import contextlib
import io
import re
import types
from pathlib import Path

import pytest

from ember.plugins import registry

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "metrics" / "write-your-own.md"
RUN = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)
SHOWN = re.compile(r"```py\n(.*?)```\n", re.S)
PACKAGE = "guide_acme_metrics"  # the guide's acme_metrics, under a name no other test uses


def _shown_file(comment: str) -> str:
    """The ``py`` block that starts with ``# <comment>``, with the package renamed."""
    for block in SHOWN.findall(GUIDE.read_text()):
        if block.startswith(f"# {comment}"):
            return block.replace("acme_metrics", PACKAGE)
    raise AssertionError(f"the guide has no py block starting with '# {comment}'")


def _guide_tests() -> dict[str, object]:
    """The namespace of the guide's test file, run as a module would be."""
    namespace: dict[str, object] = {}
    code = compile(_shown_file("tests/test_brier_score.py"), "test_brier_score.py", "exec")
    exec(code, namespace)
    return namespace


@pytest.fixture(scope="module")
def guide_package(tmp_path_factory: pytest.TempPathFactory) -> types.ModuleType:
    """The guide's metric as an importable module (the two-process check imports it)."""
    root = tmp_path_factory.mktemp("guide")
    package = root / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    metric_code = RUN.findall(GUIDE.read_text())[0][0]
    (package / "brier_score.py").write_text(metric_code)
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(root))
        module = __import__(f"{PACKAGE}.brier_score", fromlist=["BrierScore"])
        yield module


def test_every_example_prints_its_documented_output() -> None:
    namespace: dict[str, object] = {}
    examples = RUN.findall(GUIDE.read_text())
    assert len(examples) >= 3
    for number, (code, expected) in enumerate(examples, 1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"write-your-own.md example {number}", "exec"), namespace)
        if expected:
            assert printed.getvalue() == expected, f"example {number}"


def test_the_guides_test_file_passes_against_its_metric(guide_package: types.ModuleType) -> None:
    namespace: dict[str, object] = {}
    exec(
        compile(_shown_file("tests/test_brier_score.py"), "test_brier_score.py", "exec"), namespace
    )
    tests = {name: value for name, value in namespace.items() if name.startswith("test_")}
    assert len(tests) == 2
    for test in tests.values():
        test()  # type: ignore[operator]


def test_the_guides_test_file_catches_a_wrong_metric(guide_package: types.ModuleType) -> None:
    # A metric that scores the wrong values (square roots of the probabilities) must fail.
    namespace: dict[str, object] = {}
    exec(
        compile(_shown_file("tests/test_brier_score.py"), "test_brier_score.py", "exec"), namespace
    )

    class RootBrier(guide_package.BrierScore):  # type: ignore[name-defined, misc]
        def update(self, output):  # type: ignore[no-untyped-def]
            super().update((output[0].sqrt(), output[1]))

    namespace["BrierScore"] = RootBrier
    with pytest.raises(AssertionError):
        namespace["test_matches_scikit_learn_for_any_split_into_batches"]()  # type: ignore[operator]


def test_the_guides_plugin_registers_the_metric_by_name(
    guide_package: types.ModuleType, tmp_plugin
) -> None:
    plugin = types.ModuleType(f"{PACKAGE}.plugin")
    exec(compile(_shown_file("src/acme_metrics/plugin.py"), "plugin.py", "exec"), plugin.__dict__)
    with tmp_plugin(plugin, dist="acme-metrics"):
        metric = registry("metrics").create("brier_score")
        assert type(metric) is guide_package.BrierScore
        assert registry("metrics").get("brier_score").dist == "acme-metrics"
