"""Tests of the supervised trainer and evaluator helpers, against plain torch loops."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual alias
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from ember.engine.deterministic import DeterministicEngine
from ember.engine.engine import Engine
from ember.engine.events import Events
from ember.engine.supervised import (
    create_supervised_evaluator,
    create_supervised_trainer,
    supervised_evaluation_step,
    supervised_evaluation_step_amp,
    supervised_training_step,
    supervised_training_step_amp,
)

Batch = tuple[torch.Tensor, torch.Tensor]

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only refusal")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def regression_batches(seed: int, num_batches: int, batch_size: int) -> list[Batch]:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.tensor([[1.5], [-2.0], [0.5]])
    batches = []
    for _ in range(num_batches):
        x = torch.randn(batch_size, 3, generator=generator)
        noise = 0.1 * torch.randn(batch_size, 1, generator=generator)
        batches.append((x, x @ weight + 0.3 + noise))
    return batches


def linear_model(seed: int) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(3, 1)


def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    # Momentum makes every step depend on all the steps before it, so a skipped or extra
    # step shows in the final weights.
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def plain_torch_training(model: nn.Module, batches: list[Batch], epochs: int) -> None:
    """The oracle: the textbook torch loop."""
    optimizer = make_optimizer(model)
    for _ in range(epochs):
        for x, y in batches:
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()


def assert_same_parameters(actual: nn.Module, expected: nn.Module, exact: bool) -> None:
    for (name, a), (_, b) in zip(
        actual.named_parameters(), expected.named_parameters(), strict=True
    ):
        if exact:
            assert torch.equal(a, b), name
        else:
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)


# -------------------------------------------------------------------------------- training


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 1000),
    epochs=st.integers(1, 3),
    num_batches=st.integers(1, 6),
    batch_size=st.integers(1, 8),
)
def test_trainer_gives_the_weights_of_a_plain_torch_loop(
    seed: int, epochs: int, num_batches: int, batch_size: int
) -> None:
    batches = regression_batches(seed, num_batches, batch_size)
    model = linear_model(seed)
    oracle = copy.deepcopy(model)

    trainer = create_supervised_trainer(model, make_optimizer(model), nn.MSELoss())
    trainer.run(batches, max_epochs=epochs)
    plain_torch_training(oracle, batches, epochs)

    assert_same_parameters(model, oracle, exact=True)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 1000),
    steps=st.integers(2, 4),
    groups=st.integers(1, 4),
    batch_size=st.integers(1, 5),
    epochs=st.integers(1, 3),
)
def test_accumulating_k_batches_equals_training_on_batches_k_times_larger(
    seed: int, steps: int, groups: int, batch_size: int, epochs: int
) -> None:
    batches = regression_batches(seed, steps * groups, batch_size)
    large_batches = [
        (
            torch.cat([x for x, _ in batches[i : i + steps]]),
            torch.cat([y for _, y in batches[i : i + steps]]),
        )
        for i in range(0, len(batches), steps)
    ]
    model = linear_model(seed)
    oracle = copy.deepcopy(model)

    trainer = create_supervised_trainer(
        model, make_optimizer(model), nn.MSELoss(), gradient_accumulation_steps=steps
    )
    trainer.run(batches, max_epochs=epochs)
    plain_torch_training(oracle, large_batches, epochs)

    assert_same_parameters(model, oracle, exact=False)


def test_accumulation_window_runs_across_epoch_boundaries() -> None:
    # 5 batches per epoch with 2 accumulation steps: the third window holds the last batch of
    # epoch 1 and the first batch of epoch 2, because windows follow state.iteration.
    batches = regression_batches(seed=3, num_batches=5, batch_size=4)
    stream = batches * 2
    large_batches = [
        (torch.cat([stream[i][0], stream[i + 1][0]]), torch.cat([stream[i][1], stream[i + 1][1]]))
        for i in range(0, len(stream), 2)
    ]
    model = linear_model(3)
    oracle = copy.deepcopy(model)

    trainer = create_supervised_trainer(
        model, make_optimizer(model), nn.MSELoss(), gradient_accumulation_steps=2
    )
    trainer.run(batches, max_epochs=2)
    plain_torch_training(oracle, large_batches, epochs=1)

    assert_same_parameters(model, oracle, exact=False)


class CountingSGD(torch.optim.SGD):
    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params, lr=lr)
        self.steps_at: list[int] = []
        self.zero_grads_at: list[int] = []
        self.iteration = 0

    def step(self, closure: Any = None) -> Any:
        self.steps_at.append(self.iteration)
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.zero_grads_at.append(self.iteration)
        super().zero_grad(set_to_none)


def test_optimizer_steps_every_k_iterations_and_zeroes_at_window_starts() -> None:
    model = linear_model(0)
    optimizer = CountingSGD(model.parameters(), lr=0.01)
    trainer = create_supervised_trainer(
        model, optimizer, nn.MSELoss(), gradient_accumulation_steps=3
    )

    @trainer.on(Events.ITERATION_STARTED)
    def record_iteration(engine: Engine) -> None:
        optimizer.iteration = engine.state.iteration

    trainer.run(regression_batches(0, 8, 2), max_epochs=1)

    assert optimizer.steps_at == [3, 6]
    assert optimizer.zero_grads_at == [1, 4, 7]


def test_trainer_output_is_the_loss_as_a_float_by_default() -> None:
    model = linear_model(1)
    x, y = regression_batches(1, 1, 6)[0]
    expected = F.mse_loss(model(x), y).item()

    state = create_supervised_trainer(model, make_optimizer(model), nn.MSELoss()).run(
        [(x, y)], max_epochs=1
    )

    assert isinstance(state.output, float)
    assert state.output == pytest.approx(expected, rel=1e-6)


def test_output_transform_receives_the_undivided_loss_under_accumulation() -> None:
    model = linear_model(2)
    seen: list[tuple[float, float]] = []

    def output_transform(x: Any, y: Any, y_pred: Any, loss: torch.Tensor) -> None:
        seen.append((loss.item(), F.mse_loss(y_pred, y).item()))

    trainer = create_supervised_trainer(
        model,
        make_optimizer(model),
        nn.MSELoss(),
        output_transform=output_transform,
        gradient_accumulation_steps=4,
    )
    trainer.run(regression_batches(2, 4, 3), max_epochs=1)

    assert len(seen) == 4
    for reported, recomputed in seen:
        assert reported == pytest.approx(recomputed, rel=1e-6)


class ModeRecorder(nn.Module):
    """A linear model that records its mode and whether gradients are tracked."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.linear(x)  # type: ignore[no-any-return]


