"""Tests of ember.utils: seeding, logger setup and conversions of nested tensors."""

from __future__ import annotations

import io
import logging
import random
import subprocess
import sys
import uuid
from collections import OrderedDict, namedtuple
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual alias
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.utils import (
    apply_to_tensor,
    apply_to_type,
    convert_tensor,
    manual_seed,
    setup_logger,
    to_onehot,
)

Pair = namedtuple("Pair", ["first", "second"])


# --------------------------------------------------------------------------------- to_onehot


@st.composite
def indices_and_classes(draw: st.DrawFn) -> tuple[torch.Tensor, int]:
    num_classes = draw(st.integers(min_value=1, max_value=7))
    shape = draw(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4))
    numel = int(np.prod(shape))
    values = draw(
        st.lists(st.integers(0, num_classes - 1), min_size=numel, max_size=numel),
    )
    return torch.tensor(values, dtype=torch.int64).reshape(shape), num_classes


@given(indices_and_classes())
def test_to_onehot_matches_torch_one_hot_with_classes_moved_to_dim_1(
    case: tuple[torch.Tensor, int],
) -> None:
    indices, num_classes = case
    expected = F.one_hot(indices, num_classes).movedim(-1, 1).to(torch.uint8)

    result = to_onehot(indices, num_classes)

    assert result.dtype == torch.uint8
    assert result.shape == (indices.shape[0], num_classes, *indices.shape[1:])
    assert torch.equal(result, expected)


def test_to_onehot_accepts_narrow_integer_dtypes() -> None:
    result = to_onehot(torch.tensor([2, 0], dtype=torch.int32), num_classes=3)
    assert result.tolist() == [[0, 0, 1], [1, 0, 0]]


@pytest.mark.parametrize("num_classes", [0, -3])
def test_to_onehot_rejects_num_classes_below_one_naming_the_value(num_classes: int) -> None:
    with pytest.raises(ValueError, match=rf"num_classes.*{num_classes}"):
        to_onehot(torch.tensor([0]), num_classes)


@pytest.mark.parametrize(("values", "bad"), [([0, 3], 3), ([0, -1], -1), ([7, 1], 7)])
def test_to_onehot_rejects_indices_out_of_range_naming_the_value(
    values: list[int], bad: int
) -> None:
    with pytest.raises(ValueError, match=rf"indices.*\[0, 3\).*{bad}"):
        to_onehot(torch.tensor(values), num_classes=3)


def test_to_onehot_rejects_float_indices() -> None:
    with pytest.raises(TypeError, match="integer"):
        to_onehot(torch.tensor([0.0, 1.0]), num_classes=2)


def test_to_onehot_rejects_scalar_indices() -> None:
    with pytest.raises(ValueError, match="at least one dimension"):
        to_onehot(torch.tensor(1), num_classes=2)


# ------------------------------------------------------------------------------- manual_seed


def _draw_streams() -> tuple[list[float], list[float], list[float]]:
    return (
        [random.random() for _ in range(5)],
        torch.rand(5).tolist(),
        np.random.rand(5).tolist(),
    )


@settings(max_examples=25)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_manual_seed_gives_the_streams_of_freshly_seeded_generators(seed: int) -> None:
    manual_seed(seed)
    python_stream, torch_stream, numpy_stream = _draw_streams()

    oracle_python = random.Random(seed)
    oracle_torch = torch.Generator().manual_seed(seed)
    oracle_numpy = np.random.RandomState(seed)
    assert python_stream == [oracle_python.random() for _ in range(5)]
    assert torch_stream == torch.rand(5, generator=oracle_torch).tolist()
    assert numpy_stream == oracle_numpy.rand(5).tolist()


def test_manual_seed_twice_repeats_all_three_streams() -> None:
    manual_seed(12)
    first = _draw_streams()
    _draw_streams()  # move every generator on
    manual_seed(12)
    assert _draw_streams() == first


