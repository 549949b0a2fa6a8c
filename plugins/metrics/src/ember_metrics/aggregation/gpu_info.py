"""GpuInfo: memory use and utilisation of each GPU, read with NVIDIA's NVML (``pynvml``).

Needs the ``pynvml`` module (``pip install nvidia-ml-py``) and a CUDA GPU; without either,
constructing it raises at once with what is missing.

Example:
    >>> from ember_metrics.aggregation.gpu_info import GpuInfo
    >>> try:
    ...     info = GpuInfo()
    ... except (ModuleNotFoundError, RuntimeError) as error:
    ...     info = None  # no pynvml or no CUDA GPU here; the message says which
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import torch

from ember.engine import Events
from ember.metric import Metric

if TYPE_CHECKING:
    from ember.engine import Engine

__all__ = ["GpuInfo"]

_MIB = 2**20


def _query(pynvml: Any, call: str, handle: Any) -> Any:
    try:
        return getattr(pynvml, call)(handle)
    except pynvml.NVMLError as error:
        warnings.warn(f"GpuInfo: {call} failed: {error}", UserWarning, stacklevel=3)
        return None


class GpuInfo(Metric):
    """Each GPU's memory use and utilisation, stored as ``"<name>:<i> mem(%)"`` and
    ``"<name>:<i> util(%)"`` in ``engine.state.metrics``, as in PyTorch-Ignite.

    ``reset`` and ``update`` do nothing; ``compute`` queries NVML and returns one dict per GPU,
    ``{"fb_memory_usage": {"used": MiB, "total": MiB}, "utilization": {"gpu_util": percent}}``
    (a key is missing when NVML cannot report it). :meth:`attach` stores the percentages on
    ``event_name`` (each iteration by default).

    Raises:
        ModuleNotFoundError: ``pynvml`` is not installed (``pip install nvidia-ml-py``).
        RuntimeError: no CUDA GPU is available.

    Example:
        >>> from ember.engine import Engine
        >>> from ember_metrics import GpuInfo
        >>> engine = Engine(lambda engine, batch: batch)
        >>> GpuInfo().attach(engine, name="gpu")  # doctest: +SKIP
        >>> engine.run([0]).metrics  # doctest: +SKIP
        {'gpu:0 mem(%)': 3, 'gpu:0 util(%)': 0}
    """

    def __init__(self) -> None:
        try:
            import pynvml  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
        except ImportError as error:
            raise ModuleNotFoundError(
                "GpuInfo needs the pynvml module to read GPU memory and utilisation; install "
                "it with: pip install nvidia-ml-py"
            ) from error
        if not torch.cuda.is_available():
            raise RuntimeError(
                "GpuInfo needs a CUDA GPU, but torch.cuda.is_available() is False on this machine"
            )
        super().__init__()

    def reset(self) -> None:
        """Nothing to reset: the values are read when computed."""

    def update(self, output: Any) -> None:
        """Nothing to accumulate: the values are read when computed."""

    def compute(self) -> list[dict[str, Any]]:
        """Query NVML: one dict of memory and utilisation per GPU."""
        import pynvml  # type: ignore[import-not-found,unused-ignore]

        pynvml.nvmlInit()
        try:
            report: list[dict[str, Any]] = []
            for index in range(pynvml.nvmlDeviceGetCount()):
                handle = pynvml.nvmlDeviceGetHandleByIndex(index)
                entry: dict[str, Any] = {}
                memory = _query(pynvml, "nvmlDeviceGetMemoryInfo", handle)
                if memory is not None:
                    entry["fb_memory_usage"] = {
                        "used": memory.used / _MIB,
                        "total": memory.total / _MIB,
                    }
                utilization = _query(pynvml, "nvmlDeviceGetUtilizationRates", handle)
                if utilization is not None:
                    entry["utilization"] = {"gpu_util": utilization.gpu}
                report.append(entry)
            return report
        finally:
            pynvml.nvmlShutdown()

    def completed(self, engine: Engine, name: str) -> None:
        """Store each GPU's memory and utilisation percentages under ``name``."""
        report = self.compute()
        if not report:
            warnings.warn("GpuInfo: NVML reports no GPU", UserWarning, stacklevel=2)
            return
        for index, entry in enumerate(report):
            memory = entry.get("fb_memory_usage")
            if memory is None or not memory.get("total"):
                warnings.warn(
                    f"GpuInfo: no memory use for GPU {index} in {entry}", UserWarning, stacklevel=2
                )
            else:
                engine.state.metrics[f"{name}:{index} mem(%)"] = int(
                    memory["used"] * 100.0 / memory["total"]
                )
        for index, entry in enumerate(report):
            utilization = entry.get("utilization")
            if utilization is None or "gpu_util" not in utilization:
                warnings.warn(
                    f"GpuInfo: no utilisation for GPU {index} in {entry}", UserWarning, stacklevel=2
                )
            else:
                engine.state.metrics[f"{name}:{index} util(%)"] = int(utilization["gpu_util"])

    def attach(  # Ignite's signature: an event, not a usage
        self, engine: Engine, name: str = "gpu", event_name: Any = Events.ITERATION_COMPLETED
    ) -> None:
        """Store the GPU percentages on every ``event_name``."""
        self._check_name(name)
        engine.add_event_handler(event_name, self.completed, name)

    def detach(self, engine: Engine, event_name: Any = Events.ITERATION_COMPLETED) -> None:
        """Stop storing the GPU percentages."""
        if engine.has_event_handler(self.completed, event_name):
            engine.remove_event_handler(self.completed, event_name)

    def is_attached(self, engine: Engine, event_name: Any = Events.ITERATION_COMPLETED) -> bool:
        """Whether the GPU percentages are stored on ``event_name`` of ``engine``."""
        return bool(engine.has_event_handler(self.completed, event_name))
