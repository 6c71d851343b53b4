"""A lesson's plan (the course's variants × seeds × epochs, and the slips' arm), its records, and the runner that
hands its runs to the queue (mnistlab.lesson.fanout)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from .. import messages, upload_checks
from ..config import DATASETS, DEFAULT_SEEDS, MAX_SEEDS, PRESETS, ConfigError, RunConfig, check, is_number, preset
from ..data import Dataset
from ..i18n import KeyedError, Phrase
from ..run_record import RunRecord, record_fields, shared_trained_on
from ..runs import Run
from ..training import Progress

CORRECTED, COURSE = "corrected", "course"
FILE_FORMAT, FILE_VERSION = "mnistlab-lesson", 1


class LessonFileError(KeyedError, ValueError):
    """A lesson file that cannot be read; the message (a key of mnistlab/strings) says what is wrong."""


@dataclass(frozen=True)
class LessonPlan:
    """What a lesson trains: the course's variants × seeds (0…n-1) × epochs; chosen slips add a 'course' arm."""

    seeds: int = DEFAULT_SEEDS
    epochs: int = 5
    slips: tuple[str, ...] = ()
    device: str = "auto"
    variants: tuple[str, ...] = tuple(PRESETS)

    def __post_init__(self):
        object.__setattr__(self, "slips", tuple(sorted(set(self.slips))))
        object.__setattr__(self, "variants", tuple(v for v in PRESETS if v in self.variants))
        if not (isinstance(self.seeds, int) and 1 <= self.seeds <= MAX_SEEDS):
            raise ConfigError("error.lesson.seeds", most=MAX_SEEDS, value=self.seeds)
        if not self.variants:
            raise ConfigError("error.lesson.variants", choices=", ".join(PRESETS))
        preset("batchnorm", epochs=self.epochs, slips=self.slips, device=self.device)  # a run's own checks

    @property
    def arms(self) -> tuple[str, ...]:
        return (CORRECTED, COURSE) if self.slips else (CORRECTED,)

    def slips_for(self, variant: str) -> tuple[str, ...]:
        """The chosen slips that can change a variant: no-eval only where Dropout or BatchNorm behave differently in
        eval mode, shared-bn only with BatchNorm, loss-graph everywhere (the memory it holds)."""
        config = preset(variant)
        applies = {"no-eval": config.dropout > 0 or config.batchnorm, "shared-bn": config.batchnorm}
        return tuple(s for s in self.slips if applies.get(s, True))

    def config(self, variant: str, arm: str, seed: int, dataset: str = "mnist") -> RunConfig:
        return preset(variant, epochs=self.epochs, seed=seed, device=self.device, dataset=dataset,
                      slips=self.slips_for(variant) if arm == COURSE else ())

    def trained_arm(self, variant: str, arm: str) -> str:
        """The arm whose runs stand for (variant, arm): a course arm without an applicable slip is the corrected one."""
        return arm if arm == CORRECTED or self.slips_for(variant) else CORRECTED

    def tasks(self) -> list[tuple[str, str, int]]:
        """(variant, arm, seed) to train, seed by seed, so a lesson stopped early has every variant at least once."""
        return [(variant, arm, seed) for seed in range(self.seeds) for variant in self.variants for arm in self.arms
                if self.trained_arm(variant, arm) == arm]

    def to_dict(self) -> dict:
        return {"seeds": self.seeds, "epochs": self.epochs, "slips": list(self.slips), "device": self.device,
                "variants": list(self.variants)}


