"""Real installed distributions for plugin tests: ``*.dist-info`` directories on a temp path.

``make_dist`` writes what pip would (a ``name-version.dist-info`` with ``METADATA`` and
``entry_points.txt``) plus the plugin's modules next to it, so that discovery reads real entry
points and the plugin is imported for real.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path


def make_dist(
    site: Path,
    name: str,
    version: str = "1.0",
    modules: dict[str, str] | None = None,
    entry_points: dict[str, str] | None = None,
    requires: list[str] | None = None,
) -> Path:
    """Install distribution ``name`` into directory ``site``; returns its dist-info directory.

    Args:
        site: a directory that is (or will be) on ``sys.path``.
        name: the distribution name as written by its author (``Acme_Metrics``).
        version: its version.
        modules: ``{"acme_metrics/plugin.py": source}`` files written under ``site``; packages
            get an ``__init__.py`` when none is given.
        entry_points: ``{entry point name: "module" or "module:attr"}`` in the group ``ember``.
        requires: ``Requires-Dist`` lines (``"ember>=0.1"``).
    """
    site.mkdir(parents=True, exist_ok=True)
    for relative, source in (modules or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        for parent in path.relative_to(site).parents:
            if str(parent) != "." and not (site / parent / "__init__.py").exists():
                (site / parent / "__init__.py").write_text("", encoding="utf-8")
    escaped = name.replace("-", "_").replace(".", "_")
    info = site / f"{escaped}-{version}.dist-info"
    info.mkdir()
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {requirement}" for requirement in requires or []]
    (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    if entry_points:
        lines = ["[ember]", *(f"{key} = {value}" for key, value in entry_points.items())]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return info


PLUGIN_TEMPLATE = """
from ember.plugins import hookimpl

@hookimpl
def ember_register_metrics(register):
    register({name!r}, "{module}.impl:Metric", summary="test metric")
"""


def simple_plugin(site: Path, dist: str, metric: str, version: str = "1.0") -> Path:
    """A distribution ``dist`` whose plugin registers metric ``metric`` with a lazy factory."""
    module = re.sub(r"[-_.]+", "_", dist).lower()
    return make_dist(
        site,
        dist,
        version,
        modules={
            f"{module}/plugin.py": PLUGIN_TEMPLATE.format(name=metric, module=module),
            f"{module}/impl.py": "class Metric:\n    pass\n",
        },
        entry_points={module.split("_", 1)[-1]: f"{module}.plugin"},
    )


def isolated_path(shadow: Path) -> list[str]:
    """An import path with everything installed here except the installed ember plugins.

    For subprocesses run with ``python -S``: ``shadow`` gets a symbolic link to every entry of
    this interpreter's site-packages except the metadata of distributions that declare an
    ``ember`` entry point (ember-metrics and other real plugins), so that a test sees only the
    plugins it installs itself. For an editable install (whose ``.pth`` files ``-S`` skips) the
    source directory holding ``ember`` comes first.
    """
    import site as site_module

    import ember

    if not shadow.exists():
        shadow.mkdir(parents=True)
        for directory in map(Path, site_module.getsitepackages()):
            if not directory.is_dir():
                continue
            for entry in directory.iterdir():
                entry_points = entry / "entry_points.txt"
                if entry_points.is_file() and "[ember]" in entry_points.read_text("utf-8"):
                    continue
                link = shadow / entry.name
                if not link.exists():
                    link.symlink_to(entry)
    ember_root = Path(ember.__file__).resolve().parent.parent
    site_dirs = {Path(d).resolve() for d in site_module.getsitepackages()}
    if ember_root in site_dirs:  # a regular install: the shadow links it already
        return [str(shadow)]
    return [str(ember_root), str(shadow)]