def test_training_step_puts_the_model_in_train_mode_with_gradients() -> None:
    model = ModeRecorder()
    model.eval()
    trainer = create_supervised_trainer(model, make_optimizer(model), nn.MSELoss())

    trainer.run(regression_batches(0, 2, 2), max_epochs=1)

    assert model.calls == [(True, True), (True, True)]


def test_trainer_applies_prepare_batch_model_fn_model_transform_and_output_transform() -> None:
    calls: dict[str, Any] = {}
    model = linear_model(4)
    x, y = regression_batches(4, 1, 5)[0]
    batch = {"inputs": x, "targets": y}

    def prepare_batch(batch: Any, device: Any, non_blocking: bool) -> tuple[Any, Any]:
        calls["prepare_batch"] = (device, non_blocking)
        return batch["inputs"], batch["targets"]

    def model_fn(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"prediction": model(x), "extra": x}

    def model_transform(output: dict[str, torch.Tensor]) -> torch.Tensor:
        calls["model_transform"] = sorted(output)
        return output["prediction"]

    def output_transform(x: Any, y: Any, y_pred: Any, loss: Any) -> tuple[Any, ...]:
        return x, y, y_pred.detach(), loss.item()

    expected_pred = model(x).detach()
    trainer = create_supervised_trainer(
        model,
        make_optimizer(model),
        nn.MSELoss(),
        device="cpu",
        non_blocking=True,
        prepare_batch=prepare_batch,
        model_transform=model_transform,
        output_transform=output_transform,
        model_fn=model_fn,
    )
    out_x, out_y, out_pred, out_loss = trainer.run([batch], max_epochs=1).output

    assert calls == {"prepare_batch": ("cpu", True), "model_transform": ["extra", "prediction"]}
    assert out_x is x
    assert out_y is y
    assert torch.equal(out_pred, expected_pred)
    assert out_loss == pytest.approx(F.mse_loss(expected_pred, y).item(), rel=1e-6)


