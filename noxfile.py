"""Every way to build, test, benchmark and run ember.

Sessions:
    tests   the core and every plugin under plugins/, then the whole test suite
    core    the core alone, then tests/core (proves the core needs no plugin)
    lint    ruff check, ruff format --check, mypy --strict on the core
    docs    mkdocs build --strict
    bench   the benchmarks in benchmarks/, side by side with PyTorch-Ignite
    demo    examples/digits.py

The test command is ``nox -s tests core lint docs``.

Every install goes through ``-c constraints.txt`` so that torch stays at the version whose CPU
wheel is on disk. Sessions run on the interpreter that runs nox; set ``EMBER_NOX_PYTHON=3.12``
(or pass ``--force-python 3.12``) to pick another.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2024.4.15"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["tests", "core", "lint", "docs"]

ROOT = Path(__file__).resolve().parent
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))
PYTHON = os.environ.get("EMBER_NOX_PYTHON") or None
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
EXTRAS: dict[str, list[str]] = PYPROJECT["project"]["optional-dependencies"]

IGNITE = "pytorch-ignite==0.5.5"
TORCHMETRICS = "torchmetrics==1.9.0"  # the metrics benchmark's second peer


def _install(session: nox.Session, *requirements: str) -> None:
    session.install(*CONSTRAINTS, *requirements)


def _plugins() -> list[str]:
    """Install targets for every plugin in the repository, with its ``test`` extra if it has one.

    Found by globbing, so a plugin added under plugins/ is picked up without editing this file.
    """
    targets = []
    for pyproject in sorted(ROOT.glob("plugins/*/pyproject.toml")):
        directory = pyproject.parent
        extras = nox.project.load_toml(pyproject).get("project", {}).get("optional-dependencies")
        suffix = "[test]" if extras and "test" in extras else ""
        targets.append(f"./{directory.relative_to(ROOT).as_posix()}{suffix}")
    return targets


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Install the core and every plugin, then run the whole test suite."""
    _install(session, "./core", *_plugins(), *EXTRAS["test"])
    session.run("pytest", "tests", *session.posargs)
    sources = [str(path.relative_to(ROOT)) for path in sorted(ROOT.glob("plugins/*/src"))]
    if sources:
        # The docstring examples of every plugin are tests too.
        session.run("pytest", "--doctest-modules", *sources)


@nox.session(python=PYTHON)
def core(session: nox.Session) -> None:
    """Install the core alone and run its tests: the core must work with no plugin installed."""
    _install(session, "./core", *EXTRAS["test"])
    session.run("pytest", "tests/core", *session.posargs)
    # The docstring examples of the core are tests too.
    session.run("pytest", "--doctest-modules", "core/src/ember")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff (lint and format) over the repository, mypy --strict over the core."""
    # The core is installed so that mypy sees torch's and pluggy's types.
    _install(session, "./core", *EXTRAS["lint"])
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # Settings come from [tool.mypy] in pyproject.toml.
    session.run("mypy", "--strict", "core/src/ember")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation; any warning (a broken link, a bad docstring) fails the build."""
    # mkdocstrings reads the sources statically from core/src and plugins/*/src (see
    # mkdocs.yml), so neither ember nor torch need be installed here.
    _install(session, *EXTRAS["docs"])
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every benchmark in benchmarks/ and print its report (``nox -s bench -- --quick``)."""
    _install(session, "./core", *_plugins(), IGNITE, TORCHMETRICS, "scikit-learn")
    scripts = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))
    for script in scripts:
        session.log(f"benchmark: {script.name}")
        session.run("python", str(script.relative_to(ROOT)), *session.posargs)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Train a small network on scikit-learn's digits with the core alone."""
    _install(session, "./core", "scikit-learn")
    session.run("python", "examples/digits.py", *session.posargs)
