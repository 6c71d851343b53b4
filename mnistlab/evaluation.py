"""Test metrics of a trained model: accuracy, per-class accuracy, confusion matrix, misclassified digits."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .config import CLASSES, check, is_number

EVAL_BATCH = 4096  # in eval mode the batch size changes nothing but speed


@dataclass
class Evaluation:
    """What a model does on a labelled set; accuracies in percent, misclassified sorted by loss, worst first."""

    loss: float
    accuracy: float
    per_class_accuracy: list[float]
    confusion: list[list[int]]  # confusion[true][predicted]
    misclassified: list[dict]  # {index, true, predicted, probability, loss}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Evaluation":
        """The Evaluation to_dict gave; ValueError naming what does not fit (a saved run can be any file)."""
        evaluation = cls(**values)
        evaluation.check()
        return evaluation

    def check(self) -> None:
        """Raise ValueError unless every field has the type and shape the pages draw from."""
        def counts(row) -> bool:
            return isinstance(row, list) and len(row) == CLASSES and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in row)

        square = (isinstance(self.confusion, list) and len(self.confusion) == CLASSES
                  and all(map(counts, self.confusion)))
        images = sum(map(sum, self.confusion)) if square else 0

        def mistake(m) -> bool:  # an image of the evaluated set, two different classes, two numbers
            return (isinstance(m, dict) and all(isinstance(m.get(k), int) for k in ("index", "true", "predicted"))
                    and 0 <= m["index"] < images and m["true"] != m["predicted"]
                    and all(0 <= m[k] < CLASSES for k in ("true", "predicted"))
                    and is_number(m.get("probability")) and is_number(m.get("loss")))

        check([(is_number(self.loss) and is_number(self.accuracy), "the test loss and accuracy must be numbers"),
               (isinstance(self.per_class_accuracy, list) and len(self.per_class_accuracy) == CLASSES
                and all(map(is_number, self.per_class_accuracy)), f"per_class_accuracy must be {CLASSES} numbers"),
               (square, f"the confusion matrix must be {CLASSES} rows of {CLASSES} counts"),
               (isinstance(self.misclassified, list) and all(map(mistake, self.misclassified)),
                "each misclassified digit needs an index among the test images, true and predicted classes that "
                "differ, a probability and a loss")])


@torch.no_grad()
def logits_of(model: nn.Module, x: torch.Tensor, eval_mode: bool = True, batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """The model's logits for every row of x; eval_mode=False reproduces validating without model.eval()."""
    model.train(not eval_mode)
    logits = torch.cat([model(chunk) for chunk in x.split(batch_size)])
    model.eval()
    return logits


def loss_and_accuracy(logits: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy in percent."""
    return F.cross_entropy(logits, y).item(), percent(int((logits.argmax(1) == y).sum()), len(y))


def percent(count: int, total: int) -> float:
    """count / total in percent, from exact integers."""
    return 100 * count / total


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eval_mode: bool = True,
             batch_size: int = EVAL_BATCH, classes: int = CLASSES) -> Evaluation:
    """Full metrics of model on (x, y)."""
    logits = logits_of(model, x, eval_mode, batch_size).float()
    losses = F.cross_entropy(logits, y, reduction="none")
    probabilities = logits.softmax(1)
    predicted = logits.argmax(1)
    confusion = torch.bincount(y * classes + predicted, minlength=classes * classes).view(classes, classes).cpu()
    per_class = confusion.diag() / confusion.sum(1).clamp(min=1) * 100
    wrong = (predicted != y).nonzero().flatten()
    wrong = wrong[losses[wrong].argsort(descending=True)]
    misclassified = [
        {"index": i, "true": t, "predicted": p, "probability": round(q, 4), "loss": round(l, 4)}
        for i, t, p, q, l in zip(wrong.tolist(), y[wrong].tolist(), predicted[wrong].tolist(),
                                 probabilities[wrong, predicted[wrong]].tolist(), losses[wrong].tolist())
    ]
    return Evaluation(losses.mean().item(), percent(int(confusion.diag().sum()), len(y)),
                      per_class.tolist(), confusion.tolist(), misclassified)
