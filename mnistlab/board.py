"""The class board: every finished run of the class as an anonymous point (its settings and test accuracy), who made
each kept apart, and the best value of a setting."""
from __future__ import annotations

import hashlib
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable

from .config import PRESETS, RunConfig

# The settings a board can plot a run's test accuracy against; the first two on a log axis.
SETTINGS = ("lr", "weight_decay", "dropout", "batchnorm", "hidden", "epochs")
LOG_SETTINGS = ("lr", "weight_decay", "hidden")
# Points a board holds: past it the oldest leave first, so a long day of classes keeps the server's memory bounded.
BOARD_POINTS = 2000


def setting_value(config: RunConfig, setting: str) -> float:
    """Where a run sits on the board's axis for setting: a number (BatchNorm 0 or 1, hidden the widest layer)."""
    if setting == "batchnorm":
        return float(config.batchnorm)
    if setting == "hidden":
        return float(max(config.hidden))
    return float(getattr(config, setting))


@dataclass(frozen=True)
class Point:
    """One finished run on the board: its settings and test accuracy. No name, label or session: what is drawn."""
    id: int
    values: tuple[float, ...]  # setting_value of each of SETTINGS
    accuracy: float  # test accuracy, percent

    def value(self, setting: str) -> float:
        return self.values[SETTINGS.index(setting)]


def points_of(runs) -> list[Point]:
    """Completed runs with a test accuracy (Runs, or a sweep's records) as a board's points, numbered from 1."""
    done = [run for run in runs if run.status == "completed" and run.test_accuracy is not None]
    return [Point(i, tuple(setting_value(run.config, s) for s in SETTINGS), run.test_accuracy)
            for i, run in enumerate(done, 1)]


@dataclass(frozen=True)
class Best:
    """The room's best value of a setting (by mean test accuracy of its runs) and its runs' count."""
    value: float
    mean: float
    runs: int


class Board:
    """Anonymous points, at most `size`, the oldest leaving first; who made each is kept apart, for highlighting a
    student's own points on their own page and letting them withdraw them. Thread-safe."""

    def __init__(self, size: int = BOARD_POINTS):
        self._lock = threading.Lock()
        self._points: OrderedDict[int, Point] = OrderedDict()
        self._owners: dict[int, tuple[bytes, str]] = {}  # point id → (digest of its session's token, its run's label)
        self._ids = itertools.count(1)
        self.size = size
        self.version = 0  # grows at each change: a page redraws the board only when it moved

    def add(self, config: RunConfig, accuracy: float, owner: Hashable, label: str = "") -> int:
        with self._lock:
            point = Point(next(self._ids), tuple(setting_value(config, s) for s in SETTINGS), float(accuracy))
            self._points[point.id] = point
            self._owners[point.id] = (_owner_digest(owner), label)
            while len(self._points) > self.size:
                oldest, _ = self._points.popitem(last=False)
                del self._owners[oldest]
            self.version += 1
            return point.id

    def points(self) -> list[Point]:
        with self._lock:
            return list(self._points.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._points)

    def mine(self, owner: Hashable) -> dict[int, str]:
        """The ids of owner's points on the board and their runs' labels."""
        digest = _owner_digest(owner)
        with self._lock:
            return {pid: label for pid, (who, label) in self._owners.items() if who == digest}

    def withdraw(self, point_id: int, owner: Hashable) -> bool:
        """Take owner's point off the board; another session's point is left alone (False)."""
        with self._lock:
            who = self._owners.get(point_id)
            if who is None or who[0] != _owner_digest(owner):
                return False
            del self._points[point_id], self._owners[point_id]
            self.version += 1
            return True

    def clear(self) -> None:
        with self._lock:
            self._points.clear()
            self._owners.clear()
            self.version += 1


def best_value(points: list[Point], setting: str) -> Best | None:
    """The setting's value whose runs reach the highest mean test accuracy (ties: more runs), None without points."""
    groups: dict[float, list[float]] = {}
    for point in points:
        groups.setdefault(round(point.value(setting), 12), []).append(point.accuracy)
    if not groups:
        return None
    value, accuracies = max(groups.items(), key=lambda item: (sum(item[1]) / len(item[1]), len(item[1])))
    return Best(value, sum(accuracies) / len(accuracies), len(accuracies))


def preset_values(setting: str) -> dict[float, list[str]]:
    """Where the course's four presets sit on the setting's axis: value → the presets there."""
    marks: dict[float, list[str]] = {}
    for name in PRESETS:
        marks.setdefault(setting_value(RunConfig(**PRESETS[name]), setting), []).append(name)
    return marks


def _owner_digest(owner: Hashable) -> bytes:
    """A session's token as the board keeps it: a digest, never the token itself."""
    return hashlib.sha256(str(owner).encode()).digest()
