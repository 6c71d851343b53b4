"""The course's MLP, built from a RunConfig, initialised and regularised with the run's own generators."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .config import CLASSES, IN_FEATURES, RunConfig


class SeededDropout(nn.Module):
    """Dropout whose masks come from the run's generator, so a seed fixes them even beside other runs."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        return x * self.mask(x) / (1 - self.p)

    def mask(self, x: torch.Tensor) -> torch.Tensor:
        """1 where a unit of x is kept, 0 where it is dropped: the next draw of the generator."""
        return torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MLP(nn.Module):
    """Linear → [BatchNorm] → ReLU → [Dropout] per hidden layer, then a linear classifier."""

    def __init__(self, hidden=(256, 256), dropout: float = 0.0, batchnorm: bool = False, shared_bn: bool = False):
        super().__init__()
        sizes = (IN_FEATURES, *hidden)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        # shared_bn reproduces the course's slip: bn1 normalises every hidden layer.
        norm_count = (1 if shared_bn else len(hidden)) if batchnorm else 0
        self.norms = nn.ModuleList(nn.BatchNorm1d(h) for h in hidden[:norm_count])
        self.dropout = SeededDropout(dropout) if dropout > 0 else None
        self.out = nn.Linear(sizes[-1], CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        for i, linear in enumerate(self.hidden):
            x = linear(x)
            if self.norms:
                x = self.norms[self.norm_index(i)](x)
            x = F.relu(x)
            if self.dropout is not None:
                x = self.dropout(x)
        return self.out(x)

    def norm_index(self, layer: int) -> int | None:
        """Which of self.norms follows hidden layer `layer`: its own, bn1 for all under the shared-bn slip, or None."""
        return min(layer, len(self.norms) - 1) if self.norms else None


def build_model(config: RunConfig, generator: torch.Generator | None = None) -> MLP:
    """The model a config describes, its weights drawn from `generator` (PyTorch's default init law)."""
    model = MLP(config.hidden, config.dropout, config.batchnorm, shared_bn="shared-bn" in config.slips)
    if generator is not None:
        with torch.no_grad():
            for linear in [*model.hidden, model.out]:
                bound = 1 / math.sqrt(linear.in_features)  # what nn.Linear's kaiming_uniform(a=√5) amounts to
                linear.weight.uniform_(-bound, bound, generator=generator)
                linear.bias.uniform_(-bound, bound, generator=generator)
    return model
