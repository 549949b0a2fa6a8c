"""Ready-made engines for the usual supervised loop: a trainer and an evaluator.

The ``supervised_*_step`` builders return process functions for :class:`Engine`;
:func:`create_supervised_trainer` and :func:`create_supervised_evaluator` wrap them in an engine.
Every argument is checked when the step is built, so a mistake fails before the first batch.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from ember.engine import create_supervised_evaluator, create_supervised_trainer
    >>> model = nn.Linear(2, 1)
    >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> trainer = create_supervised_trainer(model, optimizer, nn.MSELoss())
    >>> data = [(torch.randn(4, 2), torch.randn(4, 1)) for _ in range(3)]
    >>> trainer.run(data, max_epochs=2).iteration
    6
    >>> evaluator = create_supervised_evaluator(model)
    >>> y_pred, y = evaluator.run(data).output
    >>> y_pred.shape == y.shape
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import torch
from torch import nn

from ember.engine.deterministic import DeterministicEngine
from ember.engine.engine import Engine
from ember.utils.tensors import convert_tensor

__all__ = [
    "create_supervised_evaluator",
    "create_supervised_trainer",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "supervised_training_step",
    "supervised_training_step_amp",
]

Device = str | torch.device
ProcessFunction = Callable[[Engine, Any], Any]

_AMP_MODES = (None, "amp")


class _Attachable(Protocol):
    def attach(self, engine: Engine, name: str) -> Any: ...


def _prepare_batch(
    batch: Any, device: Device | None = None, non_blocking: bool = False
) -> tuple[Any, Any]:
    """Split a batch into ``(x, y)`` and move both to ``device``."""
    try:
        x, y = batch
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"_prepare_batch: expected a batch of two items (x, y), got {type(batch).__name__}; "
            "pass prepare_batch=... to unpack other batches"
        ) from error
    return (
        convert_tensor(x, device=device, non_blocking=non_blocking),
        convert_tensor(y, device=device, non_blocking=non_blocking),
    )


def _identity(output: Any) -> Any:
    return output


def _loss_item(x: Any, y: Any, y_pred: Any, loss: torch.Tensor) -> Any:
    return loss.item()


def _prediction_and_target(x: Any, y: Any, y_pred: Any) -> Any:
    return (y_pred, y)


def _call_model(model: nn.Module, x: Any) -> Any:
    return model(x)


# ---------------------------------------------------------------------------- argument checks


def _check_model(where: str, model: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{where}: model must be a torch.nn.Module, got {type(model).__name__}")


def _check_callables(where: str, **functions: Any) -> None:
    for name, function in functions.items():
        if not callable(function):
            raise TypeError(f"{where}: {name} must be callable, got {function!r}")


def _check_training(
    where: str, model: Any, optimizer: Any, gradient_accumulation_steps: Any
) -> None:
    _check_model(where, model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"{where}: optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    steps = gradient_accumulation_steps
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(
            f"{where}: gradient_accumulation_steps must be an int, got {steps!r} "
            f"({type(steps).__name__})"
        )
    if steps < 1:
        raise ValueError(
            f"{where}: gradient_accumulation_steps must be >= 1 (1 means no accumulation), "
            f"got {steps}"
        )


def _check_amp(where: str, amp_mode: Any, device: Device | None) -> None:
    if amp_mode == "apex":
        raise ValueError(
            f"{where}: amp_mode='apex' (NVIDIA Apex) is not supported; use amp_mode='amp', "
            "torch's native automatic mixed precision"
        )
    if amp_mode not in _AMP_MODES:
        raise ValueError(f"{where}: amp_mode must be one of None, 'amp'; got {amp_mode!r}")
    if amp_mode is None:
        return
    if not torch.cuda.is_available():
        raise ValueError(
            f"{where}: amp_mode='amp' needs a CUDA device and none is available on this machine; "
            "use amp_mode=None"
        )
    device_type = torch.device(device).type if device is not None else "cuda"
    if device_type != "cuda":
        raise ValueError(
            f"{where}: amp_mode='amp' runs on CUDA only, got device={device!r}; "
            "use a CUDA device or amp_mode=None"
        )


def _check_scaler(where: str, scaler: Any, amp_mode: str | None) -> torch.amp.GradScaler | None:
    if scaler is None or scaler is False:
        return None
    if amp_mode != "amp":
        raise ValueError(
            f"{where}: scaler={scaler!r} needs amp_mode='amp', got amp_mode={amp_mode!r}"
        )
    if scaler is True:
        return torch.amp.GradScaler("cuda")
    if not isinstance(scaler, torch.amp.GradScaler):
        raise TypeError(
            f"{where}: scaler must be a bool or a torch.amp.GradScaler, got {type(scaler).__name__}"
        )
    return scaler


# ------------------------------------------------------------------------------ step builders


def supervised_training_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    device: Device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Build the process function of one training iteration.

    Each iteration puts the model in training mode, gets ``x, y`` from
    ``prepare_batch(batch, device=device, non_blocking=non_blocking)``, computes
    ``y_pred = model_transform(model_fn(model, x))`` and ``loss = loss_fn(y_pred, y)``, and
    back-propagates. With ``gradient_accumulation_steps = k`` the loss is divided by ``k``, the
    gradients are zeroed on iterations ``1, k + 1, 2k + 1, ...`` and the optimizer steps on
    iterations ``k, 2k, ...`` (counted by ``engine.state.iteration`` across epochs). The
    iteration's output is ``output_transform(x, y, y_pred, loss)`` with the undivided loss.

    Args:
        model: the model to train.
        optimizer: the optimizer of the model's parameters.
        loss_fn: called as ``loss_fn(y_pred, y)``; returns a scalar tensor.
        device: where ``prepare_batch`` moves the batch; the model is not moved.
        non_blocking: passed to ``prepare_batch``.
        prepare_batch: turns a batch into ``(x, y)``; the default unpacks a pair.
        model_transform: turns the model's output into ``y_pred``.
        output_transform: turns ``(x, y, y_pred, loss)`` into the iteration's output;
            the default is ``loss.item()``.
        gradient_accumulation_steps: iterations whose gradients add up before a step.
        model_fn: applies the model to ``x``; the default is ``model(x)``.

    Returns:
        A function ``(engine, batch) -> output`` to pass to :class:`Engine`.

    Raises:
        TypeError: ``model``, ``optimizer``, a function or ``gradient_accumulation_steps`` has
            the wrong type.
        ValueError: ``gradient_accumulation_steps`` is below 1.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ember.engine import Engine, supervised_training_step
        >>> model = nn.Linear(3, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        >>> step = supervised_training_step(model, optimizer, nn.MSELoss())
        >>> trainer = Engine(step)
        >>> state = trainer.run([(torch.ones(2, 3), torch.zeros(2, 1))], max_epochs=1)
        >>> isinstance(state.output, float)
        True
    """
    where = "supervised_training_step"
    _check_training(where, model, optimizer, gradient_accumulation_steps)
    _check_callables(
        where,
        loss_fn=loss_fn,
        prepare_batch=prepare_batch,
        model_transform=model_transform,
        output_transform=output_transform,
        model_fn=model_fn,
    )
    steps = gradient_accumulation_steps

    def update(engine: Engine, batch: Any) -> Any:
        if (engine.state.iteration - 1) % steps == 0:
            optimizer.zero_grad()
        model.train()
        x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
        y_pred = model_transform(model_fn(model, x))
        loss = loss_fn(y_pred, y)
        if steps > 1:
            loss = loss / steps
        loss.backward()  # type: ignore[no-untyped-call]
        if engine.state.iteration % steps == 0:
            optimizer.step()
        return output_transform(x, y, y_pred, loss * steps if steps > 1 else loss)

    return update