def test_manual_seed_with_different_seeds_gives_different_streams() -> None:
    manual_seed(1)
    first = _draw_streams()
    manual_seed(2)
    second = _draw_streams()
    assert all(a != b for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("seed", [1.5, "3", None, True])
def test_manual_seed_rejects_non_integer_seeds(seed: Any) -> None:
    with pytest.raises(TypeError, match="seed"):
        manual_seed(seed)


def test_manual_seed_rejects_negative_seeds() -> None:
    with pytest.raises(ValueError, match=r"seed.*-1"):
        manual_seed(-1)


def test_utils_import_and_seed_without_numpy_installed() -> None:
    # numpy is blocked in a fresh interpreter; torch then runs without it (with a warning).
    code = (
        "import sys, warnings\n"
        "sys.modules['numpy'] = None\n"
        "warnings.simplefilter('ignore')\n"
        "import random, torch\n"
        "from ember.utils import manual_seed\n"
        "manual_seed(5)\n"
        "print(random.random() == random.Random(5).random())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# ----------------------------------------------------------- convert_tensor, apply_to_*


_leaf = st.builds(
    lambda shape, dtype: torch.zeros(shape, dtype=dtype),
    st.lists(st.integers(0, 3), max_size=3),
    st.sampled_from([torch.float32, torch.int64, torch.bool]),
)
_nested = st.recursive(
    _leaf | st.text(max_size=3) | st.binary(max_size=3),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.builds(Pair, children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
        | st.dictionaries(st.text(max_size=3), children, max_size=3).map(OrderedDict)
    ),
    max_leaves=10,
)


def _walk(original: Any, converted: Any) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Check that both have the same structure and container types; yield tensor pairs."""
    assert type(converted) is type(original)
    if isinstance(original, torch.Tensor):
        yield original, converted
    elif isinstance(original, (str, bytes)):
        assert converted == original
    elif isinstance(original, dict):
        assert list(converted) == list(original)
        for key in original:
            yield from _walk(original[key], converted[key])
    else:
        assert len(converted) == len(original)
        for a, b in zip(original, converted, strict=True):
            yield from _walk(a, b)


@given(_nested)
def test_convert_tensor_moves_every_tensor_and_keeps_structure_and_types(batch: Any) -> None:
    # The "meta" device exists on every machine, so the move is observable without a GPU.
    converted = convert_tensor(batch, device="meta")

    for before, after in _walk(batch, converted):
        assert after.device.type == "meta"
        assert before.device.type == "cpu"
        assert (after.shape, after.dtype) == (before.shape, before.dtype)


@given(_nested)
def test_convert_tensor_without_device_returns_the_same_tensor_objects(batch: Any) -> None:
    converted = convert_tensor(batch)

    for before, after in _walk(batch, converted):
        assert after is before


def test_convert_tensor_accepts_a_torch_device_and_a_bare_tensor() -> None:
    result = convert_tensor(torch.ones(2), device=torch.device("meta"))
    assert result.device.type == "meta"


def test_apply_to_tensor_applies_the_function_to_each_tensor_in_a_namedtuple() -> None:
    batch = Pair(first=torch.tensor([1, 2]), second={"z": [torch.tensor(3), "keep"]})

    result = apply_to_tensor(batch, lambda t: t + 10)

    assert isinstance(result, Pair)
    assert result.first.tolist() == [11, 12]
    assert result.second["z"][0].item() == 13
    assert result.second["z"][1] == "keep"


def test_apply_to_type_rejects_leaves_of_another_type_naming_that_type() -> None:
    with pytest.raises(TypeError, match="float"):
        apply_to_type([1, 2.5], int, lambda v: v)


def test_convert_tensor_rejects_non_tensor_leaves_like_ignite() -> None:
    with pytest.raises(TypeError, match="int"):
        convert_tensor([torch.zeros(1), 3])


# ------------------------------------------------------------------------------ setup_logger


@pytest.fixture
def logger_name() -> Iterator[str]:
    name = f"ember.test.{uuid.uuid4().hex}"
    yield name
    logger = logging.getLogger(name)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def test_setup_logger_writes_formatted_messages_to_the_stream(logger_name: str) -> None:
    stream = io.StringIO()
    logger = setup_logger(logger_name, stream=stream, format="%(name)s|%(levelname)s|%(message)s")

    logger.info("hello")
    logger.debug("hidden at INFO")

    assert logger.name == logger_name
    assert stream.getvalue() == f"{logger_name}|INFO|hello\n"
    assert logger.propagate is False


def test_setup_logger_default_name_is_ember() -> None:
    assert setup_logger().name == "ember"


def test_setup_logger_honours_the_level(logger_name: str) -> None:
    stream = io.StringIO()
    logger = setup_logger(logger_name, level=logging.DEBUG, stream=stream, format="%(message)s")

    logger.debug("seen")

    assert stream.getvalue() == "seen\n"
    assert logger.level == logging.DEBUG


def test_setup_logger_also_writes_to_filepath(logger_name: str, tmp_path: Any) -> None:
    path = tmp_path / "run.log"
    logger = setup_logger(
        logger_name, stream=io.StringIO(), format="%(message)s", filepath=str(path)
    )

    logger.warning("to file")
    for handler in logger.handlers:
        handler.flush()

    assert path.read_text(encoding="utf-8") == "to file\n"


def test_setup_logger_called_again_keeps_one_set_of_handlers(logger_name: str) -> None:
    stream = io.StringIO()
    setup_logger(logger_name, stream=stream, format="%(message)s")
    logger = setup_logger(logger_name, stream=stream, format="%(message)s")

    logger.info("once")

    assert stream.getvalue() == "once\n"


def test_setup_logger_reset_replaces_the_handlers(logger_name: str) -> None:
    old, new = io.StringIO(), io.StringIO()
    setup_logger(logger_name, stream=old, format="%(message)s")
    logger = setup_logger(logger_name, stream=new, format="new %(message)s", reset=True)

    logger.info("msg")

    assert old.getvalue() == ""
    assert new.getvalue() == "new msg\n"


def test_setup_logger_on_rank_above_zero_writes_nothing(logger_name: str) -> None:
    stream = io.StringIO()
    logger = setup_logger(logger_name, stream=stream, distributed_rank=1)

    logger.error("from rank 1")

    assert stream.getvalue() == ""
    assert [type(h) for h in logger.handlers] == [logging.NullHandler]


def test_setup_logger_does_not_print(logger_name: str, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logger(logger_name, stream=io.StringIO())
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_setup_logger_configures_ember_loggers_after_an_engine_exists() -> None:
    import io
    import logging

    from ember.engine import Engine
    from ember.utils import setup_logger

    Engine(lambda engine, batch: None).run([0])  # creates the engine loggers
    for name in ("ember.engine", "ember.engine.Engine"):
        buffer = io.StringIO()
        logger = setup_logger(name, stream=buffer, format="%(name)s %(message)s")
        try:
            logger.propagate = False
            logger.info("configured")
            assert buffer.getvalue() == f"{name} configured\n"
        finally:
            for handler in list(logger.handlers):
                if not isinstance(handler, logging.NullHandler):
                    logger.removeHandler(handler)
            logger.propagate = True
