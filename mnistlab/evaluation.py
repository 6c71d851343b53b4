"""Test metrics of a trained model: accuracy, per-class accuracy, confusion matrix, misclassified digits."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

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
        return cls(**values)


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
             batch_size: int = EVAL_BATCH, classes: int = 10) -> Evaluation:
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
