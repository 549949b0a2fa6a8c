"""Writing a new plugin distribution that works as generated (``ember new-plugin``).

Example:
    >>> import tempfile
    >>> from ember.plugins.scaffold import scaffold
    >>> root = scaffold("acme-metrics", kind="metric", directory=tempfile.mkdtemp())
    >>> for path in sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")):
    ...     print(path)
    src/acme_metrics/__init__.py
    src/acme_metrics/mean_value.py
    src/acme_metrics/plugin.py
    tests/test_mean_value.py
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from ember._version import __version__

__all__ = ["KINDS", "scaffold"]


@dataclass(frozen=True)
class _Component:
    registry: str
    module: str
    cls: str
    source: str
    test: str


_METRIC = _Component(
    "metrics",
    "mean_value",
    "MeanValue",
    '''
    """MeanValue: the mean of every value the engine produced."""

    from __future__ import annotations

    from typing import Any

    import torch

    from ember.exceptions import NotComputableError
    from ember.metric import Metric, reinit__is_reduced, sync_all_reduce


    class MeanValue(Metric):
        """Mean of all the values seen since the last reset.

        Example:
            >>> import torch
            >>> metric = MeanValue()
            >>> metric.update(torch.tensor([1.0, 2.0, 6.0]))
            >>> metric.compute()
            3.0
        """

        _state_dict_all_req_keys = ("_total", "_count")

        @reinit__is_reduced
        def reset(self) -> None:
            self._total = torch.tensor(0.0, dtype=torch.float64, device=self._device)
            self._count = 0

        @reinit__is_reduced
        def update(self, output: Any) -> None:
            values = torch.as_tensor(output).detach()
            self._total += values.sum().to(self._total)
            self._count += values.numel()

        @sync_all_reduce("_total", "_count")
        def compute(self) -> float:
            if self._count == 0:
                raise NotComputableError("MeanValue needs at least one value to compute")
            return float(self._total) / self._count
    ''',
    '''
    """MeanValue follows the metric protocol and matches torch's own mean."""

    import torch

    import {package}.plugin
    from ember.testing import check_metric, check_plugin
    from {package}.mean_value import MeanValue


    def test_plugin_is_valid_and_light():
        assert check_plugin({package}.plugin) == {{"metrics": ["mean_value"]}}


    def test_mean_value_matches_torch():
        batches = [torch.arange(n, dtype=torch.float32) for n in (3, 5, 2)]
        check_metric(MeanValue, batches, reference=lambda data: data.double().mean().item())
    ''',
)

_HANDLER = _Component(
    "handlers",
    "call_counter",
    "CallCounter",
    '''
    """CallCounter: counts the events it is attached to."""

    from __future__ import annotations

    from typing import Any

    from ember.engine import Engine, Events


    class CallCounter:
        """A handler that counts how often it ran and stores the count on ``engine.state``.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> CallCounter("epochs").attach(engine, Events.EPOCH_COMPLETED)
            >>> engine.run([0, 1], max_epochs=3).epochs
            3
        """

        def __init__(self, attribute: str = "calls") -> None:
            if not attribute.isidentifier():
                raise ValueError(f"CallCounter: attribute should be a name, got {attribute!r}")
            self.attribute = attribute
            self.count = 0

        def __call__(self, engine: Engine) -> None:
            self.count += 1
            setattr(engine.state, self.attribute, self.count)

        def attach(self, engine: Engine, event: Any = Events.ITERATION_COMPLETED) -> None:
            engine.add_event_handler(event, self)
    ''',
    '''
    """CallCounter counts exactly the events it is attached to."""

    import {package}.plugin
    from ember.engine import Engine, Events
    from ember.testing import check_plugin
    from {package}.call_counter import CallCounter


    def test_plugin_is_valid_and_light():
        assert check_plugin({package}.plugin) == {{"handlers": ["call_counter"]}}


    def test_counts_filtered_events():
        engine = Engine(lambda engine, batch: None)
        CallCounter().attach(engine, Events.ITERATION_COMPLETED(every=2))
        assert engine.run(range(10), max_epochs=1).calls == 5
    ''',
)

_LOGGER = _Component(
    "loggers",
    "jsonl_logger",
    "JsonlLogger",
    '''
    """JsonlLogger: one JSON line per logged event, with the engine's metrics."""

    from __future__ import annotations

    import json
    from pathlib import Path
    from typing import Any

    from ember.engine import Engine, Events


    class JsonlLogger:
        """Append ``{"event", "epoch", "iteration", "metrics"}`` lines to a file.

        Example:
            >>> import tempfile, pathlib
            >>> from ember.engine import Engine, Events
            >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.jsonl"
            >>> engine = Engine(lambda engine, batch: None)
            >>> JsonlLogger(path).attach(engine, Events.EPOCH_COMPLETED)
            >>> _ = engine.run([0], max_epochs=2)
            >>> len(path.read_text().splitlines())
            2
        """

        def __init__(self, path: str | Path) -> None:
            self.path = Path(path)

        def __call__(self, engine: Engine, event: Any) -> None:
            state = engine.state
            metrics = {k: float(v) for k, v in state.metrics.items()}
            record = {"event": str(event), "epoch": state.epoch, "iteration": state.iteration}
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({**record, "metrics": metrics}) + "\\n")

        def attach(self, engine: Engine, event: Any = Events.EPOCH_COMPLETED) -> None:
            engine.add_event_handler(event, self, str(event))
    ''',
    '''
    """JsonlLogger writes one line per event, read back with json."""

    import json

    import {package}.plugin
    from ember.engine import Engine, Events
    from ember.testing import check_plugin
    from {package}.jsonl_logger import JsonlLogger


    def test_plugin_is_valid_and_light():
        assert check_plugin({package}.plugin) == {{"loggers": ["jsonl_logger"]}}


    def test_lines_read_back(tmp_path):
        engine = Engine(lambda engine, batch: None)
        JsonlLogger(tmp_path / "log.jsonl").attach(engine, Events.EPOCH_COMPLETED)
        engine.run([0, 1], max_epochs=3)
        lines = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
        assert [line["iteration"] for line in lines] == [2, 4, 6]
    ''',
)

_SAVER = _Component(
    "savers",
    "memory_saver",
    "MemorySaver",
    '''
    """MemorySaver: keeps checkpoints in memory, for tests and short experiments."""

    from __future__ import annotations

    import io
    from typing import Any

    import torch


    class MemorySaver:
        """Store checkpoints as serialized bytes in a dict, keyed by file name.

        Example:
            >>> saver = MemorySaver()
            >>> saver({"step": 3}, "ckpt_3.pt")
            >>> saver.load("ckpt_3.pt")
            {'step': 3}
        """

        def __init__(self) -> None:
            self.files: dict[str, bytes] = {}

        def __call__(self, checkpoint: Any, filename: str, metadata: Any = None) -> None:
            buffer = io.BytesIO()
            torch.save(checkpoint, buffer)
            self.files[filename] = buffer.getvalue()

        def remove(self, filename: str) -> None:
            del self.files[filename]

        def load(self, filename: str) -> Any:
            return torch.load(io.BytesIO(self.files[filename]), weights_only=True)
    ''',
    '''
    """MemorySaver round-trips checkpoints and forgets removed ones."""

    import pytest
    import torch

    import {package}.plugin
    from ember.testing import check_plugin
    from {package}.memory_saver import MemorySaver


    def test_plugin_is_valid_and_light():
        assert check_plugin({package}.plugin) == {{"savers": ["memory_saver"]}}


    def test_round_trip_and_remove():
        saver = MemorySaver()
        saver({{"weight": torch.ones(2)}}, "a.pt")
        assert torch.equal(saver.load("a.pt")["weight"], torch.ones(2))
        saver.remove("a.pt")
        with pytest.raises(KeyError):
            saver.load("a.pt")
    ''',
)

_BACKEND = _Component(
    "backends",
    "loopback",
    "LoopbackBackend",
    '''
    """LoopbackBackend: a one-process back-end, the skeleton of a real one."""

    from __future__ import annotations

    from typing import Any

    import torch


    class LoopbackBackend:
        """A back-end with a single process: every collective returns its input.

        A real back-end implements the same methods over its own transport.

        Example:
            >>> import torch
            >>> backend = LoopbackBackend()
            >>> backend.get_world_size(), backend.all_reduce(torch.tensor(2.0)).item()
            (1, 2.0)
        """

        name = "loopback"

        def get_rank(self) -> int:
            return 0

        def get_world_size(self) -> int:
            return 1

        def all_reduce(self, tensor: torch.Tensor, op: str = "SUM") -> torch.Tensor:
            return tensor

        def all_gather(self, tensor: torch.Tensor) -> torch.Tensor:
            return tensor.unsqueeze(0) if tensor.ndim == 0 else tensor

        def broadcast(self, value: Any, src: int = 0) -> Any:
            return value

        def barrier(self) -> None:
            return None
    ''',
    '''
    """LoopbackBackend behaves as a world of one."""

    import torch

    import {package}.plugin
    from ember.testing import check_plugin
    from {package}.loopback import LoopbackBackend


    def test_plugin_is_valid_and_light():
        assert check_plugin({package}.plugin) == {{"backends": ["loopback"]}}


    def test_world_of_one():
        backend = LoopbackBackend()
        assert (backend.get_rank(), backend.get_world_size()) == (0, 1)
        assert torch.equal(backend.all_reduce(torch.ones(3)), torch.ones(3))
    ''',
)

KINDS = {
    "metric": _METRIC,
    "handler": _HANDLER,
    "logger": _LOGGER,
    "saver": _SAVER,
    "backend": _BACKEND,
}

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "{summary}"
requires-python = ">=3.10"
dependencies = ["ember>={ember_min},<{ember_next}"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points.ember]
{entry_point} = "{package}.plugin"

[tool.setuptools.packages.find]
where = ["src"]
"""

_PLUGIN = '''\
"""ember hooks of {dist}: light, every component is imported only when used."""

