"""This server's measured pace: seconds per training step of each shape of run, as its workers go now."""
from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from typing import Hashable

from .config import RunConfig
from .data import DataError, Dataset, split_sizes


class Pace:
    """Seconds per training step of each shape: the mean of its last few completed runs, or until one completes, the
    pace of the run of that shape under way. Measured on this server while it serves, its K workers as busy as they
    are, so an estimate says what this server does now, not a benchmark's figure; a shape never run has none."""

    SAMPLES, SHAPES = 5, 256

    def __init__(self):
        self._lock = threading.Lock()
        self._samples: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._live: OrderedDict[Hashable, float] = OrderedDict()
        self._tails: dict[Hashable, deque[float]] = {}

    def record(self, shape: Hashable, seconds: float, steps: int, tail: float | None = None) -> None:
        """A completed run of that shape took seconds for steps steps, of which tail after its steps at their pace."""
        if steps <= 0 or not math.isfinite(seconds) or seconds < 0:
            return
        with self._lock:
            self._samples.setdefault(shape, deque(maxlen=self.SAMPLES)).append(seconds / steps)
            if tail is not None and math.isfinite(tail):
                self._tails.setdefault(shape, deque(maxlen=self.SAMPLES)).append(max(tail, 0.0))
            self._samples.move_to_end(shape)
            if len(self._samples) > self.SHAPES:
                self._tails.pop(self._samples.popitem(last=False)[0], None)
            self._live.pop(shape, None)

    def observe(self, shape: Hashable, seconds_per_step: float) -> None:
        """A run of that shape under way goes at this pace so far."""
        if not math.isfinite(seconds_per_step) or seconds_per_step <= 0:
            return
        with self._lock:
            self._live[shape] = seconds_per_step
            self._live.move_to_end(shape)
            if len(self._live) > self.SHAPES:
                self._live.popitem(last=False)

    def seconds(self, shape: Hashable, steps: int) -> float | None:
        """The estimated seconds of steps steps of that shape, None when no run of that shape has gone yet."""
        with self._lock:
            samples = self._samples.get(shape)
            per_step = sum(samples) / len(samples) if samples else self._live.get(shape)
            return None if per_step is None else steps * per_step

    def tail(self, shape: Hashable) -> float | None:
        """The seconds a completed run of that shape went on after its steps at their pace (its last validation, its
        test, the engine's time around it); None before one has completed."""
        with self._lock:
            return _mean(self._tails.get(shape))


def _mean(values) -> float | None:
    return sum(values) / len(values) if values else None


def step_shape(config: RunConfig) -> tuple:
    """What sets the cost of one training step (and its share of the per-epoch validation): not lr, seed, epochs."""
    return config.dataset, config.hidden, config.batch_size, config.batchnorm, config.dropout > 0, config.device, \
        config.slips


def training_steps(config: RunConfig, data: Dataset | None) -> int | None:
    """The optimizer steps a whole run takes, as train() counts them; None without data."""
    if data is None:
        return None
    try:
        n_train, _ = split_sizes(len(data.train_y), config.val_fraction)
    except DataError:  # a split train() refuses: it fails at once, nothing to estimate
        return None
    return config.epochs * math.ceil(n_train / config.batch_size)
