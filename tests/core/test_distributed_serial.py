"""ember.distributed in one process: the serial model, argument checks, a world of one, plugins.

Nothing here starts a second process: these are the behaviours of code written for many
processes when it runs in one, the errors raised before any process is started, and how back-end
names are resolved (native ones without the plugin system, others through it).
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist

import ember.distributed as idist
from ember.distributed import backends
from ember.distributed.models import ComputationModel, SerialModel
from ember.plugins import hookimpl
from ember.utils import setup_logger


@pytest.fixture(autouse=True)
def _serial() -> Iterator[None]:
    assert idist.model_name() == "serial", "a previous test left a back-end running"
    yield
    if idist.model_name() != "serial":
        idist.finalize()


def _expected_serial_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    return torch.device("mps" if mps is not None and mps.is_available() else "cpu")


# ---------------------------------------------------------------------- serial model


def test_topology_of_a_single_process() -> None:
    assert idist.backend() is None
    assert idist.model_name() == "serial"
    assert idist.device() == _expected_serial_device()
    assert (idist.get_rank(), idist.get_local_rank(), idist.get_node_rank()) == (0, 0, 0)
    assert (idist.get_world_size(), idist.get_nproc_per_node(), idist.get_nnodes()) == (1, 1, 1)
    assert idist.hostname() == socket.gethostname()


def test_collectives_return_their_input() -> None:
    tensor = torch.tensor([1.0, 2.0])
    assert idist.all_reduce(tensor) is tensor
    for op in ("SUM", "PRODUCT", "MIN", "MAX", "AND", "OR", "max"):
        assert idist.all_reduce(7, op=op) == 7
    assert idist.all_reduce(2.5) == 2.5
    assert idist.all_gather(tensor) is tensor
    assert idist.all_gather(3) == [3]
    assert idist.all_gather("text") == ["text"]
    assert idist.all_gather({"a": [1]}) == [{"a": [1]}]
    assert idist.broadcast(tensor, src=0) is tensor
    assert idist.broadcast("text", src=0, safe_mode=True) == "text"
    assert idist.broadcast(Path("/tmp"), src=0) == Path("/tmp")
    assert idist.broadcast(11, src=0) == 11
    shaped = idist.all_gather_tensors_with_shapes(torch.ones(2, 3), [[2, 3]])
    assert len(shaped) == 1
    assert torch.equal(shaped[0], torch.ones(2, 3))
    assert idist.new_group([0]) == [0]
    assert idist.all_reduce(5, group=[0]) == 5
    idist.barrier()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.all_reduce(torch.tensor([1.0, 2.0])),
        lambda m: m.all_reduce(3),
        lambda m: m.all_reduce(0.25, "MAX"),
        lambda m: m.all_gather(torch.tensor([1, 2])),
        lambda m: m.all_gather(torch.tensor(4)),
        lambda m: m.all_gather(3),
        lambda m: m.all_gather("ab"),
        lambda m: m.all_gather({"a": 1}),
        lambda m: m.broadcast(5, src=0),
        lambda m: m.broadcast("x", src=0),
        lambda m: m.new_group([0]),
        lambda m: (m.get_rank(), m.get_world_size(), m.get_local_rank(), m.backend()),
        lambda m: (m.get_nproc_per_node(), m.get_nnodes(), m.get_node_rank(), m.model_name()),
    ],
)
def test_serial_results_match_ignite(call: Any) -> None:
    ignite = pytest.importorskip("ignite.distributed")
    ours, theirs = call(idist), call(ignite)
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torch.Tensor)
        assert torch.equal(ours, theirs)
    else:
        assert (ours, type(ours)) == (theirs, type(theirs))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: idist.all_reduce(1, op="MEAN"),
            ValueError,
            "all_reduce: argument op should be one of SUM, PRODUCT, MIN, MAX, AND, OR, "
            "got 'MEAN' (str)",
        ),
        (
            lambda: idist.all_reduce("x"),
            TypeError,
            "all_reduce: argument tensor should be a torch.Tensor or a number, got str",
        ),
        (
            lambda: idist.broadcast(None, src=0, safe_mode=True),
            ValueError,
            "broadcast: rank 0 is the source (argument src) and passed None",
        ),
        (
            lambda: idist.broadcast(1.0, src=1),
            ValueError,
            "broadcast: argument src should be a rank between 0 and 0, got 1",
        ),
        (
            lambda: idist.broadcast([1], src=0),
            TypeError,
            "broadcast: argument tensor should be a torch.Tensor, a number, a str, a Path",
        ),
        (
            lambda: idist.new_group(0),
            ValueError,
            "new_group: argument ranks should be a list of int ranks, got 0 (int)",
        ),
        (
            lambda: idist.all_gather_tensors_with_shapes(torch.ones(2), [[2, 1]]),
            ValueError,
            "argument shapes should hold one shape of 1 dimensions",
        ),
        (
            lambda: idist.all_gather_tensors_with_shapes(torch.ones(3), [[2]]),
            ValueError,
            "tensor has shape (3,), larger than every shape in argument shapes [(2,)]",
        ),
        (
            lambda: idist.all_gather_tensors_with_shapes(torch.ones(2), [[2], [3]]),
            ValueError,
            "argument shapes holds 2 shapes but 1 processes took part",
        ),
        (
            lambda: idist.set_local_rank(-1),
            ValueError,
            "set_local_rank: argument index should be an int >= 0, got -1",
        ),
    ],
)
def test_argument_errors_name_the_argument(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_one_rank_only_runs_on_the_chosen_rank() -> None:
    calls: list[int] = []

    @idist.one_rank_only()
    def on_zero(value: int) -> int:
        calls.append(value)
        return value * 2

    @idist.one_rank_only(rank=1, with_barrier=True)
    def on_one(value: int) -> int:
        calls.append(value)
        return value

    assert on_zero(4) == 8
    assert on_one(5) is None
    assert calls == [4]
    assert on_zero.__name__ == "on_zero"
    with pytest.raises(ValueError, match="one_rank_only: argument rank should be an int >= 0"):
        idist.one_rank_only(rank=-1)


def test_one_rank_first_runs_the_block_and_checks_the_rank() -> None:
    ran = []
    with idist.one_rank_first():
        ran.append("global")
    with idist.one_rank_first(local=True):
        ran.append("local")
    assert ran == ["global", "local"]
    with (
        pytest.raises(ValueError, match="should be a rank between 0 and 0, got 1"),
        idist.one_rank_first(rank=1),
    ):
        pass


def test_show_config_logs_on_the_ember_distributed_logger(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.INFO, logger="ember.distributed"):
        idist.show_config()
    assert [record.name for record in caplog.records] == ["ember.distributed"] * 10
    assert [record.getMessage() for record in caplog.records] == [
        "distributed configuration: serial",
        "backend: None",
        f"device: {_expected_serial_device().type}",
        f"hostname: {socket.gethostname()}",
        "world size: 1",
        "rank: 0",
        "local rank: 0",
        "num processes per_node: 1",
        "num nodes: 1",
        "node rank: 0",
    ]
    assert capsys.readouterr() == ("", "")


def test_sync_without_a_group_stays_serial() -> None:
    idist.sync()
    assert idist.model_name() == "serial"


# ---------------------------------------------------------------------- a world of one


def test_initialize_gloo_alone_then_finalize_restores_everything() -> None:
    before = dict(os.environ)
    idist.initialize("gloo", timeout=30)
    try:
        assert (idist.backend(), idist.model_name()) == ("gloo", "native-dist")
        assert (idist.get_world_size(), idist.get_rank(), idist.get_local_rank()) == (1, 0, 0)
        assert idist.device() == torch.device("cpu")
        assert idist.all_reduce(3) == 3
        assert idist.all_gather("a") == ["a"]
        assert idist.broadcast(2**62 + 3, src=0) == 2**62 + 3
        with pytest.raises(RuntimeError, match="back-end 'gloo' is already running"):
            idist.initialize("gloo")
    finally:
        idist.finalize()
    assert idist.model_name() == "serial"
    assert not dist.is_initialized()
    assert dict(os.environ) == before


def test_finalize_frees_a_model_kept_only_by_a_cycle_before_the_group_goes() -> None:
    # A DistributedDataParallel model held by a reference cycle (as an engine's handlers hold
    # the model of its update function) must be freed while its group still exists, not at
    # some later collection after destroy_process_group. The automatic collector is off, so
    # only finalize can free it.
    import gc
    import weakref

    idist.initialize("gloo", timeout=30)
    enabled = gc.isenabled()
    gc.disable()
    try:
        model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 1))
        holder: dict[str, object] = {"model": model}
        holder["self"] = holder  # the cycle
        alive = weakref.ref(model)
        del model, holder
        assert alive() is not None
        idist.finalize()
        assert alive() is None
    finally:
        if enabled:
            gc.enable()
        if dist.is_initialized():
            idist.finalize()


def test_a_group_started_by_hand_is_followed() -> None:
    from ember.distributed.models.native import find_free_port

    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{find_free_port()}", rank=0, world_size=1
    )
    try:
        assert (idist.model_name(), idist.backend(), idist.get_world_size()) == (
            "native-dist",
            "gloo",
            1,
        )
    finally:
        dist.destroy_process_group()
    assert idist.model_name() == "serial"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rank": 0, "world_size": 1}, ValueError, "arguments rank and world_size go with an"),
        (
            {"init_method": "file:///tmp/x", "rank": 0},
            ValueError,
            "arguments rank and world_size should be given together, got rank=0 and "
            "world_size=None",
        ),
        ({"backlog": 3}, TypeError, "unexpected keyword argument(s) backlog"),
        ({"timeout": "soon"}, TypeError, "argument timeout should be a number of seconds"),
        ({"timeout": 0}, ValueError, "argument timeout should be positive, got 0"),
    ],
)
def test_initialize_rejects_bad_arguments(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    before = dict(os.environ)
    with pytest.raises(error) as raised:
        idist.initialize("gloo", **kwargs)
    assert message in str(raised.value)
    assert dict(os.environ) == before
    assert idist.model_name() == "serial"


def test_a_rendezvous_without_its_peer_times_out() -> None:
    from ember.distributed.models.native import find_free_port

    before = dict(os.environ)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"(?i)timed out"):
        idist.initialize(
            "gloo",
            init_method=f"tcp://127.0.0.1:{find_free_port()}",
            rank=0,
            world_size=2,
            timeout=1,
        )
    assert time.monotonic() - start < 20
    assert idist.model_name() == "serial"
    assert not dist.is_initialized()
    assert dict(os.environ) == before


def test_spawn_checks_its_arguments_before_starting_anything() -> None:
    def fn(local_rank: int) -> None:
        raise AssertionError("never started")

    with pytest.raises(ValueError, match="argument nproc_per_node should be a positive int"):
        idist.spawn("gloo", fn, args=(), nproc_per_node=0)
    with pytest.raises(TypeError, match="spawn: argument fn should be callable"):
        idist.spawn("gloo", "fn", args=())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="spawn: argument args should be a tuple"):
        idist.spawn("gloo", fn, args="ab")
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) hosts"):
        idist.spawn("gloo", fn, args=(), hosts="a,b")
    with pytest.raises(ValueError, match="argument node_rank should be between 0 and 1"):
        idist.spawn("gloo", fn, args=(), nnodes=2, node_rank=2, master_port=1234)
    with pytest.raises(ValueError, match="argument master_port is required with nnodes=2"):
        idist.spawn("gloo", fn, args=(), nnodes=2, node_rank=0)
    with pytest.raises(ValueError, match="master_addr and master_port go with"):
        idist.spawn("gloo", fn, args=(), init_method="file:///tmp/r", master_port=1)


# ---------------------------------------------------------------------- Parallel


@pytest.fixture
def parallel_log() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    name = "ember.distributed.launcher.Parallel"
    setup_logger(name, stream=buffer, format="%(message)s", distributed_rank=0, reset=True)
    yield buffer
    setup_logger(name, distributed_rank=0, reset=True)


def test_parallel_without_backend_runs_the_function_here(parallel_log: io.StringIO) -> None:
    seen = []

    def training(local_rank: int, config: dict[str, int], a: int = 0) -> None:
        seen.append((local_rank, idist.get_rank(), config, a))

    with idist.Parallel(backend=None) as parallel:
        parallel.run(training, {"c": 1}, a=2)
    assert seen == [(0, 0, {"c": 1}, 2)]
    lines = parallel_log.getvalue().splitlines()
    assert lines[0].startswith("- Run '<function ")
    assert lines[0].endswith("' in 1 processes")
    assert lines[1:] == ["End of run"]


def test_parallel_with_backend_and_no_launcher_joins_a_world_of_one(
    parallel_log: io.StringIO,
) -> None:
    seen = []
    with idist.Parallel(backend="gloo", timeout=30) as parallel:
        parallel.run(lambda local_rank: seen.append((idist.backend(), idist.get_world_size())))
    assert seen == [("gloo", 1)]
    assert idist.model_name() == "serial"
    lines = parallel_log.getvalue().splitlines()
    assert lines[0] == "Initialized processing group with backend: 'gloo'"
    assert lines[-1] == "Finalized processing group with backend: 'gloo'"


def test_parallel_that_raises_leaves_the_group(parallel_log: io.StringIO) -> None:
    def failing(local_rank: int) -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"), idist.Parallel(backend="gloo") as parallel:
        parallel.run(failing)
    assert idist.model_name() == "serial"
    assert not dist.is_initialized()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nproc_per_node": 2}, "argument nproc_per_node should be None when backend is None"),
        ({"init_method": "env://"}, "argument init_method should be None when backend is None"),
        ({"backend": "gloo", "nproc_per_node": 0}, "argument nproc_per_node should be a positive"),
        ({"backend": "gloo", "nproc_per_node": 1, "nnodes": 2}, "node_rank is required"),
        (
            {"backend": "gloo", "nproc_per_node": 1, "nnodes": 2, "node_rank": 2},
            "argument node_rank should be between 0 and 1, got 2",
        ),
        (
            {"backend": "gloo", "nproc_per_node": 1, "nnodes": 2, "node_rank": 1},
            "master_addr and master_port (or init_method) are required",
        ),
        ({"backend": "gloo", "nnodes": 2}, "argument nnodes=2 goes with nproc_per_node"),
        ({"backend": "nope"}, "Parallel: argument backend should be one of"),
    ],
)
def test_parallel_rejects_inconsistent_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        idist.Parallel(**kwargs)


# ---------------------------------------------------------------------- back-end names


class ToyModel(SerialModel):
    """A plugin back-end for the tests: a serial model under another name."""

    name = "toy-dist"
    available_backends = ("toy",)
    created: list[dict[str, Any]] = []

    @classmethod
    def create_from_backend(cls, backend: str | None = None, **kwargs: Any) -> ToyModel:
        cls.created.append({"backend": backend, **kwargs})
        return cls()

    def backend(self) -> str:  # type: ignore[override]
        return "toy"


class ToyPlugin:
    @hookimpl
    def ember_register_backends(self, register: Any) -> None:
        register("toy", ToyModel, summary="a serial model under another name")
        register("broken", lambda: "not a model class")
        register("unusable", "ember.distributed.models.serial:SerialModel")


@pytest.fixture
def toy_backends(tmp_plugin: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(backends, "_plugin_classes", {})
    ToyModel.created.clear()
    with tmp_plugin(ToyPlugin(), dist="ember-toy"):
        yield


def test_a_plugin_backend_is_resolved_through_the_registry(toy_backends: None) -> None:
    assert idist.available_backends()[:1] == ("gloo",)
    assert {"toy", "broken", "unusable"} <= set(idist.available_backends())
    idist.initialize("toy", flavour="sweet")
    assert (idist.model_name(), idist.backend()) == ("toy-dist", "toy")
    assert ToyModel.created == [{"backend": "toy", "flavour": "sweet"}]
    idist.finalize()
    assert idist.model_name() == "serial"
    with idist.Parallel(backend="toy") as parallel:
        parallel.run(lambda local_rank: None)


def test_plugin_backends_that_cannot_work_are_refused(toy_backends: None) -> None:
    with pytest.raises(TypeError, match=r"'broken' \(from ember-toy\) should register a"):
        idist.initialize("broken")
    with pytest.raises(ValueError, match=r"'unusable' \(from ember-toy\) is installed but not"):
        idist.initialize("unusable")


@pytest.mark.parametrize(
    ("name", "install"),
    [("xla-tpu", "pip install ember-xla"), ("horovod", "pip install ember-horovod")],
)
def test_a_missing_first_party_backend_says_what_to_install(
    plugin_manager: Any, monkeypatch: pytest.MonkeyPatch, name: str, install: str
) -> None:
    monkeypatch.setattr(backends, "_plugin_classes", {})
    for call in (
        lambda: idist.initialize(name),
        lambda: idist.spawn(name, print, args=()),
        lambda: idist.Parallel(backend=name),
    ):
        with pytest.raises(ValueError, match=re.escape(install)) as raised:
            call()
        assert "should be one of gloo" in str(raised.value)
    assert getattr(idist, "has_xla_support" if name == "xla-tpu" else "has_hvd_support") is False


def test_unknown_and_unavailable_native_backends(plugin_manager: Any) -> None:
    with pytest.raises(ValueError, match="initialize: argument backend should be one of gloo"):
        idist.initialize("glooo")
    if not dist.is_nccl_available():
        with pytest.raises(ValueError, match="back-end 'nccl' is not available in this build"):
            idist.initialize("nccl")
    with pytest.raises(TypeError, match="argument backend should be a str such as 'gloo'"):
        idist.initialize(None)  # type: ignore[arg-type]


def test_importing_and_using_native_backends_loads_no_plugin() -> None:
    code = (
        "import sys\n"
        "import ember\n"
        "assert 'ember.distributed' not in sys.modules, 'import ember imports distributed'\n"
        "import ember.distributed as idist\n"
        "idist.get_rank(); idist.all_reduce(1)\n"
        "idist.initialize('gloo'); idist.barrier(); idist.finalize()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('ember.plugins', 'ember.metric'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_computation_model_is_the_plugin_interface() -> None:
    assert issubclass(ToyModel, ComputationModel)
    assert idist.ComputationModel is ComputationModel
    with pytest.raises(TypeError, match="abstract"):
        ComputationModel()  # type: ignore[abstract]
