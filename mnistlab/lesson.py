"""The course in one click: its four variants over several seeds, their spread, and its slips measured side by side."""
from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import DATASETS, MAX_SEEDS, PRESETS, ConfigError, RunConfig, check, is_number, preset
from .data import Dataset, split_sizes
from .runs import Run, record_conditions, write_atomic
from .training import Progress, check_last_batch, resolve_device, train

# The course's printed test accuracies (%), one run each.
PUBLISHED = {"baseline": 97.69, "l2": 97.73, "dropout": 96.96, "batchnorm": 97.19}
VARIANT_NAMES = {"baseline": "Baseline", "l2": "L2", "dropout": "Dropout", "batchnorm": "BatchNorm"}
CORRECTED, COURSE = "corrected", "course"
LESSONS_DIR = Path(__file__).resolve().parent.parent / "runs" / "lessons"
FILE_FORMAT, FILE_VERSION = "mnistlab-lesson", 1
VERDICT_RULE = ("A difference counts as real only when the seeds do not overlap (every seed of one scores above every "
                "seed of the other): if the change did nothing, chance alone would separate them only 2 times in "
                "C(n₁+n₂, n₁), 1 time in 10 with 3 seeds each.")
JOINT_NOTE = ("With several slips on, a variant's difference is their joint effect: switch one on alone to measure it "
              "alone.")
GRAPH_NOTE = ("loss.backward() already frees each batch's activations, so what `loss_train += loss` keeps alive is the "
              "chain of autograd nodes behind the sum (about a dozen per batch, without their tensors), until the next "
              "epoch resets it; the bytes are the heap given back when that chain is freed.")


class LessonFileError(ValueError):
    """A lesson file that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class LessonPlan:
    """What a lesson trains: the course's variants × seeds (0…n-1) × epochs; chosen slips add a 'course' arm."""

    seeds: int = 3
    epochs: int = 5
    slips: tuple[str, ...] = ()
    device: str = "auto"
    variants: tuple[str, ...] = tuple(PRESETS)

    def __post_init__(self):
        object.__setattr__(self, "slips", tuple(sorted(set(self.slips))))
        object.__setattr__(self, "variants", tuple(v for v in PRESETS if v in self.variants))
        if not (isinstance(self.seeds, int) and 1 <= self.seeds <= MAX_SEEDS):
            raise ConfigError(f"seeds must be an integer from 1 to {MAX_SEEDS} (got {self.seeds!r})")
        if not self.variants:
            raise ConfigError(f"variants must be some of {', '.join(PRESETS)}")
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
            raise ValueError(f'it is not a lesson file (a lesson file says "format": "{FILE_FORMAT}")')
        if values.get("version") != FILE_VERSION:
            raise ValueError(f"lesson file version {values.get('version')!r} is not {FILE_VERSION}")
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
    real: bool | None  # None: too few seeds to judge
    chance: float | None  # how often seeds that made no difference would separate this well
    text: str

    @property
    def short(self) -> str:
        """The verdict in a table cell: the difference, then real, within the seed spread, or no verdict."""
        if self.difference is None:
            return "—"
        judged = {True: "real", False: "within seed spread", None: "one seed, no verdict"}[self.real]
        return f"{self.difference:+.2f} · {judged}"


def verdict(summary: ArmSummary, reference: ArmSummary, reference_name: str = "the baseline") -> Verdict:
    """The difference of means and whether the seeds separate (VERDICT_RULE)."""
    if summary.mean is None or reference.mean is None:
        return Verdict(None, None, None, "no completed run to compare")
    difference = summary.mean - reference.mean
    head = f"{difference:+.2f} points vs {reference_name}"
    ours, theirs = summary.test_accuracy, reference.test_accuracy
    if len(ours) < 2 or len(theirs) < 2:
        return Verdict(difference, None, None, f"{head}: one seed has no spread to judge it by; run 3 seeds or more")
    chance = 2 / math.comb(len(ours) + len(theirs), len(ours))
    if min(ours) > max(theirs) or max(ours) < min(theirs):
        side = "above" if difference > 0 else "below"
        return Verdict(difference, True, chance, f"{head}: real, every seed is {side} every seed of {reference_name}")
    return Verdict(difference, False, chance, f"{head}: within the seed spread (the seeds overlap), not real")


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


