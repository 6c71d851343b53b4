"""The course in one click: its four variants over several seeds, their spread, and its slips measured side by side."""
from __future__ import annotations

import functools
import itertools
import json
import math
import re
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import i18n, upload_checks
from .config import DATASETS, DEFAULT_SEEDS, MAX_SEEDS, PRESETS, ConfigError, RunConfig, check, is_number, preset
from .data import Dataset, split_sizes
from .i18n import KeyedError
from .runs import Run, reason_of, record_conditions, write_atomic
from .training import Progress, check_last_batch, resolve_device, train

# The course's printed test accuracies (%), one run each.
PUBLISHED = {"baseline": 97.69, "l2": 97.73, "dropout": 96.96, "batchnorm": 97.19}
VARIANT_NAMES = {"baseline": "Baseline", "l2": "L2", "dropout": "Dropout", "batchnorm": "BatchNorm"}
CORRECTED, COURSE = "corrected", "course"
LESSONS_DIR = Path(__file__).resolve().parent.parent / "runs" / "lessons"
# The largest real lesson (10 seeds × 100 epochs, with the slips: 80 runs) is ~20 MB of JSON.
MAX_LESSON_BYTES = 32_000_000
FILE_FORMAT, FILE_VERSION = "mnistlab-lesson", 1
# A verdict is "real" only where chance alone would produce it less than 1 time in 20.
ALPHA = 0.05


def verdict_rule(lang: str = "en") -> str:
    """The rule every verdict follows, in lang (its sentences are kept in short parts in the string tables)."""
    return " ".join(i18n.text(lang, f"verdict.rule.{part}") for part in range(1, 7))


def gap_note(lang: str = "en") -> str:
    """What the gap is and what it shows, in one sentence."""
    return " ".join(i18n.text(lang, f"gap.note.{part}") for part in (1, 2))


VERDICT_RULE = verdict_rule()
# One definition of the gap, named the same in every table and figure.
GAP_NAME = i18n.text("en", "gap.name")
JOINT_NOTE = i18n.text("en", "lesson.joint_note")
GRAPH_NOTE = i18n.text("en", "lesson.graph_note")
_STOPPED = re.compile(r"Stopped by the user after (\d+) of (\d+) runs\.")


def message_in(message: str, lang: str = "en") -> str:
    """A lesson's message (kept in English in its file) in lang; one not recognised as it reads."""
    stopped = _STOPPED.fullmatch(message or "")
    return i18n.text(lang, "lesson.stopped", done=stopped.group(1), runs=stopped.group(2)) if stopped else message


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
class LessonRun:
    """One trained run of a lesson, without its weights: enough to aggregate and draw."""

    variant: str
    arm: str
    seed: int
    config: RunConfig
    status: str
    message: str
    history: list[dict]
    test_accuracy: float | None
    seconds: float

    @classmethod
    def of(cls, variant: str, arm: str, run: Run) -> "LessonRun":
        return cls(variant, arm, run.config.seed, run.config, run.status, run.message, run.history, run.test_accuracy,
                   run.seconds)

    def to_dict(self) -> dict:
        return {"variant": self.variant, "arm": self.arm, "seed": self.seed, "config": self.config.to_dict(),
                "status": self.status, "message": self.message, "history": self.history,
                "test_accuracy": self.test_accuracy, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, values: dict) -> "LessonRun":
        run = cls(values["variant"], values["arm"], values["seed"], RunConfig.from_dict(values["config"]),
                  values["status"], values.get("message", ""), values["history"], values["test_accuracy"],
                  values["seconds"])
        check([(run.variant in PRESETS, f"unknown variant {run.variant!r}"),
               (run.arm in (CORRECTED, COURSE), f"unknown arm {run.arm!r}"),
               *record_conditions(run.status, run.history, run.seconds),
               (run.test_accuracy is None or is_number(run.test_accuracy), "test_accuracy is not a number"),
               (isinstance(run.message, str), "a run's message must be text")])
        upload_checks.check_history(run.history, run.config)
        upload_checks.check_test_accuracy(run.test_accuracy)
        upload_checks.check_run_seconds(run.seconds)
        return run


