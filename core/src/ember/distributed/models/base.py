"""The interface every distributed computation model implements.

A computation model is one way of running a program on one or more processes: serial (a
single process), native ``torch.distributed`` (gloo, nccl, mpi) or a back-end a plugin provides
(XLA, Horovod). :mod:`ember.distributed` holds one current model and forwards every call to it.

A model subclass implements the topology queries (``get_rank`` ...), ``barrier``, ``finalize``
and a handful of tensor-level primitives (``_do_all_reduce``, ``_do_all_gather``,
``_do_all_gather_object``, ``_do_broadcast``, ``_do_new_group``, ``_rank_not_in_group``). The
public collectives are written once, here, on top of those primitives: they accept numbers,
strings and :class:`pathlib.Path` as well as tensors, move tensors to the model's device and back,
and validate their arguments the same way for every back-end.

A plugin registers its model class under a back-end name with the ``ember_register_backends``
hook; ``ember.distributed`` then calls :meth:`ComputationModel.create_from_backend`,
:meth:`ComputationModel.create_from_context` and :meth:`ComputationModel.spawn` on that class.

Example:
    >>> import torch
    >>> from ember.distributed.models.serial import SerialModel
    >>> model = SerialModel()
    >>> model.get_world_size(), model.all_reduce(3.5, op="MAX"), model.all_gather("text")
    (1, 3.5, ['text'])
"""

from __future__ import annotations

import numbers
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch

__all__ = ["REDUCE_OPS", "BroadcastValue", "ComputationModel", "GatherResult", "ReduceValue"]

REDUCE_OPS = ("SUM", "PRODUCT", "MIN", "MAX", "AND", "OR")
"""The reductions :meth:`ComputationModel.all_reduce` accepts (case-insensitive)."""

ReduceValue = torch.Tensor | int | float
BroadcastValue = torch.Tensor | int | float | str | Path
GatherResult = torch.Tensor | list[Any]

# Broadcast header: a fixed-size int64 tensor the source sends first, so that every rank knows
# what follows (and can allocate it) whatever it passed itself.
_HEADER_SIZE = 40
_KIND_TENSOR, _KIND_INT, _KIND_FLOAT, _KIND_STR, _KIND_PATH = 1, 2, 3, 4, 5
_DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.bool,
    torch.complex64,
    torch.complex128,
)


def _describe(value: object) -> str:
    return f"{value!r} ({type(value).__name__})"


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, torch.Tensor)


def _is_integral(value: object) -> bool:
    return isinstance(value, numbers.Integral)


def _is_rank_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    )


def check_op(op: object, where: str = "all_reduce") -> str:
    """Return ``op`` upper-cased if it is one of :data:`REDUCE_OPS`, else raise ``ValueError``."""
    if not isinstance(op, str) or op.upper() not in REDUCE_OPS:
        raise ValueError(
            f"{where}: argument op should be one of {', '.join(REDUCE_OPS)}, got {_describe(op)}"
        )
    return op.upper()


def _float_bits(value: float) -> int:
    return int(struct.unpack("<q", struct.pack("<d", value))[0])


def _bits_float(bits: int) -> float:
    return float(struct.unpack("<d", struct.pack("<q", bits))[0])


