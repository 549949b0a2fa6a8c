"""MetricGroup: several metrics updated together and computed as one dict.

Example:
    >>> import torch
    >>> from ember_metrics import Accuracy, Precision
    >>> from ember_metrics.aggregation.metric_group import MetricGroup
    >>> group = MetricGroup({"acc": Accuracy(), "precision": Precision(average="macro")})
    >>> group.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1])))
    >>> group.compute()
    {'acc': 0.6666666666666666, 'precision': 0.5}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ember.metric import Metric, reinit__is_reduced

__all__ = ["MetricGroup"]


def _identity(output: Any) -> Any:
    return output


class MetricGroup(Metric):
    """Updates every metric of ``metrics`` with the same output; ``compute`` returns a dict.

    Each metric's own ``output_transform`` is applied to the output (after the group's) before
    its ``update``, so metrics that need different parts of the output can share a group.
    Attached to an engine, the dict is stored according to ``metrics_result_mode`` (by default
    each metric under its key, and the dict under the group's name).

    Args:
        metrics: the metrics by name.
        output_transform: applied to the engine's output before the metrics' own transforms.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember.engine import Engine
        >>> from ember_metrics import Accuracy, Loss, MetricGroup
        >>> group = MetricGroup({
        ...     "accuracy": Accuracy(),
        ...     "nll": Loss(torch.nn.functional.cross_entropy),
        ... })
        >>> engine = Engine(lambda engine, batch: batch)
        >>> group.attach(engine, "eval")
        >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
        >>> metrics = engine.run([(logits, torch.tensor([0, 0]))]).metrics
        >>> metrics["accuracy"], round(metrics["nll"], 4)
        (0.5, 1.1269)
    """

    _state_dict_all_req_keys = ("metrics",)

    def __init__(
        self,
        metrics: Mapping[str, Metric],
        output_transform: Callable[[Any], Any] = _identity,
        skip_unrolling: bool = False,
    ) -> None:
        if not isinstance(metrics, Mapping) or not all(
            isinstance(name, str) and isinstance(metric, Metric) for name, metric in metrics.items()
        ):
            raise TypeError(
                f"MetricGroup: argument metrics should be a mapping of str names to Metric "
                f"objects, got {metrics!r}"
            )
        self.metrics = dict(metrics)
        super().__init__(output_transform, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Reset every metric of the group."""
        for metric in self.metrics.values():
            metric.reset()

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        """Update every metric with ``output`` passed through its own ``output_transform``."""
        for metric in self.metrics.values():
            metric.update(metric._output_transform(output))

    def compute(self) -> dict[str, Any]:
        """Every metric's value, by name."""
        return {name: metric.compute() for name, metric in self.metrics.items()}