def test_training_step_builder_runs_in_a_plain_engine_like_the_trainer() -> None:
    batches = regression_batches(5, 4, 3)
    model = linear_model(5)
    oracle = copy.deepcopy(model)

    Engine(supervised_training_step(model, make_optimizer(model), nn.MSELoss())).run(
        batches, max_epochs=2
    )
    plain_torch_training(oracle, batches, epochs=2)

    assert_same_parameters(model, oracle, exact=True)


def test_deterministic_flag_chooses_the_engine_class() -> None:
    model = linear_model(0)
    plain = create_supervised_trainer(model, make_optimizer(model), nn.MSELoss())
    deterministic = create_supervised_trainer(
        model, make_optimizer(model), nn.MSELoss(), deterministic=True
    )

    assert type(plain) is Engine
    assert isinstance(deterministic, DeterministicEngine)


# ------------------------------------------------------------------------------ evaluation


def test_evaluator_output_is_the_model_output_and_the_target() -> None:
    model = linear_model(6)
    x, y = regression_batches(6, 1, 7)[0]
    with torch.no_grad():
        expected = model(x)

    y_pred, target = create_supervised_evaluator(model).run([(x, y)]).output

    assert torch.equal(y_pred, expected)
    assert target is y


def test_evaluation_puts_the_model_in_eval_mode_without_gradients() -> None:
    model = ModeRecorder()
    model.train()

    create_supervised_evaluator(model).run(regression_batches(0, 2, 2))

    assert model.calls == [(False, False), (False, False)]


def test_evaluation_leaves_parameters_and_gradients_untouched() -> None:
    model = linear_model(7)
    before = copy.deepcopy(model)

    create_supervised_evaluator(model).run(regression_batches(7, 3, 4), max_epochs=2)

    assert_same_parameters(model, before, exact=True)
    assert all(p.grad is None for p in model.parameters())


def test_evaluator_moves_batches_to_the_device() -> None:
    # The "meta" device exists everywhere; a model there shows the batch was moved to it.
    model = linear_model(8).to("meta")

    y_pred, y = (
        create_supervised_evaluator(model, device="meta").run(regression_batches(8, 1, 3)).output
    )

    assert (y_pred.device.type, y.device.type) == ("meta", "meta")
    assert y_pred.shape == (3, 1)


def test_evaluator_applies_prepare_batch_model_fn_model_transform_and_output_transform() -> None:
    model = linear_model(9)
    x, y = regression_batches(9, 1, 4)[0]

    evaluator = create_supervised_evaluator(
        model,
        prepare_batch=lambda batch, device, non_blocking: (batch[1], batch[0]),
        model_fn=lambda model, x: (model(x), "tag"),
        model_transform=lambda output: output[0] * 2,
        output_transform=lambda x, y, y_pred: {"x": x, "y": y, "y_pred": y_pred},
    )
    output = evaluator.run([(y, x)]).output

    with torch.no_grad():
        expected = model(x) * 2
    assert output["x"] is x
    assert output["y"] is y
    assert torch.equal(output["y_pred"], expected)


def test_evaluation_step_builder_returns_prediction_and_target() -> None:
    model = linear_model(10)
    x, y = regression_batches(10, 1, 2)[0]

    y_pred, target = Engine(supervised_evaluation_step(model)).run([(x, y)]).output

    with torch.no_grad():
        assert torch.equal(y_pred, model(x))
    assert target is y


class MeanAbsoluteError:
    """A minimal metric: only the attach(engine, name) protocol the evaluator relies on."""

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0

    def attach(self, engine: Engine, name: str) -> None:
        engine.add_event_handler(Events.EPOCH_STARTED, self.reset)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.update)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.completed, name)

    def reset(self, engine: Engine) -> None:
        self.total, self.count = 0.0, 0

    def update(self, engine: Engine) -> None:
        y_pred, y = engine.state.output
        self.total += (y_pred - y).abs().sum().item()
        self.count += y.numel()

    def completed(self, engine: Engine, name: str) -> None:
        engine.state.metrics[name] = self.total / self.count