def supervised_training_step_amp(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    device: Device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    scaler: torch.amp.GradScaler | None = None,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Build a training step like :func:`supervised_training_step` under CUDA autocast.

    The forward pass and the loss run under ``torch.autocast("cuda")``. With a ``scaler`` the
    loss is scaled before ``backward`` and the optimizer steps through ``scaler.step`` followed
    by ``scaler.update``; without one, gradients are not scaled.

    Args:
        model: the model to train, on a CUDA device.
        optimizer: the optimizer of the model's parameters.
        loss_fn: called as ``loss_fn(y_pred, y)``; returns a scalar tensor.
        device: where ``prepare_batch`` moves the batch; must be a CUDA device when given.
        non_blocking: passed to ``prepare_batch``.
        prepare_batch: turns a batch into ``(x, y)``; the default unpacks a pair.
        model_transform: turns the model's output into ``y_pred``.
        output_transform: turns ``(x, y, y_pred, loss)`` into the iteration's output.
        scaler: a :class:`torch.amp.GradScaler`, or ``None`` for no loss scaling.
        gradient_accumulation_steps: iterations whose gradients add up before a step.
        model_fn: applies the model to ``x``; the default is ``model(x)``.

    Returns:
        A function ``(engine, batch) -> output`` to pass to :class:`Engine`.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: no CUDA device is available, ``device`` is not a CUDA device, or
            ``gradient_accumulation_steps`` is below 1.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ember.engine import Engine, supervised_training_step_amp
        >>> if torch.cuda.is_available():
        ...     model = nn.Linear(3, 1).cuda()
        ...     optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        ...     scaler = torch.amp.GradScaler("cuda")
        ...     step = supervised_training_step_amp(
        ...         model, optimizer, nn.MSELoss(), device="cuda", scaler=scaler
        ...     )
        ...     _ = Engine(step).run([(torch.ones(2, 3), torch.zeros(2, 1))])
    """
    where = "supervised_training_step_amp"
    _check_training(where, model, optimizer, gradient_accumulation_steps)
    _check_callables(
        where,
        loss_fn=loss_fn,
        prepare_batch=prepare_batch,
        model_transform=model_transform,
        output_transform=output_transform,
        model_fn=model_fn,
    )
    _check_amp(where, "amp", device)
    if scaler is not None and not isinstance(scaler, torch.amp.GradScaler):
        raise TypeError(
            f"{where}: scaler must be a torch.amp.GradScaler or None, got {type(scaler).__name__}"
        )
    steps = gradient_accumulation_steps

    def update(engine: Engine, batch: Any) -> Any:
        if (engine.state.iteration - 1) % steps == 0:
            optimizer.zero_grad()
        model.train()
        x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
        with torch.autocast("cuda"):
            y_pred = model_transform(model_fn(model, x))
            loss = loss_fn(y_pred, y)
            if steps > 1:
                loss = loss / steps
        stepping = engine.state.iteration % steps == 0
        if scaler is not None:
            scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
            if stepping:
                scaler.step(optimizer)
                scaler.update()
        else:
            loss.backward()  # type: ignore[no-untyped-call]
            if stepping:
                optimizer.step()
        return output_transform(x, y, y_pred, loss * steps if steps > 1 else loss)

    return update


def supervised_evaluation_step(
    model: nn.Module,
    device: Device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any], Any] = _prediction_and_target,
    model_fn: Callable[[nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Build the process function of one evaluation iteration.

    Each iteration puts the model in evaluation mode and, without tracking gradients, gets
    ``x, y`` from ``prepare_batch``, computes ``y_pred = model_transform(model_fn(model, x))``
    and returns ``output_transform(x, y, y_pred)``, by default ``(y_pred, y)``: the pair that
    metrics expect.

    Args:
        model: the model to evaluate.
        device: where ``prepare_batch`` moves the batch; the model is not moved.
        non_blocking: passed to ``prepare_batch``.
        prepare_batch: turns a batch into ``(x, y)``; the default unpacks a pair.
        model_transform: turns the model's output into ``y_pred``.
        output_transform: turns ``(x, y, y_pred)`` into the iteration's output.
        model_fn: applies the model to ``x``; the default is ``model(x)``.

    Returns:
        A function ``(engine, batch) -> output`` to pass to :class:`Engine`.

    Raises:
        TypeError: ``model`` is not a module or a function is not callable.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ember.engine import Engine, supervised_evaluation_step
        >>> model = nn.Linear(3, 1)
        >>> evaluator = Engine(supervised_evaluation_step(model))
        >>> y_pred, y = evaluator.run([(torch.ones(2, 3), torch.zeros(2, 1))]).output
        >>> y_pred.requires_grad
        False
    """
    where = "supervised_evaluation_step"
    _check_model(where, model)
    _check_callables(
        where,
        prepare_batch=prepare_batch,
        model_transform=model_transform,
        output_transform=output_transform,
        model_fn=model_fn,
    )
    return _evaluation_step(
        model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn,
        autocast=False,
    )  # fmt: skip


def supervised_evaluation_step_amp(
    model: nn.Module,
    device: Device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any], Any] = _prediction_and_target,
    model_fn: Callable[[nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Build an evaluation step like :func:`supervised_evaluation_step` under CUDA autocast.

    Args:
        model: the model to evaluate, on a CUDA device.
        device: where ``prepare_batch`` moves the batch; must be a CUDA device when given.
        non_blocking: passed to ``prepare_batch``.
        prepare_batch: turns a batch into ``(x, y)``; the default unpacks a pair.
        model_transform: turns the model's output into ``y_pred``.
        output_transform: turns ``(x, y, y_pred)`` into the iteration's output.
        model_fn: applies the model to ``x``; the default is ``model(x)``.

    Returns:
        A function ``(engine, batch) -> output`` to pass to :class:`Engine`.

    Raises:
        TypeError: ``model`` is not a module or a function is not callable.
        ValueError: no CUDA device is available or ``device`` is not a CUDA device.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ember.engine import Engine, supervised_evaluation_step_amp
        >>> if torch.cuda.is_available():
        ...     model = nn.Linear(3, 1).cuda()
        ...     step = supervised_evaluation_step_amp(model, device="cuda")
        ...     y_pred, y = Engine(step).run([(torch.ones(2, 3), torch.zeros(2, 1))]).output
    """
    where = "supervised_evaluation_step_amp"
    _check_model(where, model)
    _check_callables(
        where,
        prepare_batch=prepare_batch,
        model_transform=model_transform,
        output_transform=output_transform,
        model_fn=model_fn,
    )
    _check_amp(where, "amp", device)
    return _evaluation_step(
        model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn,
        autocast=True,
    )  # fmt: skip


def _evaluation_step(
    model: nn.Module,
    device: Device | None,
    non_blocking: bool,
    prepare_batch: Callable[..., tuple[Any, Any]],
    model_transform: Callable[[Any], Any],
    output_transform: Callable[[Any, Any, Any], Any],
    model_fn: Callable[[nn.Module, Any], Any],
    autocast: bool,
) -> ProcessFunction:
    def evaluate(engine: Engine, batch: Any) -> Any:
        model.eval()
        with torch.no_grad():
            x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
            with torch.autocast("cuda") if autocast else contextlib.nullcontext():
                y_pred = model_transform(model_fn(model, x))
            return output_transform(x, y, y_pred)

    return evaluate


# ------------------------------------------------------------------------------ engine makers


def create_supervised_trainer(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    device: Device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    deterministic: bool = False,
    amp_mode: str | None = None,
    scaler: bool | torch.amp.GradScaler = False,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[nn.Module, Any], Any] = _call_model,
) -> Engine:
    """Create an engine that trains ``model`` with ``optimizer`` on ``loss_fn``.

    The engine runs :func:`supervised_training_step` (or :func:`supervised_training_step_amp`
    when ``amp_mode="amp"``); see there for what one iteration does. Move the model to its
    device before creating the optimizer: ``device`` only moves the batches.

    Args:
        model: the model to train.
        optimizer: the optimizer of the model's parameters.
        loss_fn: called as ``loss_fn(y_pred, y)``; returns a scalar tensor.
        device: where the batches are moved; ``None`` leaves them where they are.
        non_blocking: passed to ``prepare_batch``.
        prepare_batch: turns a batch into ``(x, y)``; the default unpacks a pair.
        model_transform: turns the model's output into ``y_pred``.
        output_transform: turns ``(x, y, y_pred, loss)`` into ``engine.state.output``;
            the default is ``loss.item()``.
        deterministic: return a :class:`DeterministicEngine` instead of an :class:`Engine`.
        amp_mode: ``None`` (full precision) or ``"amp"`` (CUDA autocast; CUDA only).
        scaler: with ``amp_mode="amp"``, ``True`` creates a :class:`torch.amp.GradScaler`
            (stored as ``engine.state.scaler``, for checkpointing), or pass your own.
        gradient_accumulation_steps: iterations whose gradients add up before a step.
        model_fn: applies the model to ``x``; the default is ``model(x)``.

    Returns:
        The trainer engine.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``amp_mode`` is unknown or needs CUDA that is not there, ``scaler`` is
            given without ``amp_mode="amp"``, or ``gradient_accumulation_steps`` is below 1.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ember.engine import create_supervised_trainer
        >>> model = nn.Linear(3, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        >>> trainer = create_supervised_trainer(
        ...     model, optimizer, nn.MSELoss(), gradient_accumulation_steps=2
        ... )
        >>> data = [(torch.ones(4, 3), torch.zeros(4, 1))] * 4
        >>> trainer.run(data, max_epochs=1).iteration
        4
    """
    where = "create_supervised_trainer"
    _check_amp(where, amp_mode, device)
    grad_scaler = _check_scaler(where, scaler, amp_mode)
    if amp_mode == "amp":
        update = supervised_training_step_amp(
            model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform,
            output_transform, grad_scaler, gradient_accumulation_steps, model_fn,
        )  # fmt: skip
    else:
        update = supervised_training_step(
            model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform,
            output_transform, gradient_accumulation_steps, model_fn,
        )  # fmt: skip
    trainer = DeterministicEngine(update) if deterministic else Engine(update)
    if scaler is True:
        # Kept on the state, as in PyTorch-Ignite, so that checkpoint handlers can save it.
        setattr(trainer.state, "scaler", grad_scaler)  # noqa: B010 - State declares no scaler
    return trainer


def create_supervised_evaluator(
    model: nn.Module,
    metrics: Mapping[str, _Attachable] | None = None,
    device: Device | None = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., tuple[Any, Any]] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any], Any] = _prediction_and_target,
    amp_mode: str | None = None,
    model_fn: Callable[[nn.Module, Any], Any] = _call_model,
) -> Engine:
    """Create an engine that evaluates ``model`` and computes ``metrics``.

    The engine runs :func:`supervised_evaluation_step` (or
    :func:`supervised_evaluation_step_amp` when ``amp_mode="amp"``). Each metric is attached
    with ``metric.attach(evaluator, name)``, so after a run its value is in
    ``evaluator.state.metrics[name]``.

    Args:
        model: the model to evaluate.
        metrics: metrics by name; each needs an ``attach(engine, name)`` method.
        device: where the batches are moved; ``None`` leaves them where they are.
        non_blocking: passed to ``prepare_batch``.
        prepare_batch: turns a batch into ``(x, y)``; the default unpacks a pair.
        model_transform: turns the model's output into ``y_pred``.
        output_transform: turns ``(x, y, y_pred)`` into ``engine.state.output``; the default
            ``(y_pred, y)`` is what metrics expect.
        amp_mode: ``None`` (full precision) or ``"amp"`` (CUDA autocast; CUDA only).
        model_fn: applies the model to ``x``; the default is ``model(x)``.

    Returns:
        The evaluator engine.

    Raises:
        TypeError: an argument has the wrong type, or a metric has no ``attach`` method.
        ValueError: ``amp_mode`` is unknown or needs CUDA that is not there.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from ember.engine import create_supervised_evaluator
        >>> model = nn.Linear(3, 2)
        >>> evaluator = create_supervised_evaluator(
        ...     model, output_transform=lambda x, y, y_pred: y_pred.argmax(dim=1)
        ... )
        >>> evaluator.run([(torch.ones(4, 3), torch.zeros(4))]).output.shape
        torch.Size([4])
    """
    where = "create_supervised_evaluator"
    _check_amp(where, amp_mode, device)
    metrics = {} if metrics is None else metrics
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"{where}: metrics must be a mapping of names to metrics, got {type(metrics).__name__}"
        )
    for name, metric in metrics.items():
        if not callable(getattr(metric, "attach", None)):
            raise TypeError(
                f"{where}: metrics[{name!r}] must have an attach(engine, name) method, "
                f"got {type(metric).__name__}"
            )
    make_step = supervised_evaluation_step_amp if amp_mode == "amp" else supervised_evaluation_step
    evaluate = make_step(
        model,
        device,
        non_blocking=non_blocking,
        prepare_batch=prepare_batch,
        model_transform=model_transform,
        output_transform=output_transform,
        model_fn=model_fn,
    )
    evaluator = Engine(evaluate)
    for name, metric in metrics.items():
        metric.attach(evaluator, name)
    return evaluator