@dataclass
class Lesson:
    """A finished (or stopped) lesson: its plan and every run it trained."""

    plan: LessonPlan
    dataset: str
    runs: list[LessonRun]
    status: str = "completed"  # or "stopped"
    message: str = ""
    device: str = "cpu"
    seconds: float = 0.0
    batches_per_epoch: int = 0
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))

    def to_dict(self) -> dict:
        return {"format": FILE_FORMAT, "version": FILE_VERSION, "plan": self.plan.to_dict(), "dataset": self.dataset,
                "status": self.status, "message": self.message, "device": self.device, "seconds": self.seconds,
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
                     values["status"], values.get("message", ""), values.get("device", "cpu"),
                     values.get("seconds", 0.0), values.get("batches_per_epoch", 0), values.get("created", ""))
        check([(lesson.dataset in DATASETS, f"unknown data set {lesson.dataset!r}"),
               (is_number(lesson.seconds), "seconds is not a number"),
               (isinstance(lesson.batches_per_epoch, int) and lesson.batches_per_epoch >= 0,
                "batches_per_epoch is not a count"),
               (all(isinstance(text, str) for text in (lesson.message, lesson.device, lesson.created)),
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
    """Train every (variant, arm, seed) of the plan in turn; a stop ends the run under way and the lesson."""
    tasks, finished, start = plan.tasks(), [], time.perf_counter()
    status, message = "completed", ""
    config = plan.config("baseline", CORRECTED, 0, data.name)
    train_images, _ = split_sizes(len(data.train_y), config.val_fraction)
    device = resolve_device(plan.device)
    for variant, arm, seed in tasks:  # a run that cannot train says so now, not after the others' minutes (then lost)
        check_last_batch(plan.config(variant, arm, seed, data.name), train_images)
    for index, (variant, arm, seed) in enumerate(tasks):
        if should_stop is not None and should_stop():
            status = "stopped"
            break

        def report(progress: Progress | None) -> None:
            done = 0.0 if progress is None else progress.step / progress.steps
            on_progress(LessonProgress(variant, arm, seed, index, len(tasks), (index + done) / len(tasks), progress,
                                       tuple(finished)))

        if on_progress is not None:
            report(None)
        run = train(plan.config(variant, arm, seed, data.name), data, report if on_progress else None, should_stop)
        finished.append(LessonRun.of(variant, arm, run))
        if run.status == "stopped":
            status = "stopped"
            break
    if status == "stopped":
        message = f"Stopped by the user after {sum(r.status == 'completed' for r in finished)} of {len(tasks)} runs."
    return Lesson(plan, data.name, finished, status, message, str(device), time.perf_counter() - start,
                  math.ceil(train_images / config.batch_size))


# ---- aggregation -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArmSummary:
    """One variant in one arm over its completed seeds: test accuracy, validation-loss band, gap, time, graph."""

    variant: str
    arm: str
    seeds: tuple[int, ...]
    test_accuracy: tuple[float, ...]
    mean: float | None
    std: float | None  # sample standard deviation over seeds (n - 1); None below two seeds
    published: float
    train_val_gap: float | None  # validation loss − training loss at the last epoch, mean over seeds
    seconds: float | None  # mean training time of one run
    val_loss_mean: tuple[float, ...]  # per epoch, over seeds
    val_loss_min: tuple[float, ...]
    val_loss_max: tuple[float, ...]
    slips: tuple[str, ...]  # the slips these runs had on
    graph_bytes: float | None = None  # loss-graph slip: heap held by the summed loss at an epoch's end, mean
    graph_nodes: float | None = None


def summarize_arm(variant: str, arm: str, runs: list[LessonRun]) -> ArmSummary:
    """Aggregate the completed runs of one variant and arm."""
    done = sorted((r for r in runs if r.status == "completed" and r.test_accuracy is not None), key=lambda r: r.seed)
    accuracies = tuple(r.test_accuracy for r in done)
    epochs = min((len(r.history) for r in done), default=0)
    per_epoch = [[r.history[e]["val_loss"] for r in done] for e in range(epochs)]
    rows = [row for r in done for row in r.history if row.get("graph_bytes") is not None]
    nodes = [row["graph_nodes"] for r in done for row in r.history if "graph_nodes" in row]
    return ArmSummary(
        variant, arm, tuple(r.seed for r in done), accuracies, statistics.fmean(accuracies) if done else None,
        statistics.stdev(accuracies) if len(done) > 1 else None, PUBLISHED[variant],
        statistics.fmean(r.history[-1]["val_loss"] - r.history[-1]["train_loss"] for r in done) if done else None,
        statistics.fmean(r.seconds for r in done) if done else None,
        tuple(statistics.fmean(v) for v in per_epoch), tuple(map(min, per_epoch)), tuple(map(max, per_epoch)),
        done[0].config.slips if done else (),
        statistics.fmean(row["graph_bytes"] for row in rows) if rows else None,
        statistics.fmean(nodes) if nodes else None)


def summarize(lesson: Lesson) -> dict[str, dict[str, ArmSummary]]:
    """variant → arm → summary; a course arm without an applicable slip shows the corrected runs under its name."""
    return {variant: {arm: summarize_arm(variant, arm, [r for r in lesson.runs if r.variant == variant
                                                        and r.arm == lesson.plan.trained_arm(variant, arm)])
                      for arm in lesson.plan.arms} for variant in lesson.plan.variants}


@dataclass(frozen=True)
class Verdict:
    """How a variant compares with a reference (the baseline, or its corrected self) over seeds."""

    difference: float | None  # mean − reference mean, in accuracy points
    real: bool | None  # True: chance < ALPHA; False: enough seeds, yet chance ≥ ALPHA; None: too few seeds to judge
    chance: float | None  # exact two-sided permutation p: how often seeds that made no difference separate this well
    text: str
    kind: str = "no-run"  # "real", "not-shown", "too-few-seeds" or "no-run"
    low: float | None = None  # Welch's 95 % interval for the difference; None below two seeds on either side
    high: float | None = None
    seeds: tuple[int, int] = (0, 0)  # completed seeds: this variant's, the reference's
    needed: int = 0  # seeds per variant the test needs to be able to reach ALPHA

    @property
    def one_in(self) -> int | None:
        """The chance as '1 in N': N = 1/p rounded."""
        return None if self.chance is None else round(1 / self.chance)

    @property
    def short(self) -> str:
        """The verdict in a table cell, in English (cell(lang) in another language)."""
        return self.cell()

    def cell(self, lang: str = "en") -> str:
        """The verdict in a table cell: the difference and its interval, then real, can't tell, or the seeds needed."""
        if self.difference is None:
            return "—"
        head = _signed(self.difference, lang) + ("" if self.low is None else
                                                  f" [{_signed(self.low, lang)} ; {_signed(self.high, lang)}]"
                                                  if lang == "fr" else f" [{self.low:+.2f}, {self.high:+.2f}]")
        if self.kind == "too-few-seeds":
            return i18n.text(lang, "verdict.cell_too_few", head=head, seeds=seed_count(self.seeds, lang),
                        needed=self.needed)
        return i18n.text(lang, "verdict.cell_real" if self.real else "verdict.cell_not_shown", head=head,
                    chance=chance_text(self.chance, lang))

    def sentence(self, reference_name: str, lang: str = "en") -> str:
        """The verdict as a sentence: the difference against reference_name, its 95 % interval, and what it means."""
        if self.difference is None:
            return i18n.text(lang, "verdict.no_run")
        spread = "" if self.low is None else i18n.text(lang, "verdict.interval", low=_signed(self.low, lang),
                                                  high=_signed(self.high, lang))
        head = i18n.text(lang, "verdict.head", difference=_signed(self.difference, lang), reference=reference_name,
                    spread=spread)
        chance = chance_text(self.chance, lang)
        if self.kind == "too-few-seeds":
            return i18n.text(lang, "verdict.too_few", head=head, seeds=seed_count(self.seeds, lang), chance=chance,
                        needed=self.needed)
        return i18n.text(lang, "verdict.real" if self.real else "verdict.not_shown", head=head, chance=chance)


def _signed(value: float, lang: str) -> str:
    """+0.40, or +0,40 in French."""
    written = f"{value:+.2f}"
    return written.replace(".", ",") if lang == "fr" else written


def chance_text(p: float, lang: str = "en") -> str:
    """A permutation p as a lecturer says it: '1 in 35'; 'more often than not' from 1 in 2 on."""
    return i18n.text(lang, "verdict.one_in", n=round(1 / p)) if p < 0.5 else i18n.text(lang, "verdict.often")


def seed_count(seeds: tuple[int, int], lang: str = "en") -> str:
    """'2 seeds', '1 seed', '1 and 3 seeds'."""
    n, m = seeds
    if n != m:
        return i18n.text(lang, "verdict.seeds_two", n=n, m=m)
    return i18n.text(lang, "verdict.seed_one" if n == 1 else "verdict.seeds", n=n)


@functools.lru_cache(maxsize=256)
def permutation_p(ours: tuple[float, ...], theirs: tuple[float, ...]) -> float:
    """Exact two-sided permutation p for a difference of means: the share of all C(n+m, n) ways of dealing the values
    into groups of n and m whose difference is at least as large as the observed one (C(20, 10) = 184 756 at most)."""
    n, values = len(ours), ours + theirs
    total, m = sum(values), len(theirs)
    observed = abs(sum(ours) / n - sum(theirs) / m)
    tolerance = 1e-9 * max(1.0, max(map(abs, values)))  # the same split summed in another order: equal, not less
    as_large = sum(abs(s / n - (total - s) / m) >= observed - tolerance
                   for s in map(sum, itertools.combinations(values, n)))
    return as_large / math.comb(n + m, n)


def smallest_chance(n: int, m: int) -> float:
    """The smallest p the exact test can give with n and m seeds: every seed of one side above every seed of the other
    (two splits as extreme when n = m, one otherwise)."""
    return (2 if n == m else 1) / math.comb(n + m, n)


def seeds_needed(alpha: float = ALPHA) -> int:
    """The fewest seeds per variant with which the exact test can reach alpha at all (4 for 1 in 20)."""
    return next(n for n in range(1, 100) if smallest_chance(n, n) < alpha)


def welch_interval(ours: tuple[float, ...], theirs: tuple[float, ...], level: float = 0.95) -> tuple[float, float]:
    """Welch's t interval for mean(ours) − mean(theirs); each side needs two values or more."""
    difference = statistics.fmean(ours) - statistics.fmean(theirs)
    a, b = statistics.variance(ours) / len(ours), statistics.variance(theirs) / len(theirs)
    if a + b == 0:
        return difference, difference
    freedom = (a + b) ** 2 / (a ** 2 / (len(ours) - 1) + b ** 2 / (len(theirs) - 1))
    half = t_quantile((1 + level) / 2, freedom) * math.sqrt(a + b)
    return difference - half, difference + half


def t_quantile(probability: float, freedom: float) -> float:
    """Student's t quantile for probability in (0.5, 1), any real degrees of freedom ≥ 1 (the standard library has
    none). With t = √ν·tan θ the density becomes ∝ cos^(ν−1) θ on [0, π/2): bounded, so Simpson's rule integrates it."""
    def mass(theta: float, steps: int = 400) -> float:  # ∫₀^θ cos^(ν−1)
        h = theta / steps
        inner = sum((4 if i % 2 else 2) * math.cos(i * h) ** (freedom - 1) for i in range(1, steps))
        return h / 3 * (1 + inner + math.cos(theta) ** (freedom - 1))

    whole = math.sqrt(math.pi) * math.exp(math.lgamma(freedom / 2) - math.lgamma((freedom + 1) / 2)) / 2
    target, low, high = (probability - 0.5) * 2 * whole, 0.0, math.pi / 2
    for _ in range(60):  # bisection on θ
        middle = (low + high) / 2
        low, high = (middle, high) if mass(middle) < target else (low, middle)
    return math.sqrt(freedom) * math.tan((low + high) / 2)


def verdict(summary: ArmSummary, reference: ArmSummary, reference_name: str = "the baseline") -> Verdict:
    """The difference of means, its 95 % interval and the permutation test's verdict (VERDICT_RULE)."""
    if summary.mean is None or reference.mean is None:
        return Verdict(None, None, None, i18n.text("en", "verdict.no_run"))
    ours, theirs = summary.test_accuracy, reference.test_accuracy
    difference, seeds, needed = summary.mean - reference.mean, (len(ours), len(theirs)), seeds_needed()
    low, high = welch_interval(ours, theirs) if min(seeds) >= 2 else (None, None)
    chance = permutation_p(ours, theirs)
    if smallest_chance(*seeds) >= ALPHA:
        judged = Verdict(difference, None, chance, "", "too-few-seeds", low, high, seeds, needed)
    else:
        judged = Verdict(difference, chance < ALPHA, chance, "", "real" if chance < ALPHA else "not-shown", low, high,
                         seeds, needed)
    return replace(judged, text=judged.sentence(reference_name))


@dataclass(frozen=True)
class SlipEffect:
    """What the course's slips measurably did to one variant: course minus corrected, same seeds."""

    variant: str
    slips: tuple[str, ...]  # the chosen slips this variant's course runs had on: with several, the effect is joint
    verdict: Verdict
    val_loss_difference: float | None  # last epoch, mean over seeds
    graph_bytes: float | None  # loss-graph: heap the summed loss held at an epoch's end, mean over seeds and epochs
    graph_nodes: float | None


def slip_effects(lesson: Lesson, summaries: dict | None = None) -> list[SlipEffect]:
    """For every variant that a chosen slip applies to, the measured difference its slips made."""
    summaries = summaries or summarize(lesson)
    effects = []
    for variant in lesson.plan.variants:
        if not lesson.plan.slips_for(variant):
            continue
        course, corrected = summaries[variant][COURSE], summaries[variant][CORRECTED]
        last = (course.val_loss_mean[-1] - corrected.val_loss_mean[-1]
                if course.val_loss_mean and corrected.val_loss_mean else None)
        judged = verdict(course, corrected, "the corrected runs")
        effects.append(SlipEffect(variant, lesson.plan.slips_for(variant), judged, last, course.graph_bytes,
                                  course.graph_nodes))
    return effects


def table(summaries: dict[str, dict[str, ArmSummary]], lang: str = "en") -> list[dict]:
    """One row per variant and arm: what the page's table and the command's summary show (verdicts in lang)."""
    rows, baseline = [], summaries.get("baseline")
    for variant, arms in summaries.items():
        for arm, summary in arms.items():
            judged = verdict(summary, baseline[arm]) if baseline and variant != "baseline" else None
            said = lambda key: i18n.text(lang, "lesson.col." + key)  # noqa: E731
            rows.append({
                said("variant"): i18n.text(lang, f"variant.{variant}"),
                said("arm"): i18n.text(lang, f"lesson.arm.{arm}"),
                said("seeds"): len(summary.seeds), said("test_accuracy"): _plus_minus(summary.mean, summary.std, lang),
                said("published"): summary.published, said("vs"): "—" if judged is None else judged.cell(lang),
                i18n.text(lang, "gap.name"): None if summary.train_val_gap is None else round(summary.train_val_gap, 4),
                said("seconds"): None if summary.seconds is None else round(summary.seconds, 1)})
    return rows


def variants_json(summaries: dict[str, dict[str, ArmSummary]]) -> dict:
    """{"variants": {variant: {arm: {test_accuracy: [...], mean, std, ...}}}}, accuracies in percent."""
    return {"variants": {variant: {arm: {
        "test_accuracy": list(s.test_accuracy), "mean": s.mean, "std": s.std, "seeds": list(s.seeds),
        "published": s.published, "train_val_gap": s.train_val_gap, "seconds": s.seconds, "slips": list(s.slips),
        **({"graph_bytes": s.graph_bytes, "graph_nodes": s.graph_nodes} if s.graph_nodes is not None else {}),
    } for arm, s in arms.items()} for variant, arms in summaries.items()}}


def estimated_seconds(plan: LessonPlan, lessons: list[Lesson]) -> float | None:
    """How long plan takes, from saved lessons' recorded times: their mean seconds per run-epoch × the plan's run-epochs
    (None when no lesson has a completed run)."""
    epochs = [(r.seconds, len(r.history)) for lesson in lessons for r in lesson.runs if r.status == "completed"]
    total_epochs = sum(count for _, count in epochs)
    if not total_epochs:
        return None
    return sum(seconds for seconds, _ in epochs) / total_epochs * len(plan.tasks()) * plan.epochs


def default_lesson_seconds(folder: str | Path | None = None) -> float | None:
    """How long the default lesson (LessonPlan()) takes, from the lessons saved in folder (default runs/lessons)."""
    lessons = []
    for path in saved_lessons(folder):
        try:
            lessons.append(load_lesson(path))
        except LessonFileError:  # a damaged file says nothing about time; the page names it where it lists lessons
            continue
    return estimated_seconds(LessonPlan(), lessons)


def duration_text(seconds: float | None, lang: str = "en") -> str:
    """A duration for a sentence: 'about 40 seconds', 'about 3 minutes'; 'not measured' when None."""
    if seconds is None:
        return i18n.text(lang, "duration.unknown")
    if seconds < 90:
        return i18n.text(lang, "duration.seconds", n=f"{max(10, round(seconds, -1)):.0f}")
    return i18n.text(lang, "duration.minutes", n=round(seconds / 60))


def size_text(n_bytes: float | None, lang: str = "en") -> str:
    """A byte count in B, KiB, MiB or GiB (o, Kio, Mio, Gio in French); 'not measured' when None."""
    if n_bytes is None:
        return i18n.text(lang, "duration.unknown")
    units = ("o", "Kio", "Mio", "Gio") if lang == "fr" else ("B", "KiB", "MiB", "GiB")
    for power, unit in enumerate(units[:3]):
        if abs(n_bytes) < 1024 ** (power + 1):
            return f"{i18n.number(n_bytes / 1024 ** power, lang, min(power, 1))} {unit}"
    return f"{i18n.number(n_bytes / 1024 ** 3, lang, 1)} {units[3]}"


def _plus_minus(mean: float | None, std: float | None, lang: str = "en") -> str:
    if mean is None:
        return "—"
    return i18n.number(mean, lang) + ("" if std is None else f" ± {i18n.number(std, lang)}")


# ---- files -----------------------------------------------------------------------------------------------------

def lesson_to_bytes(lesson: Lesson) -> bytes:
    """The lesson as JSON, for a file or a download."""
    return json.dumps(lesson.to_dict(), indent=1).encode()


def lesson_from_bytes(data: bytes, name: str = "upload") -> Lesson:
    """Read a lesson from the bytes of a file made by lesson_to_bytes."""
    if len(data) > MAX_LESSON_BYTES:  # refused before parsing: JSON takes several times its size as Python objects
        raise LessonFileError("error.lesson_file.too_large", name=name, size=round(len(data) / 1e6),
                              most=MAX_LESSON_BYTES // 1_000_000)
    try:
        values = json.loads(data)
    except (ValueError, RecursionError) as error:  # undecodable bytes, broken JSON, or nested beyond Python's stack
        raise LessonFileError("error.lesson_file.not_json", name=name, reason=error) from error
    try:
        if not isinstance(values, dict):
            raise LessonFileError("error.file.no_object")
        upload_checks.check_numbers_in_range(values)
        return Lesson.from_dict(values)
    except Exception as error:  # any file can be opened: its values fail in many ways (ConfigError, OverflowError...)
        raise LessonFileError("error.lesson_file.invalid", name=name, reason=reason_of(error)) from error


def save_lesson(lesson: Lesson, path: str | Path) -> Path:
    """Write the lesson to path atomically (its folder is made if needed); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lesson_to_bytes(lesson))
    return path


def load_lesson(path: str | Path) -> Lesson:
    """Read a lesson saved by save_lesson."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LessonFileError("error.file.unreadable", file=path, reason=error.strerror or error) from error
    return lesson_from_bytes(data, path.name)


def saved_lessons(folder: str | Path | None = None) -> list[Path]:
    """The lesson files in a folder (default: the repository's runs/lessons), by name, those without slips first: the
    first is what lecture mode offers."""
    folder = Path(folder or LESSONS_DIR)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"), key=lambda path: ("-slips-" in path.name, path.name))


def file_name(lesson: Lesson) -> str:
    """A file name that says what the lesson holds and when it was made."""
    plan = lesson.plan
    slips = f"-slips-{'+'.join(plan.slips)}" if plan.slips else ""
    made = upload_checks.safe_file_part(lesson.created.replace(":", "").replace("T", "-"))[:15]
    return f"{lesson.dataset}-{plan.seeds}-seeds-{plan.epochs}-epochs{slips}-{made}.json"
