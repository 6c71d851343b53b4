"""What a lesson's numbers mean, in words: the verdict of a variant against its reference, the rule verdicts follow, and
the notes beside the tables."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .. import i18n
from .significance import ALPHA, permutation_p, seeds_needed, smallest_chance, welch_interval

if TYPE_CHECKING:
    from .summary import ArmSummary


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