def table(summaries: dict[str, dict[str, ArmSummary]]) -> list[dict]:
    """One row per variant and arm: what the page's table and the command's summary show."""
    rows, baseline = [], summaries.get("baseline")
    for variant, arms in summaries.items():
        for arm, summary in arms.items():
            judged = verdict(summary, baseline[arm]) if baseline and variant != "baseline" else None
            rows.append({
                "variant": VARIANT_NAMES[variant], "arm": arm, "seeds": len(summary.seeds),
                "test accuracy %": _plus_minus(summary.mean, summary.std), "course's number %": summary.published,
                "vs baseline": "—" if judged is None else judged.short,
                "train–val gap (loss)": None if summary.train_val_gap is None else round(summary.train_val_gap, 4),
                "seconds per run": None if summary.seconds is None else round(summary.seconds, 1)})
    return rows


def variants_json(summaries: dict[str, dict[str, ArmSummary]]) -> dict:
    """{"variants": {variant: {arm: {test_accuracy: [...], mean, std, ...}}}}, accuracies in percent."""
    return {"variants": {variant: {arm: {
        "test_accuracy": list(s.test_accuracy), "mean": s.mean, "std": s.std, "seeds": list(s.seeds),
        "published": s.published, "train_val_gap": s.train_val_gap, "seconds": s.seconds, "slips": list(s.slips),
        **({"graph_bytes": s.graph_bytes, "graph_nodes": s.graph_nodes} if s.graph_nodes is not None else {}),
    } for arm, s in arms.items()} for variant, arms in summaries.items()}}


def size_text(n_bytes: float | None) -> str:
    """A byte count in B, KiB, MiB or GiB; 'not measured' when None."""
    if n_bytes is None:
        return "not measured"
    for power, unit in enumerate(("B", "KiB", "MiB")):
        if abs(n_bytes) < 1024 ** (power + 1):
            return f"{n_bytes / 1024 ** power:.{min(power, 1)}f} {unit}"
    return f"{n_bytes / 1024 ** 3:.1f} GiB"


def _plus_minus(mean: float | None, std: float | None) -> str:
    if mean is None:
        return "—"
    return f"{mean:.2f}" + ("" if std is None else f" ± {std:.2f}")


# ---- files -----------------------------------------------------------------------------------------------------

def lesson_to_bytes(lesson: Lesson) -> bytes:
    """The lesson as JSON, for a file or a download."""
    return json.dumps(lesson.to_dict(), indent=1).encode()


def lesson_from_bytes(data: bytes, name: str = "upload") -> Lesson:
    """Read a lesson from the bytes of a file made by lesson_to_bytes."""
    try:
        values = json.loads(data)
    except (ValueError, RecursionError) as error:  # undecodable bytes, broken JSON, or nested beyond Python's stack
        raise LessonFileError(f"{name} is not a saved mnistlab lesson: it is not JSON text ({error})") from error
    try:
        if not isinstance(values, dict):
            raise ValueError("it holds no JSON object")
        return Lesson.from_dict(values)
    except Exception as error:  # any file can be opened: its values fail in many ways (ConfigError, OverflowError...)
        reason = f"missing {error}" if isinstance(error, KeyError) else str(error) or type(error).__name__
        raise LessonFileError(f"{name} is not a saved mnistlab lesson: {reason}") from error


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
        raise LessonFileError(f"{path} cannot be read: {error.strerror or error}") from error
    return lesson_from_bytes(data, path.name)


def saved_lessons(folder: str | Path | None = None) -> list[Path]:
    """The lesson files in a folder (default: the repository's runs/lessons), by name."""
    folder = Path(folder or LESSONS_DIR)
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def file_name(lesson: Lesson) -> str:
    """A file name that says what the lesson holds and when it was made."""
    plan = lesson.plan
    slips = f"-slips-{'+'.join(plan.slips)}" if plan.slips else ""
    made = lesson.created.replace(":", "").replace("T", "-")[:15]
    return f"{lesson.dataset}-{plan.seeds}-seeds-{plan.epochs}-epochs{slips}-{made}.json"
