"""The metric examples of the seed documents, with their printed outputs reproduced exactly."""

from __future__ import annotations

import torch

from ember.engine import Engine
from ember_metrics import Accuracy, Loss, Precision, Recall

Y_PRED_1 = torch.tensor([[10.0, 0.1, -1.0], [2.0, -1.0, -2.0], [1.0, -1.0, 4.0], [0.0, 5.0, -1.0]])
Y_1 = torch.tensor([0, 1, 2, 1])
Y_PRED_2 = torch.tensor([[2.0, 1.0, -1.0], [0.0, 1.0, -2.0], [2.6, 1.0, -4.0], [1.0, -3.0, 2.0]])
Y_2 = torch.tensor([1, 2, 0, 2])


def test_accuracy_reset_update_compute_prints_the_article_output(capsys):
    acc = Accuracy()
    acc.reset()
    acc.update((Y_PRED_1, Y_1))
    print("After 1st update, accuracy=", acc.compute())
    acc.update((Y_PRED_2, Y_2))
    print("After 2nd update, accuracy=", acc.compute())
    assert capsys.readouterr().out == (
        "After 1st update, accuracy= 0.75\nAfter 2nd update, accuracy= 0.625\n"
    )


def test_error_composed_from_accuracy_prints_the_article_output(capsys):
    acc = Accuracy()
    error = 100.0 * (1.0 - acc)
    acc.reset()
    acc.update((Y_PRED_1, Y_1))
    print("After 1st update, error=", error.compute())
    acc.update((Y_PRED_2, Y_2))
    print("After 2nd update, error=", error.compute())
    assert (
        capsys.readouterr().out == "After 1st update, error= 25.0\nAfter 2nd update, error= 37.5\n"
    )


def test_f1_from_precision_and_recall_attaches_as_one_metric():
    precision = Precision(average=False)
    recall = Recall(average=False)
    f1 = (precision * recall * 2 / (precision + recall)).mean()
    evaluator = Engine(lambda engine, batch: batch)
    f1.attach(evaluator, "f1")
    metrics = evaluator.run([(Y_PRED_1, Y_1), (Y_PRED_2, Y_2)]).metrics
    assert list(metrics) == ["f1"]
    # Oracle: sklearn's macro F1 of the arg-max predictions over both batches.
    from sklearn.metrics import f1_score

    predicted = torch.cat([Y_PRED_1, Y_PRED_2]).argmax(1).numpy()
    expected = f1_score(torch.cat([Y_1, Y_2]).numpy(), predicted, average="macro")
    assert abs(metrics["f1"] - expected) < 1e-12


def test_validation_metrics_dictionary_attaches_accuracy_and_loss():
    val_metrics = {"accuracy": Accuracy(), "loss": Loss(torch.nn.CrossEntropyLoss())}
    evaluator = Engine(lambda engine, batch: batch)
    for name, metric in val_metrics.items():
        metric.attach(evaluator, name)
    metrics = evaluator.run([(Y_PRED_1, Y_1), (Y_PRED_2, Y_2)]).metrics
    assert metrics["accuracy"] == 0.625
    expected_loss = torch.nn.functional.cross_entropy(
        torch.cat([Y_PRED_1, Y_PRED_2]), torch.cat([Y_1, Y_2])
    ).item()
    assert abs(metrics["loss"] - expected_loss) < 1e-6
