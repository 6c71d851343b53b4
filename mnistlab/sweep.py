"""A sweep: one setting over a range the user picks, a few seeds each, every other setting as given; the runs fill the
same board as a class's, from one person's own runs (where does accuracy fall as weight decay grows?)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .board import SETTINGS
from .config import ConfigError, RunConfig, check, is_number

MAX_VALUES, MAX_SEEDS = 8, 5  # 40 runs at most: a sweep is started on purpose, it must not hold a server for hours
# Each setting's range in a sweep: (lowest, highest, spaced on a log scale, whole numbers).
RANGES = {"lr": (1e-5, 1.0, True, False), "weight_decay": (1e-7, 1.0, True, False), "dropout": (0.0, 0.9, False, False),
          "batchnorm": (0, 1, False, True), "hidden": (8, 4096, True, True), "epochs": (1, 100, False, True)}


@dataclass(frozen=True)
class SweepPlan:
    """setting from low to high in `values` steps, each with `seeds` seeds (0, 1, …), the rest of base unchanged."""
    setting: str
    low: float
    high: float
    values: int = 5
    seeds: int = 2
    base: RunConfig = RunConfig()

    def __post_init__(self):
        check([(self.setting in SETTINGS, "error.sweep.setting", {"choices": ", ".join(SETTINGS),
                                                                  "value": self.setting})], ConfigError)
        lowest, highest, _, _ = RANGES[self.setting]
        check([(lowest <= self.low <= self.high <= highest, "error.sweep.range",
                {"low": self.low, "high": self.high, "lowest": lowest, "highest": highest}),
               (1 <= self.values <= MAX_VALUES, "error.sweep.values", {"most": MAX_VALUES, "value": self.values}),
               (1 <= self.seeds <= MAX_SEEDS, "error.sweep.seeds", {"most": MAX_SEEDS, "value": self.seeds})],
              ConfigError)

    def to_dict(self) -> dict:
        return {"setting": self.setting, "low": self.low, "high": self.high, "values": self.values,
                "seeds": self.seeds, "base": self.base.to_dict()}

    @classmethod
    def from_dict(cls, values: dict) -> "SweepPlan":
        """The plan to_dict gave, through the checks of a plan made on the page (ConfigError, ValueError)."""
        check([(all(is_number(values[key]) for key in ("low", "high")), "the plan's low and high must be numbers"),
               (all(isinstance(values[key], int) and not isinstance(values[key], bool) for key in ("values", "seeds")),
                "the plan's values and seeds must be whole numbers")])
        return cls(values["setting"], float(values["low"]), float(values["high"]), values["values"], values["seeds"],
                   RunConfig.from_dict(values["base"]))

    def points(self) -> list[float]:
        """The setting's values, low to high, evenly spaced (on a log scale for lr, weight decay and width);
        BatchNorm is off and on; whole-number settings are rounded and not repeated."""
        if self.setting == "batchnorm":
            return [v for v in (0.0, 1.0) if self.low <= v <= self.high]
        _, _, log, whole = RANGES[self.setting]
        n = 1 if self.low == self.high else self.values
        if log:
            a, b = math.log10(self.low), math.log10(self.high)
            values = [10 ** (a + (b - a) * i / max(n - 1, 1)) for i in range(n)]
            values = values if whole else [float(f"{v:.3g}") for v in values]  # 3.16e-05, not 3.1622776601683795e-05
        else:
            values = [self.low + (self.high - self.low) * i / max(n - 1, 1) for i in range(n)]
            values = [round(v, 6) for v in values]
        if whole:
            values = [float(round(v)) for v in values]
        return sorted(set(values))

    def configs(self) -> list[RunConfig]:
        """Every run of the sweep, value by value and seed by seed (a stopped sweep has its first values whole)."""
        return [self.base.replace(**{**_setting(self.setting, value, self.base), "seed": seed})
                for value in self.points() for seed in range(self.seeds)]


def _setting(setting: str, value: float, base: RunConfig) -> dict:
    if setting == "batchnorm":
        return {"batchnorm": bool(value)}
    if setting == "hidden":
        return {"hidden": (int(value),) * len(base.hidden)}
    if setting == "epochs":
        return {"epochs": int(value)}
    return {setting: float(value)}
