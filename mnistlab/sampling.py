"""The course's random draws from a run's generator: the train/validation split as random_split draws it, and each
epoch's order as the course's shuffled DataLoaders draw it."""
from __future__ import annotations

import torch

from .data import split_sizes


def split_indices(n: int, val_fraction: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded train/validation split of range(n), as random_split would draw it."""
    n_train, _ = split_sizes(n, val_fraction)
    order = torch.randperm(n, generator=generator)
    return order[:n_train], order[n_train:]


def course_shuffle(n: int, generator: torch.Generator) -> torch.Tensor:
    """An epoch's order of range(n), drawn from `generator` as the course's shuffled DataLoaders draw it from theirs.

    Each epoch the course iterates its training loader, then its validation loader, both shuffled. Each iterator
    draws a base seed (for worker processes) and then its RandomSampler a seed for a fresh generator's permutation.
    Drawing the same four numbers gives a seed the course's own batches: a run then differs from the course's
    only where its computation does (tests/test_reference.py).
    """
    def draw() -> int:
        return int(torch.empty((), dtype=torch.int64).random_(generator=generator))

    draw()  # the training loader's base seed
    order = torch.randperm(n, generator=torch.Generator().manual_seed(draw()))
    draw()  # the validation loader's base seed
    draw()  # and its sampler's seed
    return order
