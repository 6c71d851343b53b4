"""A lesson as plain text, for the command line: its table, its slips' measured effects and the rule behind the
verdicts."""
from __future__ import annotations

from ..i18n import size
from .plan import Lesson
from .summary import course_numbers_note, slip_effects, summarize, table
from .verdicts import GRAPH_NOTE, JOINT_NOTE, VERDICT_RULE

# Why a chosen slip leaves a variant's course arm equal to its corrected one (LessonPlan.slips_for).
SLIP_SCOPES = {"no-eval": "no-eval changes nothing without Dropout or BatchNorm",
               "shared-bn": "shared-bn needs BatchNorm"}


def lesson_report(lesson: Lesson) -> str:
    """The lesson's table, its slips' measured effects and the rule behind the verdicts, as text."""
    summaries = summarize(lesson)
    lines = [f"{lesson.dataset} | {lesson.plan.seeds} seeds × {lesson.plan.epochs} epochs | slips: "
             f"{', '.join(lesson.plan.slips) or 'none'} | device {lesson.device} | {lesson.seconds:.0f} s | "
             f"{lesson.status}" + (f" — {lesson.message}" if lesson.message else ""),
             f"{'variant':<10} {'arm':<10} {'seeds':>5} {'test accuracy %':>15} {'course %':>8} {'gap':>7} "
             f"{'s/run':>6}  vs baseline"]
    keys = [(variant, arm) for variant, arms in summaries.items() for arm in arms]  # table()'s rows, in order
    reused = [key for key in keys if lesson.plan.trained_arm(*key) != key[1]]
    for row, key in zip(table(summaries), keys):
        variant, arm, seeds, accuracy, published, versus, gap, seconds = row.values()
        arm += "*" if key in reused else ""
        lines.append(f"{variant:<10} {arm:<10} {seeds:>5} {accuracy:>15} {published:>8.2f} {_number(gap, '.4f'):>7} "
                     f"{_number(seconds, '.0f'):>6}  {versus}")
    if reused:
        scopes = [SLIP_SCOPES[slip] for slip in lesson.plan.slips if slip in SLIP_SCOPES]
        lines.append(f"* the corrected runs, not trained again: {'; '.join(scopes)}.")
    for effect in slip_effects(lesson, summaries):
        memory = "" if "loss-graph" not in effect.slips else (
            f"; the summed loss held {_number(effect.graph_nodes, '.0f')} autograd nodes, "
            f"{size(effect.graph_bytes, 'en')}, at each epoch's end")
        lines.append(f"{', '.join(effect.slips)} on {effect.variant}: {effect.verdict.text}{memory}")
    lines.append(VERDICT_RULE)
    lines.append(course_numbers_note())
    if len(lesson.plan.slips) > 1:
        lines.append(JOINT_NOTE)
    if "loss-graph" in lesson.plan.slips:
        lines.append(GRAPH_NOTE)
    return "\n".join(lines)


def _number(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)
