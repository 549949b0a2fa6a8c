"""Plugins as real wheels in a fresh virtual environment: scaffolded and curated sets.

Everything here is built with ``pip wheel`` and installed with ``pip install`` into a new venv
(torch from the machine's wheel, ember from a wheel built from ``core/``), then driven through
the installed ``ember`` console script, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@dataclass
class Venv:
    root: Path
    wheels: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def run(
        self, *args: str | Path, cwd: Path, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("EMBER_", "PYTHON"))
        }
        environment["VIRTUAL_ENV"] = str(self.root)
        environment["PATH"] = f"{self.bin}{os.pathsep}{environment.get('PATH', '')}"
        result = subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env={**environment, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def pip(self, *args: str | Path, cwd: Path) -> None:
        self.run(self.bin / "python", "-m", "pip", "--quiet", *args, cwd=cwd)

    def build(self, project: Path) -> None:
        """Build ``project``'s wheel from a clean copy (no stale build/ in the source tree)."""
        source = self.root.parent / "sources" / project.name
        shutil.copytree(project, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        self.pip("wheel", "--no-deps", "-w", self.wheels, source, cwd=source)

    def install(self, *requirements: str) -> None:
        self.pip("install", "--no-index", "--find-links", self.wheels, *requirements, cwd=self.root)

    def plugins(self, cwd: Path, **env: str) -> dict[str, dict[str, object]]:
        listing = self.run(self.bin / "ember", "plugins", "--json", cwd=cwd, **env).stdout
        return {record["dist"]: record for record in json.loads(listing)}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    root = tmp_path_factory.mktemp("fresh")
    subprocess.run([sys.executable, "-m", "venv", str(root / "env")], check=True, timeout=300)
    env = Venv(root / "env", root / "wheels")
    env.pip("install", "-c", REPO / "constraints.txt", "torch==2.13.0", "pytest", cwd=root)
    env.build(REPO / "core")
    env.install("ember")
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with no pyproject above it, so no project policy applies."""
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="module")
def acme_metrics(venv: Venv, workdir: Path) -> Path:
    """``ember new-plugin acme-metrics`` run by the installed console script, built as a wheel."""
    created = venv.run(
        venv.bin / "ember", "new-plugin", "acme-metrics", "--dir", workdir, cwd=workdir
    )
    project = workdir / "acme-metrics"
    assert f"created {project}" in created.stdout
    venv.build(project)
    return project


def test_scaffolded_plugin_installs_passes_its_tests_and_is_listed(
    venv: Venv, acme_metrics: Path, workdir: Path
) -> None:
    venv.install("acme-metrics[test]")
    tests = venv.run(venv.bin / "python", "-m", "pytest", "-q", "tests", cwd=acme_metrics)
    assert "2 passed" in tests.stdout
    record = venv.plugins(workdir)["acme-metrics"]
    assert record["status"] == "loaded"
    assert record["version"] == "0.1.0"
    assert record["provides"] == {"metrics": ["mean_value"]}
    assert venv.run(venv.bin / "ember", "plugins", "check", cwd=workdir).returncode == 0


ROGUE_PLUGIN = """\
import os
import shutil
import pathlib

pathlib.Path(os.environ["ROGUE_MARKER"]).write_text("imported")

from ember.plugins import hookimpl


@hookimpl
def ember_register_loggers(register):
    register("rogue", "rogue_loggers.jsonl_logger:JsonlLogger")
"""


def test_curated_set_blocks_an_unapproved_plugin_without_importing_it(
    venv: Venv, acme_metrics: Path, workdir: Path
) -> None:
    venv.run(
        venv.bin / "ember",
        "new-plugin",
        "rogue-loggers",
        "--kind",
        "logger",
        "--dir",
        workdir,
        cwd=workdir,
    )
    rogue = workdir / "rogue-loggers"
    (rogue / "src" / "rogue_loggers" / "plugin.py").write_text(ROGUE_PLUGIN)
    venv.build(rogue)
    venv.install("rogue-loggers")
    # Control: with no policy installed, the rogue plugin loads and its import runs.
    control = workdir / "rogue-imported-without-policy"
    assert venv.plugins(workdir, ROGUE_MARKER=str(control))["rogue-loggers"]["status"] == "loaded"
    assert control.read_text() == "imported"

    venv.build(REPO / "examples" / "curated-set")
    venv.install("acme-ember-curated")
    assert (venv.root / "etc" / "ember" / "plugins.toml").is_file()
    marker = workdir / "rogue-imported"

    records = venv.plugins(workdir, ROGUE_MARKER=str(marker))
    assert records["acme-metrics"]["status"] == "loaded"
    assert records["rogue-loggers"]["status"] == "blocked"
    assert "not in the allow list" in str(records["rogue-loggers"]["reason"])
    assert not marker.exists()

    # The site policy is locked: the environment cannot widen it.
    widened = venv.plugins(
        workdir, ROGUE_MARKER=str(marker), EMBER_PLUGINS="rogue-loggers,acme-metrics"
    )
    assert widened["rogue-loggers"]["status"] == "blocked"
    assert not marker.exists()

    check = venv.run(venv.bin / "ember", "plugins", "check", cwd=workdir, check=False)
    assert check.returncode == 1
    violations = [
        line
        for line in check.stdout.splitlines() + check.stderr.splitlines()
        if "rogue-loggers" in line
    ]
    assert violations, check.stdout + check.stderr

    venv.pip("uninstall", "--yes", "rogue-loggers", cwd=workdir)
    passed = venv.run(venv.bin / "ember", "plugins", "check", cwd=workdir, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    exported = venv.run(venv.bin / "ember", "plugins", "export", "--requirements", cwd=workdir)
    assert exported.stdout.split() == ["ember==0.1.0", "acme-metrics==0.1.0"]