def test_evaluator_attaches_metrics_under_their_names() -> None:
    model = linear_model(11)
    batches = regression_batches(11, 3, 4)
    with torch.no_grad():
        x = torch.cat([b[0] for b in batches])
        y = torch.cat([b[1] for b in batches])
        expected_mae = (model(x) - y).abs().mean().item()
        expected_max = (model(x) - y).abs().max().item()

    class MaxError(MeanAbsoluteError):
        def update(self, engine: Engine) -> None:
            y_pred, y = engine.state.output
            self.total = max(self.total, (y_pred - y).abs().max().item())
            self.count = 1

    evaluator = create_supervised_evaluator(
        model, metrics={"mae": MeanAbsoluteError(), "max_error": MaxError()}
    )
    metrics = evaluator.run(batches).metrics

    assert set(metrics) == {"mae", "max_error"}
    assert metrics["mae"] == pytest.approx(expected_mae, rel=1e-5)
    assert metrics["max_error"] == pytest.approx(expected_max, rel=1e-5)


def test_evaluator_attaches_an_ember_metric() -> None:
    from ember.metric import Metric

    class SampleCount(Metric):
        def reset(self) -> None:
            self.count = 0

        def update(self, output: Any) -> None:
            self.count += len(output[1])

        def compute(self) -> int:
            return self.count

    evaluator = create_supervised_evaluator(linear_model(12), metrics={"n": SampleCount()})

    assert evaluator.run(regression_batches(12, 3, 5)).metrics == {"n": 15}


def test_default_prepare_batch_rejects_a_batch_that_is_not_a_pair() -> None:
    evaluator = create_supervised_evaluator(linear_model(0))
    with pytest.raises(ValueError, match=r"batch of two items \(x, y\).*Tensor"):
        evaluator.run([torch.zeros(3, 3)])


# ------------------------------------------------------------------------------ bad arguments

TrainerFactory = Callable[..., Any]
TRAINER_FACTORIES = [
    pytest.param(create_supervised_trainer, id="create_supervised_trainer"),
    pytest.param(supervised_training_step, id="supervised_training_step"),
]


def _training_args() -> dict[str, Any]:
    model = linear_model(0)
    return {"model": model, "optimizer": make_optimizer(model), "loss_fn": nn.MSELoss()}