class ComputationModel(ABC):
    """One way of running a program on processes: the topology and the collectives.

    Subclasses set the class attributes ``name`` (``"serial"``, ``"native-dist"``, ...) and
    ``available_backends`` (the back-end names the class can start), implement the abstract
    methods, and the construction class methods for the back-end names they serve.

    Example:
        >>> from ember.distributed.models.base import ComputationModel
        >>> from ember.distributed.models.serial import SerialModel
        >>> issubclass(SerialModel, ComputationModel), SerialModel.name
        (True, 'serial')
    """

    name: ClassVar[str] = "abstract"
    available_backends: ClassVar[tuple[str, ...]] = ()
    local_rank_hint: ClassVar[int | None] = None
    """The local rank given to ``ember.distributed.set_local_rank``, for contexts that lack it."""

    # ------------------------------------------------------------------ construction

    @classmethod
    @abstractmethod
    def create_from_backend(cls, backend: str, **kwargs: Any) -> ComputationModel:
        """Start ``backend`` in this process (join the other processes) and return the model."""

    @classmethod
    def create_from_context(cls) -> ComputationModel | None:
        """The model for a context the user started by other means, or ``None`` if there is none."""
        return None

    @classmethod
    def spawn(
        cls,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs_dict: Mapping[str, Any] | None = None,
        nproc_per_node: int = 1,
        *,
        backend: str,
        **kwargs: Any,
    ) -> None:
        """Start ``nproc_per_node`` processes, each calling ``fn(local_rank, *args, **kwargs)``.

        The default raises ``NotImplementedError``: the back-end cannot start processes itself.
        """
        raise NotImplementedError(f"{cls.__name__} ({cls.name}) cannot spawn processes")

    # ------------------------------------------------------------------ topology

    @abstractmethod
    def backend(self) -> str | None:
        """The back-end name (``"gloo"``, ``"nccl"``, ...), ``None`` when serial."""

    @abstractmethod
    def device(self) -> torch.device:
        """The device this process computes on."""

    @abstractmethod
    def get_rank(self) -> int:
        """This process's rank among all processes."""

    @abstractmethod
    def get_local_rank(self) -> int:
        """This process's rank among the processes of its node."""

    @abstractmethod
    def get_world_size(self) -> int:
        """The number of processes taking part."""

    @abstractmethod
    def get_nproc_per_node(self) -> int:
        """The number of processes on this process's node."""

    @abstractmethod
    def get_node_rank(self) -> int:
        """The index of this process's node."""

    @abstractmethod
    def get_nnodes(self) -> int:
        """The number of nodes."""

    @abstractmethod
    def barrier(self) -> None:
        """Wait until every process reaches this call."""

    @abstractmethod
    def finalize(self) -> None:
        """Leave the process group and undo what starting it changed (environment, device)."""

    def abort(self) -> None:
        """Leave the process group after an error, without waiting for the other processes.

        The default calls :meth:`finalize`; models whose ``finalize`` waits for the others
        override it.
        """
        self.finalize()

    # ------------------------------------------------------------------ primitives

    @abstractmethod
    def _do_all_reduce(self, tensor: torch.Tensor, op: str, group: Any) -> torch.Tensor:
        """Reduce ``tensor`` (on :meth:`device`) in place over ``group`` with ``op``."""

    @abstractmethod
    def _do_all_gather(self, tensor: torch.Tensor, group: Any) -> list[torch.Tensor]:
        """Every rank's ``tensor`` (same shape everywhere), in rank order."""

    @abstractmethod
    def _do_all_gather_object(self, obj: Any, group: Any) -> list[Any]:
        """Every rank's picklable ``obj``, in rank order."""

    @abstractmethod
    def _do_broadcast(self, tensor: torch.Tensor, src: int) -> torch.Tensor:
        """Overwrite ``tensor`` (on :meth:`device`) with the one of rank ``src``."""

    @abstractmethod
    def _do_new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        """A group of ``ranks`` for the ``group`` argument of the collectives."""

    @abstractmethod
    def _rank_not_in_group(self, group: Any) -> bool:
        """Whether this process is outside ``group`` (``None`` is the whole world)."""

    # ------------------------------------------------------------------ collectives

    def new_group(self, ranks: list[int], **kwargs: Any) -> Any:
        """Create a group of ``ranks`` to pass as ``group`` to the collectives.

        Every process must call it, also those not in ``ranks``.
        """
        if not _is_rank_list(ranks):
            raise ValueError(
                f"new_group: argument ranks should be a list of int ranks, got {_describe(ranks)}"
            )
        world_size = self.get_world_size()
        outside = [rank for rank in ranks if not 0 <= rank < world_size]
        if outside and world_size > 1:
            raise ValueError(
                f"new_group: argument ranks holds {outside}, outside the {world_size} ranks "
                f"0..{world_size - 1}"
            )
        return self._do_new_group(list(ranks), **kwargs)

    def _resolve_group(self, group: Any) -> Any:
        if group is None:
            return None
        if _is_rank_list(group):
            return self.new_group(list(group))
        return group

    def _on_device(
        self, tensor: torch.Tensor, op: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor:
        device = self.device()
        if tensor.device == device:
            return op(tensor)
        return op(tensor.to(device)).to(tensor.device)

    def all_reduce(self, tensor: ReduceValue, op: str = "SUM", group: Any = None) -> ReduceValue:
        """Reduce a tensor (in place, when it is on :meth:`device`) or a number over the processes.

        Integers reduce as int64, other numbers as float64; a number comes back as a Python number.
        """
        op = check_op(op)
        if not (isinstance(tensor, torch.Tensor) or _is_number(tensor)):
            raise TypeError(
                f"all_reduce: argument tensor should be a torch.Tensor or a number, "
                f"got {type(tensor).__name__}"
            )
        resolved = self._resolve_group(group)
        if resolved is not None and self._rank_not_in_group(resolved):
            return tensor
        if isinstance(tensor, torch.Tensor):
            return self._on_device(tensor, lambda t: self._do_all_reduce(t, op, resolved))
        dtype = torch.int64 if _is_integral(tensor) else torch.float64
        value = torch.tensor(tensor, dtype=dtype, device=self.device())
        result = self._do_all_reduce(value, op, resolved).item()
        return int(result) if dtype is torch.int64 else float(result)

    def all_gather(self, tensor: Any, group: Any = None) -> GatherResult:
        """Gather a tensor (concatenated on dim 0), a number or str (a list) or any object (a list).

        A process outside ``group`` gets its own ``tensor`` back.
        """
        resolved = self._resolve_group(group)
        if resolved is not None and self._rank_not_in_group(resolved):
            return tensor  # type: ignore[no-any-return]
        if isinstance(tensor, torch.Tensor):
            flat = tensor.unsqueeze(0) if tensor.ndim == 0 else tensor
            return self._on_device(
                flat, lambda t: torch.cat(self._do_all_gather(t.contiguous(), resolved), dim=0)
            )
        if _is_number(tensor):
            dtype = torch.int64 if _is_integral(tensor) else torch.float64
            value = torch.tensor([tensor], dtype=dtype, device=self.device())
            return list(torch.cat(self._do_all_gather(value, resolved)).tolist())
        if isinstance(tensor, str):
            return self._all_gather_str(tensor, resolved)
        return self._do_all_gather_object(tensor, resolved)

    def _all_gather_str(self, text: str, group: Any) -> list[str]:
        device = self.device()
        payload = text.encode("utf-8")
        length = torch.tensor([len(payload)], dtype=torch.int64, device=device)
        lengths = [int(n) for n in torch.cat(self._do_all_gather(length, group)).tolist()]
        padded = torch.zeros(max(max(lengths), 1), dtype=torch.uint8)
        if payload:
            padded[: len(payload)] = torch.frombuffer(bytearray(payload), dtype=torch.uint8)
        parts = self._do_all_gather(padded.to(device), group)
        return [
            bytes(part[:n].cpu().tolist()).decode("utf-8")
            for part, n in zip(parts, lengths, strict=True)
        ]

    def all_gather_tensors_with_shapes(
        self, tensor: torch.Tensor, shapes: Sequence[Sequence[int]], group: Any = None
    ) -> list[torch.Tensor]:
        """Gather tensors whose shapes differ between processes but are known to all of them.

        ``shapes[i]`` is the shape of the tensor of the ``i``-th process of the group; every
        shape has ``tensor.ndim`` dimensions. Returns one tensor per process, in group order; a
        process outside ``group`` gets ``[tensor]``.
        """
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(
                f"all_gather_tensors_with_shapes: argument tensor should be a torch.Tensor, "
                f"got {type(tensor).__name__}"
            )
        if not isinstance(shapes, Sequence) or not all(
            isinstance(shape, Sequence) and all(isinstance(n, int) for n in shape)
            for shape in shapes
        ):
            raise TypeError(
                f"all_gather_tensors_with_shapes: argument shapes should be a sequence of "
                f"shapes (sequences of int), one per process, got {shapes!r}"
            )
        resolved = self._resolve_group(group)
        if resolved is not None and self._rank_not_in_group(resolved):
            return [tensor]
        if not shapes or any(len(shape) != tensor.ndim for shape in shapes):
            raise ValueError(
                f"all_gather_tensors_with_shapes: argument shapes should hold one shape of "
                f"{tensor.ndim} dimensions (like tensor, of shape {tuple(tensor.shape)}) per "
                f"process, got {[tuple(shape) for shape in shapes]}"
            )
        largest = [max(sizes) for sizes in zip(*shapes, strict=True)]
        if any(have > most for have, most in zip(tensor.shape, largest, strict=True)):
            raise ValueError(
                f"all_gather_tensors_with_shapes: tensor has shape {tuple(tensor.shape)}, larger "
                f"than every shape in argument shapes {[tuple(shape) for shape in shapes]}"
            )
        padding: list[int] = []
        for have, most in zip(reversed(tensor.shape), reversed(largest), strict=True):
            padding += [0, most - have]
        padded = torch.nn.functional.pad(tensor, padding) if padding else tensor

        def gather(t: torch.Tensor) -> torch.Tensor:
            return torch.stack(self._do_all_gather(t.contiguous(), resolved))

        stacked = self._on_device(padded, gather)
        if stacked.shape[0] != len(shapes):
            raise ValueError(
                f"all_gather_tensors_with_shapes: argument shapes holds {len(shapes)} shapes but "
                f"{stacked.shape[0]} processes took part; expected one shape per process"
            )
        return [
            part[tuple(slice(0, n) for n in shape)]
            for part, shape in zip(stacked, shapes, strict=True)
        ]

    def broadcast(
        self, tensor: BroadcastValue | None, src: int = 0, safe_mode: bool = False
    ) -> BroadcastValue:
        """Send rank ``src``'s tensor, number, str or Path to every process and return it.

        The other processes pass a placeholder of the same kind (a tensor of the same shape and
        dtype, which is filled in place), or ``None`` when ``safe_mode=True``. Numbers keep their
        type (int or float) and full precision.
        """
        self._check_broadcast(tensor, src, safe_mode)
        device = self.device()
        is_src = self.get_rank() == src
        header = torch.zeros(_HEADER_SIZE, dtype=torch.int64)
        if is_src:
            header = self._encode_header(tensor)
        header = self._do_broadcast(header.to(device), src).cpu()
        kind = int(header[0])
        if kind == _KIND_INT:
            return int(header[1])
        if kind == _KIND_FLOAT:
            return _bits_float(int(header[1]))
        if kind in (_KIND_STR, _KIND_PATH):
            size = int(header[1])
            data = torch.zeros(size, dtype=torch.uint8)
            if is_src and size:
                data = torch.frombuffer(bytearray(str(tensor).encode("utf-8")), dtype=torch.uint8)
            if size:
                data = self._do_broadcast(data.to(device), src).cpu()
            text = bytes(data.tolist()).decode("utf-8")
            return Path(text) if kind == _KIND_PATH else text
        dtype = _DTYPES[int(header[1])]
        shape = [int(n) for n in header[3 : 3 + int(header[2])]]
        if (
            isinstance(tensor, torch.Tensor)
            and not (is_src or safe_mode)
            and (list(tensor.shape) != shape or tensor.dtype != dtype)
        ):
            # Take part in the transfer all the same, so that the other ranks do not wait for
            # this one, then report the mistake.
            self._do_broadcast(torch.empty(shape, dtype=dtype, device=device), src)
            raise ValueError(
                f"broadcast: rank {self.get_rank()} passed a tensor of shape "
                f"{tuple(tensor.shape)} and dtype {tensor.dtype}, but rank {src} sends shape "
                f"{tuple(shape)} and dtype {dtype}; pass a tensor like the source's, or "
                f"safe_mode=True"
            )
        if not isinstance(tensor, torch.Tensor) or (safe_mode and not is_src):
            tensor = torch.empty(shape, dtype=dtype, device=device)
        return self._on_device(tensor, lambda t: self._do_broadcast(t, src))

    def _check_broadcast(self, tensor: object, src: object, safe_mode: bool) -> None:
        if not (
            tensor is None or isinstance(tensor, (torch.Tensor, str, Path)) or _is_number(tensor)
        ):
            raise TypeError(
                f"broadcast: argument tensor should be a torch.Tensor, a number, a str, a Path or "
                f"None (with safe_mode=True, on ranks other than src), got {type(tensor).__name__}"
            )
        world_size = self.get_world_size()
        if not isinstance(src, int) or isinstance(src, bool) or not 0 <= src < world_size:
            raise ValueError(
                f"broadcast: argument src should be a rank between 0 and {world_size - 1}, "
                f"got {src!r}"
            )
        if tensor is None:
            if self.get_rank() == src:
                raise ValueError(
                    f"broadcast: rank {src} is the source (argument src) and passed None; the "
                    f"source should pass the tensor, number, str or Path to send"
                )
            if not safe_mode:
                raise ValueError(
                    f"broadcast: rank {self.get_rank()} passed None without safe_mode=True; pass "
                    f"safe_mode=True to let the ranks other than src pass None"
                )

    @staticmethod
    def _encode_header(value: object) -> torch.Tensor:
        header = torch.zeros(_HEADER_SIZE, dtype=torch.int64)
        if isinstance(value, torch.Tensor):
            if value.dtype not in _DTYPES:
                raise TypeError(f"broadcast: tensors of dtype {value.dtype} are not supported")
            if value.ndim > _HEADER_SIZE - 3:
                raise ValueError(
                    f"broadcast: tensor has {value.ndim} dimensions, more than the "
                    f"{_HEADER_SIZE - 3} broadcast supports"
                )
            meta = [_KIND_TENSOR, _DTYPES.index(value.dtype), value.ndim, *value.shape]
            header[: len(meta)] = torch.tensor(meta, dtype=torch.int64)
        elif isinstance(value, numbers.Integral):
            header[0], header[1] = _KIND_INT, int(value)
        elif isinstance(value, numbers.Real):
            header[0], header[1] = _KIND_FLOAT, _float_bits(float(value))
        else:
            kind = _KIND_PATH if isinstance(value, Path) else _KIND_STR
            header[0], header[1] = kind, len(str(value).encode("utf-8"))
        return header
