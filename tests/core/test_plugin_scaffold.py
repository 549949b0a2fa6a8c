"""ember new-plugin's generator: every kind of project passes its own tests as generated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ember.plugins.scaffold import KINDS, scaffold


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_project_passes_its_tests_and_doctests(tmp_path: Path, kind: str) -> None:
    root = scaffold(f"acme-{kind}s", kind=kind, directory=tmp_path)
    package = f"acme_{kind}s"
    pyproject = (root / "pyproject.toml").read_text()
    assert f'acme_{kind}s = "{package}.plugin"' in pyproject
    assert "[project.entry-points.ember]" in pyproject
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--doctest-modules",
            "src",
            "tests",
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_plugin_module_registers_a_lazy_string_factory(tmp_path: Path) -> None:
    root = scaffold("acme-loggers", kind="logger", directory=tmp_path)
    plugin = (root / "src/acme_loggers/plugin.py").read_text()
    assert 'register("jsonl_logger", "acme_loggers.jsonl_logger:JsonlLogger"' in plugin
    assert "import torch" not in plugin


@pytest.mark.parametrize(
    ("name", "kind", "error", "message"),
    [
        ("acme metrics", "metric", ValueError, "NAME should be a distribution name"),
        ("-acme", "metric", ValueError, "NAME should be a distribution name"),
        ("acme", "optimizer", ValueError, "--kind should be one of"),
    ],
)
def test_bad_name_or_kind_is_refused(
    tmp_path: Path, name: str, kind: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        scaffold(name, kind=kind, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_existing_directory_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="exists already"):
        scaffold("acme", directory=tmp_path)
    assert (tmp_path / "acme" / "keep.txt").read_text() == "mine"
