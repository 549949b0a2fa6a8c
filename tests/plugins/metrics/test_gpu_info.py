"""GpuInfo: clean failure without pynvml or CUDA; reporting with a stand-in NVML module."""

from __future__ import annotations

import sys
import types
from collections import namedtuple

import pytest
import torch

from ember.engine import Engine
from ember_metrics import GpuInfo

Memory = namedtuple("Memory", "used total")
Utilization = namedtuple("Utilization", "gpu")


class FakeNVMLError(Exception):
    pass


def fake_pynvml(utilization_fails=False):
    """A stand-in for NVIDIA's pynvml module with two GPUs."""
    module = types.ModuleType("pynvml")
    module.NVMLError = FakeNVMLError
    module.nvmlInit = lambda: None
    module.nvmlShutdown = lambda: None
    module.nvmlDeviceGetCount = lambda: 2
    module.nvmlDeviceGetHandleByIndex = lambda index: index
    module.nvmlDeviceGetMemoryInfo = lambda handle: Memory(
        used=(handle + 1) * 2**30, total=8 * 2**30
    )

    def utilization(handle):
        if utilization_fails and handle == 1:
            raise FakeNVMLError("Not Supported")
        return Utilization(gpu=40 + handle)

    module.nvmlDeviceGetUtilizationRates = utilization
    return module


def test_without_pynvml_construction_fails_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail
    with pytest.raises(ModuleNotFoundError, match="pip install nvidia-ml-py"):
        GpuInfo()


def test_without_a_cuda_gpu_construction_fails_clearly(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml())
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"CUDA GPU.*is_available\(\) is False"):
        GpuInfo()


def test_attached_info_stores_memory_and_utilisation_percent_per_gpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml())
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    engine = Engine(lambda engine, batch: batch)
    info = GpuInfo()
    info.attach(engine, name="gpu")
    assert info.is_attached(engine)
    metrics = engine.run([0, 1]).metrics
    assert metrics == {
        "gpu:0 mem(%)": 12,
        "gpu:1 mem(%)": 25,
        "gpu:0 util(%)": 40,
        "gpu:1 util(%)": 41,
    }


def test_missing_utilisation_warns_and_stores_the_rest(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(utilization_fails=True))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    engine = Engine(lambda engine, batch: batch)
    GpuInfo().attach(engine)
    with pytest.warns(UserWarning, match="GpuInfo"):
        metrics = engine.run([0]).metrics
    assert "gpu:1 util(%)" not in metrics
    assert metrics["gpu:1 mem(%)"] == 25


def _real_gpu_available() -> bool:
    try:
        import pynvml  # noqa: F401
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.skipif(not _real_gpu_available(), reason="needs pynvml and a CUDA GPU")
def test_real_gpu_reports_percentages():
    engine = Engine(lambda engine, batch: batch)
    GpuInfo().attach(engine)
    metrics = engine.run([0]).metrics
    assert 0 <= metrics["gpu:0 mem(%)"] <= 100
