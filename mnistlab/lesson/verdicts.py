"""What a lesson's numbers mean, in words: the verdict of a variant against its reference, the rule verdicts follow, and
the notes beside the tables."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .. import fingerprint, i18n
from .significance import (ALPHA, EXACT_SPLITS, RANDOM_SPLITS, holm, permutation_test, seeds_needed, smallest_chance,
                           welch_interval)

if TYPE_CHECKING:
    from .plan import LessonRun
    from .summary import ArmSummary


def verdict_rule(lang: str = "en", comparisons: int = 3) -> str:
    """The rule every verdict follows, in lang, for a family of `comparisons` shown together."""
    return i18n.text(lang, "verdict.holm_rule", alpha=round(1 / ALPHA), k=comparisons,
                     first=round(comparisons / ALPHA), needed=seeds_needed(ALPHA / comparisons),
                     needed_one=seeds_needed(), splits=i18n.number(EXACT_SPLITS, lang, 0),
                     draws=i18n.number(RANDOM_SPLITS, lang, 0))


def gap_note(lang: str = "en") -> str:
    """What the gap is and what it shows, in one sentence."""
    return " ".join(i18n.text(lang, f"gap.note.{part}") for part in (1, 2))


VERDICT_RULE = verdict_rule()
# One definition of the gap, named the same in every table and figure.
GAP_NAME = i18n.text("en", "gap.name")
JOINT_NOTE = i18n.text("en", "lesson.joint_note")
GRAPH_NOTE = i18n.text("en", "lesson.graph_note")


@dataclass(frozen=True)
class Verdict:
    """How a variant compares with a reference (the baseline, or its corrected self) over seeds, within the family of
    comparisons shown with it (Holm's correction)."""

    difference: float | None  # mean − reference mean, in accuracy points
    significant: bool | None  # True: Holm-adjusted chance < ALPHA; False: could be, is not; None: too few seeds
    chance: float | None  # two-sided permutation p: how often seeds that made no difference separate this well
    text: str
    kind: str = "no-run"  # "significant", "not-shown", "too-few-seeds" or "no-run"
    low: float | None = None  # Welch's 95 % interval for the difference; None below two seeds on either side
    high: float | None = None
    seeds: tuple[int, int] = (0, 0)  # completed seeds: this variant's, the reference's
    needed: int = 0  # seeds per variant the test needs to be able to reach ALPHA in this family
    adjusted: float | None = None  # Holm's adjusted p over the family (the chance itself in a family of one)
    family: int = 1  # comparisons shown together (those with runs)
    exact: bool = True  # False: the chance is estimated from `draws` random splits
    draws: int = 0

    @property
    def one_in(self) -> int | None:
        """The chance as '1 in N': N = 1/p rounded."""
        return None if self.chance is None else round(1 / self.chance)

    @property
    def short(self) -> str:
        """The verdict in a table cell, in English (cell(lang) in another language)."""
        return self.cell()

    def cell(self, lang: str = "en") -> str:
        """The verdict in a table cell: the difference and its interval, then significant, not, or the seeds needed."""
        if self.difference is None:
            return "—"
        head = i18n.signed(self.difference, lang) + ("" if self.low is None else i18n.text(
            lang, "verdict.cell_interval", low=i18n.signed(self.low, lang), high=i18n.signed(self.high, lang)))
        if self.kind == "too-few-seeds":
            return i18n.text(lang, "verdict.cell_too_few", head=head, seeds=seed_count(self.seeds, lang),
                             needed=self.needed)
        return i18n.text(lang, "verdict.cell_significant" if self.significant else "verdict.cell_not_significant",
                         head=head, chance=self.chance_said(lang, short=True))

    def chance_said(self, lang: str = "en", short: bool = False) -> str:
        """'chance alone: 1 in 32, 1 in 11 for the 3 comparisons together', said 'about' where estimated."""
        said = chance_text(self.chance, lang)
        if not self.exact:
            said = i18n.text(lang, "verdict.estimated", chance=said, draws=i18n.number(self.draws, lang, 0))
        if self.family > 1:
            said = i18n.text(lang, "verdict.corrected_short" if short else "verdict.corrected", chance=said,
                             adjusted=chance_text(self.adjusted, lang), k=self.family)
        return said

    def sentence(self, reference_name: str, lang: str = "en") -> str:
        """The verdict as a sentence: the difference against reference_name, its 95 % interval, and what it means."""
        if self.difference is None:
            return i18n.text(lang, "verdict.no_run")
        spread = "" if self.low is None else i18n.text(lang, "verdict.interval", low=i18n.signed(self.low, lang),
                                                       high=i18n.signed(self.high, lang))
        points = i18n.plural(lang, "count.point", abs(self.difference), n=i18n.signed(self.difference, lang))
        head = i18n.text(lang, "verdict.head", difference=points, reference=reference_name, spread=spread)
        if self.kind == "too-few-seeds":
            return i18n.text(lang, "verdict.too_few_family", head=head, seeds=seed_count(self.seeds, lang),
                             chance=self.chance_said(lang), needed=self.needed)
        return i18n.text(lang, "verdict.significant" if self.significant else "verdict.not_significant", head=head,
                         chance=self.chance_said(lang))


def chance_text(p: float, lang: str = "en") -> str:
    """A permutation p as a lecturer says it: '1 in 35'; 'more often than not' from 1 in 2 on."""
    return i18n.text(lang, "verdict.one_in", n=round(1 / p)) if p < 0.5 else i18n.text(lang, "verdict.often")


def seed_count(seeds: tuple[int, int], lang: str = "en") -> str:
    """'2 seeds', '1 seed', '1 and 3 seeds'."""
    n, m = seeds
    if n != m:
        return i18n.text(lang, "verdict.seeds_two", n=n, m=m)
    return i18n.count(n, "seed", lang)


def retrain_sentence(accuracy: float, here: dict | None, saved: LessonRun, seeds: list[LessonRun],
                     lang: str = "en") -> str:
    """A run trained here beside the saved lesson's run of the same config and seed: the same to the last digit where
    both trained alike (fingerprint), else why they differ and by how much a change of seed moves it."""
    accuracies = [run.test_accuracy for run in seeds]
    values = {"saved": i18n.percent(saved.test_accuracy, lang), "here": i18n.percent(accuracy, lang),
              "seed": saved.seed, "n": len(seeds), "low": i18n.percent(min(accuracies), lang),
              "high": i18n.percent(max(accuracies), lang), "where": fingerprint.described(saved.trained_on, lang)}
    if accuracy == saved.test_accuracy:
        return i18n.text(lang, "retrain.equal", **values)
    return i18n.text(lang, "retrain.unexpected" if fingerprint.bit_comparable(here, saved.trained_on) else
                     "retrain.other", **values)


def elsewhere_sentence(trained_on: dict | None, here: dict | None, epochs: int, lang: str = "en") -> str:
    """For a saved lesson: '' where a retrain here gives its numbers to the last digit, else one sentence on why not."""
    if fingerprint.bit_comparable(trained_on, here):
        return ""
    return i18n.text(lang, "retrain.lesson_elsewhere", where=fingerprint.described(trained_on, lang), epochs=epochs)


def verdict(summary: ArmSummary, reference: ArmSummary, reference_name: str = "the baseline") -> Verdict:
    """One comparison shown alone (a family of one): see verdicts."""
    return verdicts([(summary, reference)], reference_name)[0]


def verdicts(pairs: list[tuple[ArmSummary, ArmSummary]], reference_name: str = "the baseline") -> list[Verdict]:
    """For each (summary, reference) shown together: the difference of means, its 95 % interval, the permutation
    test's chance and, with Holm's correction over those with runs, whether it is significant at 1 in 20."""
    tested = [_tested(summary, reference) for summary, reference in pairs]
    family = [index for index, judged in enumerate(tested) if judged.chance is not None]
    for index, adjusted in zip(family, holm([tested[index].chance for index in family])):
        judged, level = tested[index], ALPHA / len(family)
        kind = ("significant" if adjusted < ALPHA else
                "not-shown" if smallest_chance(*judged.seeds) < level else "too-few-seeds")
        tested[index] = replace(judged, significant=None if kind == "too-few-seeds" else adjusted < ALPHA, kind=kind,
                                adjusted=adjusted, family=len(family), needed=seeds_needed(level))
    return [replace(judged, text=judged.sentence(reference_name)) if judged.chance is not None else judged
            for judged in tested]


def _tested(summary: ArmSummary, reference: ArmSummary) -> Verdict:
    """The comparison before the family's correction."""
    if summary.mean is None or reference.mean is None:
        return Verdict(None, None, None, i18n.text("en", "verdict.no_run"))
    ours, theirs = summary.test_accuracy, reference.test_accuracy
    seeds = (len(ours), len(theirs))
    low, high = welch_interval(ours, theirs) if min(seeds) >= 2 else (None, None)
    chance = permutation_test(ours, theirs)
    return Verdict(summary.mean - reference.mean, None, chance.p, "", "not-shown", low, high, seeds,
                   exact=chance.exact, draws=chance.draws)