@dataclass
class LessonRun(RunRecord):
    """One trained run of a lesson, without its weights: enough to aggregate and draw; which variant, arm and seed."""

    variant: str = field(kw_only=True)
    arm: str = field(kw_only=True)
    seed: int = field(kw_only=True)

    @classmethod
    def of(cls, variant: str, arm: str, run: Run) -> "LessonRun":
        return cls(**vars(RunRecord.of(run)), variant=variant, arm=arm, seed=run.config.seed)

    def to_dict(self) -> dict:
        return {"variant": self.variant, "arm": self.arm, "seed": self.seed, **super().to_dict()}

    @classmethod
    def from_dict(cls, values: dict) -> "LessonRun":
        run = cls(**record_fields(values), variant=values["variant"], arm=values["arm"], seed=values["seed"])
        check([(run.variant in PRESETS, f"unknown variant {run.variant!r}"),
               (run.arm in (CORRECTED, COURSE), f"unknown arm {run.arm!r}")])
        return run


@dataclass
class Lesson:
    """A finished (or stopped) lesson: its plan and every run it trained."""

    plan: LessonPlan
    dataset: str
    runs: list[LessonRun]
    status: str = "completed"  # or "stopped"
    message: Phrase | None = None  # why it ended early (mnistlab.messages)
    device: str = "cpu"
    seconds: float = 0.0
    batches_per_epoch: int = 0
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))

    @property
    def trained_on(self) -> dict | None:
        """The fingerprint all its runs share (mnistlab.fingerprint); None when one is unrecorded or they differ."""
        return shared_trained_on(self.runs)

    def to_dict(self) -> dict:
        return {"format": FILE_FORMAT, "version": FILE_VERSION, "plan": self.plan.to_dict(), "dataset": self.dataset,
                "status": self.status, **messages.to_file(self.message), "device": self.device, "seconds": self.seconds,
                "batches_per_epoch": self.batches_per_epoch, "created": self.created,
                "runs": [run.to_dict() for run in self.runs]}

    @classmethod
    def from_dict(cls, values: dict) -> "Lesson":
        if values.get("format") != FILE_FORMAT:
            raise LessonFileError("error.lesson_file.format", format=FILE_FORMAT)
        if values.get("version") != FILE_VERSION:
            raise LessonFileError("error.lesson_file.version", value=values.get("version"), version=FILE_VERSION)
        if values["status"] not in ("completed", "stopped"):
            raise ValueError(f"unknown lesson status {values['status']!r}")
        plan = dict(values["plan"])
        plan.update(slips=tuple(plan["slips"]), variants=tuple(plan["variants"]))
        lesson = cls(LessonPlan(**plan), values["dataset"], [LessonRun.from_dict(run) for run in values["runs"]],
                     values["status"], messages.from_file(values), values.get("device", "cpu"),
                     values.get("seconds", 0.0), values.get("batches_per_epoch", 0), values.get("created", ""))
        check([(lesson.dataset in DATASETS, f"unknown data set {lesson.dataset!r}"),
               (is_number(lesson.seconds), "seconds is not a number"),
               (isinstance(lesson.batches_per_epoch, int) and lesson.batches_per_epoch >= 0,
                "batches_per_epoch is not a count"),
               (all(isinstance(text, str) for text in (values.get("message", ""), lesson.device, lesson.created)),
                "message, device and created must be text")])
        upload_checks.check_lesson_runs(lesson.runs, lesson.plan.tasks())
        return lesson


@dataclass(frozen=True)
class LessonProgress:
    """A snapshot of a lesson under way, handed to on_progress."""

    variant: str
    arm: str
    seed: int
    run: int  # the run under way, 0-based
    runs: int
    fraction: float  # of the whole lesson
    train: Progress | None  # the run's own progress; None as it starts
    finished: tuple[LessonRun, ...]


def run_lesson(plan: LessonPlan, data: Dataset, on_progress: Callable[[LessonProgress], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> Lesson:
    """Train every (variant, arm, seed) of the plan, each its own job on the process's queue (K at once, in turns with
    other sessions' runs); a stop ends the runs under way and cancels the others (mnistlab.lesson.fanout)."""
    from .fanout import run_lesson_on_queue  # it builds on this module's records

    return run_lesson_on_queue(plan, data, on_progress, should_stop)
