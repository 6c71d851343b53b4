"""The session's runs grouped by setting (everything but the seed): how many seeds each has, their spread, which runs
are identical; what the Compare page says beside one run per setting."""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass

from . import i18n
from .config import RunConfig, describe, preset
from .lesson.plan import Lesson
from .lesson.summary import same_setting
from .runs import Run


@dataclass(frozen=True)
class Setting:
    """Runs of one config but for the seed (and the device): their labels, seeds and test accuracies."""

    config: RunConfig  # seed 0, device as the first run's
    labels: tuple[str, ...]
    seeds: tuple[int, ...]  # distinct, ascending
    test_accuracy: tuple[float, ...]  # of the completed runs with a test result, one per distinct seed

    @property
    def spread(self) -> tuple[float, float] | None:
        """Lowest and highest test accuracy over its seeds; None with fewer than two."""
        return (min(self.test_accuracy), max(self.test_accuracy)) if len(self.test_accuracy) > 1 else None


def settings(runs: dict[str, Run]) -> list[Setting]:
    """The runs grouped by setting, in the order each setting first appears."""
    groups: dict[RunConfig, list[tuple[str, Run]]] = {}
    for label, run in runs.items():
        groups.setdefault(run.config.replace(seed=0, device="cpu"), []).append((label, run))
    found = []
    for config, members in groups.items():
        by_seed = {}
        for _, run in members:  # one accuracy per seed: a seed trained twice is the same run again, not a new seed
            if run.status == "completed" and run.test_accuracy is not None:
                by_seed.setdefault(run.config.seed, run.test_accuracy)
        found.append(Setting(config, tuple(label for label, _ in members),
                             tuple(sorted({run.config.seed for _, run in members})),
                             tuple(by_seed[seed] for seed in sorted(by_seed))))
    return found


def identical(runs: dict[str, Run]) -> list[tuple[str, ...]]:
    """Labels of runs whose curves and test results are the same (a seed trained again here): they hide each other in
    a chart. Groups of two or more, in the runs' order."""
    groups: dict[str, list[str]] = {}
    for label, run in runs.items():
        if run.history:
            record = [{k: v for k, v in row.items() if k != "seconds"} for row in run.history]
            groups.setdefault(json.dumps([record, run.test_accuracy, run.status], sort_keys=True), []).append(label)
    return [tuple(labels) for labels in groups.values() if len(labels) > 1]


def seed_rows(found: list[Setting], lang: str = "en") -> list[dict]:
    """One row per setting: its name, how many seeds, their test accuracies' mean ± standard deviation and range."""
    said = lambda key: i18n.text(lang, "compare.seeds." + key)  # noqa: E731
    rows = []
    for setting in found:
        values = setting.test_accuracy
        rows.append({
            said("setting"): describe(setting.config, lang), said("seeds"): len(setting.seeds),
            said("mean"): "—" if not values else i18n.number(statistics.fmean(values), lang) + (
                f" ± {i18n.number(statistics.stdev(values), lang)}" if len(values) > 1 else ""),
            said("range"): "—" if setting.spread is None else i18n.text(
                lang, "compare.seeds.range_of", low=i18n.number(setting.spread[0], lang),
                high=i18n.number(setting.spread[1], lang))})
    return rows


def saved_seeds(found: list[Setting], lessons: list[Lesson]) -> tuple[RunConfig, tuple[float, ...]] | None:
    """A saved lesson's seeds of one of these settings (the first that has some), else of the course's baseline: the
    setting and its test accuracies; None when no lesson has either."""
    for config in [s.config for s in found] + [preset("baseline")]:
        match = same_setting(config, lessons)
        if match is not None:
            return match[1][0].config.replace(seed=0), tuple(run.test_accuracy for run in match[1])
    return None


def seed_note(found: list[Setting], saved: tuple[RunConfig, tuple[float, ...]] | None, lang: str = "en") -> str:
    """How far a change of seed alone moves test accuracy: in these runs (the widest spread of a setting with several
    seeds) and in a saved lesson (saved_seeds); and where a verdict is found: the Lesson page."""
    several, said = [s for s in found if s.spread is not None], []
    if several:
        widest = max(several, key=lambda s: s.spread[1] - s.spread[0])
        low, high = widest.spread
        said.append(i18n.text(lang, "compare.seed_spread", setting=describe(widest.config, lang),
                              n=len(widest.test_accuracy), points=i18n.number(high - low, lang)))
    if saved is not None and len(saved[1]) > 1:  # more seeds than a session usually has: the wider, truer spread
        low, high = min(saved[1]), max(saved[1])
        said.append(i18n.text(lang, "compare.saved_spread", n=len(saved[1]), setting=describe(saved[0], lang),
                              low=i18n.number(low, lang), high=i18n.number(high, lang),
                              points=i18n.number(high - low, lang)))
    if not said:
        said.append(i18n.text(lang, "compare.one_seed"))
    return " ".join([*said, i18n.text(lang, "compare.to_lesson")])