@pytest.mark.parametrize("factory", TRAINER_FACTORIES)
@pytest.mark.parametrize(
    ("override", "error", "message"),
    [
        ({"loss_fn": "mse"}, TypeError, r"loss_fn must be callable, got 'mse'"),
        ({"model": "net"}, TypeError, r"model must be a torch.nn.Module, got str"),
        ({"optimizer": object()}, TypeError, r"optimizer must be a torch.optim.Optimizer.*object"),
        ({"gradient_accumulation_steps": 0}, ValueError, r"gradient_accumulation_steps.*>= 1.*0"),
        ({"gradient_accumulation_steps": -2}, ValueError, r"gradient_accumulation_steps.*-2"),
        ({"gradient_accumulation_steps": 1.5}, TypeError, r"gradient_accumulation_steps.*1\.5"),
        ({"gradient_accumulation_steps": "2"}, TypeError, r"gradient_accumulation_steps.*'2'"),
        ({"gradient_accumulation_steps": True}, TypeError, r"gradient_accumulation_steps.*True"),
        ({"prepare_batch": None}, TypeError, r"prepare_batch must be callable, got None"),
        ({"model_transform": 3}, TypeError, r"model_transform must be callable, got 3"),
        ({"output_transform": "x"}, TypeError, r"output_transform must be callable"),
        ({"model_fn": 1}, TypeError, r"model_fn must be callable, got 1"),
    ],
)
def test_bad_training_arguments_fail_at_construction_naming_argument_and_value(
    factory: TrainerFactory, override: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        factory(**{**_training_args(), **override})


EVALUATOR_FACTORIES = [
    pytest.param(create_supervised_evaluator, id="create_supervised_evaluator"),
    pytest.param(supervised_evaluation_step, id="supervised_evaluation_step"),
]


@pytest.mark.parametrize("factory", EVALUATOR_FACTORIES)
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"model": lambda x: x}, r"model must be a torch.nn.Module, got function"),
        ({"prepare_batch": 0}, r"prepare_batch must be callable, got 0"),
        ({"model_transform": "t"}, r"model_transform must be callable"),
        ({"output_transform": 2}, r"output_transform must be callable, got 2"),
        ({"model_fn": None}, r"model_fn must be callable, got None"),
    ],
)
def test_bad_evaluation_arguments_fail_at_construction_naming_argument_and_value(
    factory: TrainerFactory, override: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        factory(**{"model": linear_model(0), **override})


def test_evaluator_rejects_metrics_that_are_not_a_mapping() -> None:
    with pytest.raises(TypeError, match=r"metrics must be a mapping.*list"):
        create_supervised_evaluator(linear_model(0), metrics=[MeanAbsoluteError()])  # type: ignore[arg-type]


def test_evaluator_rejects_a_metric_without_attach_naming_it() -> None:
    with pytest.raises(TypeError, match=r"metrics\['acc'\] must have an attach.*float"):
        create_supervised_evaluator(linear_model(0), metrics={"acc": 0.5})  # type: ignore[dict-item]


@pytest.mark.parametrize("amp_mode", ["fp16", "AMP", "tpu", ""])
def test_unknown_amp_mode_fails_listing_the_valid_values(amp_mode: str) -> None:
    with pytest.raises(ValueError, match=rf"amp_mode must be one of None, 'amp'; got '{amp_mode}'"):
        create_supervised_trainer(**_training_args(), amp_mode=amp_mode)
    with pytest.raises(ValueError, match=rf"amp_mode must be one of None, 'amp'; got '{amp_mode}'"):
        create_supervised_evaluator(linear_model(0), amp_mode=amp_mode)


def test_apex_amp_mode_is_refused_pointing_to_native_amp() -> None:
    with pytest.raises(ValueError, match=r"amp_mode='apex'.*not supported.*amp_mode='amp'"):
        create_supervised_trainer(**_training_args(), amp_mode="apex")


@pytest.mark.parametrize("scaler", [True, torch.amp.GradScaler("cuda", enabled=False)])
def test_scaler_without_amp_mode_fails(scaler: Any) -> None:
    with pytest.raises(ValueError, match=r"scaler=.*needs amp_mode='amp', got amp_mode=None"):
        create_supervised_trainer(**_training_args(), scaler=scaler)


@no_cuda
def test_amp_on_a_machine_without_cuda_fails_at_construction() -> None:
    message = r"amp_mode='amp' needs a CUDA device and none is available"
    with pytest.raises(ValueError, match=rf"create_supervised_trainer: {message}"):
        create_supervised_trainer(**_training_args(), amp_mode="amp")
    with pytest.raises(ValueError, match=rf"create_supervised_evaluator: {message}"):
        create_supervised_evaluator(linear_model(0), amp_mode="amp")
    with pytest.raises(ValueError, match=rf"supervised_training_step_amp: {message}"):
        supervised_training_step_amp(**_training_args())
    with pytest.raises(ValueError, match=rf"supervised_evaluation_step_amp: {message}"):
        supervised_evaluation_step_amp(linear_model(0))


# ------------------------------------------------------------------------- CUDA only (AMP)


@needs_cuda
def test_amp_on_a_cpu_device_fails_at_construction() -> None:
    with pytest.raises(ValueError, match=r"runs on CUDA only, got device='cpu'"):
        create_supervised_trainer(**_training_args(), device="cpu", amp_mode="amp")


@needs_cuda
def test_amp_trainer_with_scaler_true_keeps_the_scaler_on_the_state() -> None:
    model = linear_model(0).cuda()
    trainer = create_supervised_trainer(
        model, make_optimizer(model), nn.MSELoss(), device="cuda", amp_mode="amp", scaler=True
    )
    trainer.run(regression_batches(0, 3, 4), max_epochs=2)

    assert isinstance(trainer.state.scaler, torch.amp.GradScaler)
    assert all(torch.isfinite(p).all() for p in model.parameters())


@needs_cuda
def test_amp_trainer_without_scaler_matches_a_plain_autocast_loop() -> None:
    batches = regression_batches(1, 4, 8)
    model = linear_model(1).cuda()
    oracle = copy.deepcopy(model)

    trainer = create_supervised_trainer(
        model, make_optimizer(model), nn.MSELoss(), device="cuda", amp_mode="amp"
    )
    trainer.run(batches, max_epochs=2)

    optimizer = make_optimizer(oracle)
    for _ in range(2):
        for x, y in batches:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = F.mse_loss(oracle(x.cuda()), y.cuda())
            loss.backward()
            optimizer.step()
    assert_same_parameters(model, oracle, exact=False)


@needs_cuda
def test_amp_evaluator_returns_half_precision_predictions() -> None:
    model = linear_model(2).cuda()
    y_pred, _ = (
        create_supervised_evaluator(model, device="cuda", amp_mode="amp")
        .run(regression_batches(2, 1, 4))
        .output
    )
    assert y_pred.dtype == torch.float16
