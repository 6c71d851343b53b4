"""A lesson aggregated: each variant and arm over its seeds, the slips' measured effects, the table, the JSON."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from .. import i18n
from ..config import RunConfig
from .plan import COURSE, CORRECTED, Lesson, LessonRun
from .verdicts import Verdict, verdicts

# The course's printed test accuracies (%), one run each.
PUBLISHED = {"baseline": 97.69, "l2": 97.73, "dropout": 96.96, "batchnorm": 97.19}
VARIANT_NAMES = {"baseline": "Baseline", "l2": "L2", "dropout": "Dropout", "batchnorm": "BatchNorm"}


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


def baseline_verdicts(summaries: dict[str, dict[str, ArmSummary]], arm: str) -> dict[str, Verdict]:
    """Every other variant against the baseline in one arm: one family, shown together (Holm's correction over it)."""
    others = [variant for variant in summaries if variant != "baseline"]
    if "baseline" not in summaries:
        return {}
    judged = verdicts([(summaries[variant][arm], summaries["baseline"][arm]) for variant in others])
    return dict(zip(others, judged))


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
    touched = [variant for variant in lesson.plan.variants if lesson.plan.slips_for(variant)]
    judged = verdicts([(summaries[v][COURSE], summaries[v][CORRECTED]) for v in touched], "the corrected runs")
    effects = []
    for variant, effect in zip(touched, judged):  # one family: the slips' effects are shown together
        course, corrected = summaries[variant][COURSE], summaries[variant][CORRECTED]
        last = (course.val_loss_mean[-1] - corrected.val_loss_mean[-1]
                if course.val_loss_mean and corrected.val_loss_mean else None)
        effects.append(SlipEffect(variant, lesson.plan.slips_for(variant), effect, last, course.graph_bytes,
                                  course.graph_nodes))
    return effects


def table(summaries: dict[str, dict[str, ArmSummary]], lang: str = "en") -> list[dict]:
    """One row per variant and arm: what the page's table and the command's summary show (verdicts in lang)."""
    rows, arms_shown = [], {arm for arms in summaries.values() for arm in arms}
    judged_in = {arm: baseline_verdicts(summaries, arm) for arm in arms_shown}
    for variant, arms in summaries.items():
        for arm, summary in arms.items():
            judged = judged_in[arm].get(variant)
            said = lambda key: i18n.text(lang, "lesson.col." + key)  # noqa: E731
            rows.append({
                said("variant"): i18n.text(lang, f"variant.{variant}"),
                said("arm"): i18n.text(lang, f"lesson.arm.{arm}"),
                said("seeds"): len(summary.seeds), said("test_accuracy"): i18n.plus_minus(summary.mean, summary.std, lang),
                said("published"): summary.published, said("vs"): "—" if judged is None else judged.cell(lang),
                i18n.text(lang, "gap.name"): None if summary.train_val_gap is None else round(summary.train_val_gap, 4),
                said("seconds"): None if summary.seconds is None else round(summary.seconds, 1)})
    return rows


def course_numbers_note(lang: str = "en") -> str:
    """What the course's printed numbers are, said wherever they appear: one run each of code without model.eval()."""
    return i18n.text(lang, "lesson.course_numbers", **{variant: i18n.percent(PUBLISHED[variant], lang)
                                                       for variant in ("baseline", "dropout", "batchnorm")})


def same_setting(config: RunConfig, lessons: list[Lesson]) -> tuple[Lesson, list[LessonRun]] | None:
    """The first lesson with completed runs of this config but for its seed (and device): the same setting's seeds,
    by seed; None when no lesson has one."""
    setting = config.replace(seed=0, device="cpu")
    for lesson in lessons:
        runs = sorted((run for run in lesson.runs if run.status == "completed" and run.test_accuracy is not None
                       and run.config.replace(seed=0, device="cpu") == setting), key=lambda run: run.seed)
        if runs:
            return lesson, runs
    return None


def val_loss_spread(runs: list[LessonRun], epoch: float) -> tuple[float, int] | None:
    """The seed-to-seed standard deviation of the validation loss at a whole epoch, and the seeds it is over."""
    losses = [row["val_loss"] for run in runs for row in run.history if row["epoch"] == epoch]
    return (statistics.stdev(losses), len(losses)) if len(losses) > 1 else None


def variants_json(summaries: dict[str, dict[str, ArmSummary]]) -> dict:
    """{"variants": {variant: {arm: {test_accuracy: [...], mean, std, ...}}}}, accuracies in percent."""
    return {"variants": {variant: {arm: {
        "test_accuracy": list(s.test_accuracy), "mean": s.mean, "std": s.std, "seeds": list(s.seeds),
        "published": s.published, "train_val_gap": s.train_val_gap, "seconds": s.seconds, "slips": list(s.slips),
        **({"graph_bytes": s.graph_bytes, "graph_nodes": s.graph_nodes} if s.graph_nodes is not None else {}),
    } for arm, s in arms.items()} for variant, arms in summaries.items()}}