from ember.plugins import hookimpl


@hookimpl
def ember_register_{registry}(register):
    register("{module}", "{package}.{module}:{cls}", summary="{summary}")
'''

_README = """\
# {dist}

An ember plugin that provides the {kind} `{cls}`, registered as `{module}`.

```bash
pip install -e .[test]
pytest                 # runs tests/ with ember's conformance kit
ember plugins          # lists {dist} as loaded, providing {registry}: {module}
```

Use it by name through the registry, or import it directly:

```python
from ember.plugins import registry

component_class = registry("{registry}").load("{module}")
```
"""


def _package_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def scaffold(name: str, kind: str = "metric", directory: str | Path = ".") -> Path:
    """Write plugin distribution ``name`` providing an example ``kind`` under ``directory``.

    Args:
        name: the distribution name (``acme-metrics``); the import package is derived from it.
        kind: one of ``metric``, ``handler``, ``logger``, ``saver``, ``backend``.
        directory: where the project directory ``name/`` is created.

    Returns:
        The new project directory.

    Raises:
        ValueError: an invalid name or kind.
        FileExistsError: the project directory exists already.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]", name or ""):
        raise ValueError(
            f"new-plugin: NAME should be a distribution name such as 'acme-metrics', got {name!r}"
        )
    if kind not in KINDS:
        raise ValueError(f"new-plugin: --kind should be one of {sorted(KINDS)}, got {kind!r}")
    component = KINDS[kind]
    package = _package_name(name)
    root = Path(directory) / name
    if root.exists():
        raise FileExistsError(f"new-plugin: {root} exists already; choose another --dir or NAME")
    major, minor = (int(part) for part in __version__.split(".")[:2])
    fields = {
        "dist": name,
        "package": package,
        "kind": kind,
        "registry": component.registry,
        "module": component.module,
        "cls": component.cls,
        "summary": f"{component.cls}, an example {kind} for ember",
        "entry_point": package,
        "ember_min": f"{major}.{minor}",
        "ember_next": f"{major + 1}" if major else f"0.{minor + 1}",
    }
    files = {
        "pyproject.toml": _PYPROJECT.format(**fields),
        "README.md": _README.format(**fields),
        f"src/{package}/__init__.py": (
            f'"""{name}: an ember plugin."""\n\n'
            f"from {package}.{component.module} import {component.cls}\n\n"
            f'__all__ = ["{component.cls}"]\n'
        ),
        f"src/{package}/plugin.py": _PLUGIN.format(**fields),
        f"src/{package}/{component.module}.py": textwrap.dedent(component.source).lstrip(),
        f"tests/test_{component.module}.py": textwrap.dedent(
            component.test.format(package=package)
        ).lstrip(),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
