import json
import math

import pytest
import torch
from torch import nn

from conftest import write_raw_folder
from mnistlab import i18n
from mnistlab.cli import main
from mnistlab.config import DEFAULT_SEEDS, PRESETS, ConfigError, preset
from mnistlab.data import load_dataset
from mnistlab.lesson.files import lesson_from_bytes, lesson_to_bytes, load_lesson, save_lesson, saved_lessons
from mnistlab.lesson.plan import CORRECTED, COURSE, Lesson, LessonFileError, LessonPlan, LessonRun, run_lesson
from mnistlab.lesson.significance import (EXACT_SPLITS, RANDOM_SPLITS, RANDOM_VALUES, holm, permutation_p,
                                         permutation_test, seeds_needed, t_quantile, welch_interval)
from mnistlab.lesson.summary import (baseline_verdicts, course_numbers_note, slip_effects, summarize, summarize_arm,
                                     table)
from mnistlab.lesson.verdicts import GAP_NAME, elsewhere_sentence, retrain_sentence, verdict, verdicts
from mnistlab.memory import graph_nodes, heap_in_use, release_graph
from mnistlab.models import build_model
from mnistlab.training import train


def fake_run(variant="baseline", arm=CORRECTED, seed=0, accuracy=97.0, val=(0.3, 0.2), train_loss=(0.4, 0.1),
             status="completed", seconds=10.0):
    history = [{"epoch": float(e + 1), "train_loss": t, "train_accuracy": 90.0, "val_loss": v, "val_accuracy": 95.0,
                "seconds": 1.0} for e, (t, v) in enumerate(zip(train_loss, val))]
    return LessonRun(preset(variant, seed=seed), status, "", history, accuracy, seconds, variant=variant, arm=arm,
                     seed=seed)


def arm_of(accuracies, variant="l2"):
    return summarize_arm(variant, CORRECTED, [fake_run(variant, seed=i, accuracy=a) for i, a in enumerate(accuracies)])


# ---- aggregation and verdicts ---------------------------------------------------------------------------------

def test_summary_matches_a_hand_computation_and_leaves_out_unfinished_runs():
    runs = [fake_run(seed=0, accuracy=97.0, val=(0.3, 0.2), train_loss=(0.5, 0.1), seconds=10),
            fake_run(seed=1, accuracy=97.5, val=(0.5, 0.1), train_loss=(0.6, 0.05), seconds=20),
            fake_run(seed=2, accuracy=98.5, val=(0.4, 0.3), train_loss=(0.7, 0.2), seconds=30),
            fake_run(seed=3, accuracy=10.0, val=(9.0,), train_loss=(9.0,), status="stopped")]
    summary = summarize_arm("baseline", CORRECTED, runs)
    assert summary.seeds == (0, 1, 2) and summary.test_accuracy == (97.0, 97.5, 98.5)
    assert summary.mean == pytest.approx(293 / 3)
    assert summary.std == pytest.approx(math.sqrt(7 / 12))  # squared deviations 4/9 + 1/36 + 25/36, over n - 1 = 2
    assert summary.val_loss_mean == pytest.approx((0.4, 0.2))
    assert summary.val_loss_min == (0.3, 0.1) and summary.val_loss_max == (0.5, 0.3)
    assert summary.train_val_gap == pytest.approx((0.1 + 0.05 + 0.1) / 3)
    assert summary.seconds == 20 and summary.published == 97.69
    assert summarize_arm("baseline", CORRECTED, runs[:1]).std is None


def test_two_seeds_that_separate_completely_cannot_tell_chance_one_in_three():
    judged = verdict(arm_of([97.3, 97.4]), arm_of([97.0, 97.1], "baseline"))
    assert judged.significant is None and judged.kind == "too-few-seeds" and judged.chance == pytest.approx(1 / 3)
    assert "can't tell with 2 seeds (chance alone: 1 in 3): 4 per variant are needed" in judged.text
    assert judged.short == "+0.30 [\u22120.00, +0.60] · can't tell with 2 seeds: need 4"


def test_three_seeds_that_separate_completely_still_cannot_tell_chance_one_in_ten():
    judged = verdict(arm_of([97.3, 97.4, 97.5]), arm_of([97.0, 97.1, 97.2], "baseline"))
    assert judged.significant is None and judged.chance == pytest.approx(0.1) and judged.needed == seeds_needed() == 4
    assert "can't tell with 3 seeds" in judged.text


def test_four_seeds_that_separate_completely_are_significant_alone_chance_one_in_35():
    judged = verdict(arm_of([97.4, 97.5, 97.6, 97.7]), arm_of([97.0, 97.1, 97.2, 97.3], "baseline"))
    assert judged.significant is True and judged.kind == "significant" and judged.chance == pytest.approx(2 / 70)
    assert judged.one_in == 35 and "+0.40 points vs the baseline" in judged.text
    assert "significant at 1 in 20 (chance alone: 1 in 35)" in judged.text and judged.family == 1
    below = verdict(arm_of([97.0, 97.1, 97.2, 97.3]), arm_of([97.4, 97.5, 97.6, 97.7], "baseline"))
    assert below.significant is True and below.difference == pytest.approx(-0.4)  # two-sided: a loss is judged alike


def test_the_verdict_turns_significant_just_below_one_in_20():
    just_below = verdict(arm_of([97.35, 97.28, 97.24, 97.4, 97.39]), arm_of([97.25, 97.29, 97.13, 97.12, 97.23]))
    assert just_below.chance == pytest.approx(12 / 252) and just_below.significant is True  # 0.0476
    just_above = verdict(arm_of([97.2, 97.1, 97.35, 97.23, 97.28]), arm_of([97.13, 97.08, 97.16, 97.09, 97.17]))
    assert just_above.chance == pytest.approx(14 / 252) and just_above.significant is False  # 0.0556
    assert just_above.kind == "not-shown" and "not significant at 1 in 20, can't tell (chance alone: 1 in 18)" in \
        just_above.text
    tie = verdict(arm_of([97.0, 97.1, 97.2, 97.3]), arm_of([97.0, 97.1, 97.2, 97.3], "baseline"))
    assert tie.chance == 1.0 and tie.significant is False and "chance alone: more often than not" in tie.text


# Three variants against one baseline, 5 seeds each: exact chances of 2, 4, 6 and 12 in 252.
ONE_IN_126 = (97.29, 97.38, 97.21, 97.34, 97.32), (97.1, 97.01, 97.09, 97.16, 97.14)  # 2/252
ONE_IN_63 = (97.26, 97.04, 97.15, 97.16, 97.19), (97.34, 97.29, 97.21, 97.4, 97.28)  # 4/252
ONE_IN_42 = (97.25, 97.4, 97.18, 97.34, 97.39), (97.2, 97.21, 97.02, 97.11, 97.09)  # 6/252
ONE_IN_21 = (97.35, 97.28, 97.24, 97.4, 97.39), (97.25, 97.29, 97.13, 97.12, 97.23)  # 12/252
NOTHING = (97.1, 97.2, 97.3, 97.4, 97.5), (97.1, 97.2, 97.3, 97.4, 97.5)  # 1


def family(*pairs):
    return verdicts([(arm_of(ours), arm_of(theirs, "baseline")) for ours, theirs in pairs])


def test_holm_keeps_three_comparisons_shown_together_at_one_in_20():
    first, second, third = family(ONE_IN_63, NOTHING, NOTHING)
    assert first.chance == pytest.approx(4 / 252) and first.adjusted == pytest.approx(12 / 252)  # 3 × 4/252 = 0.0476
    assert first.significant is True and first.family == 3 and second.significant is False
    assert "significant at 1 in 20 (chance alone: 1 in 63, or 1 in 21 over the 3 comparisons shown together)" in \
        first.text
    (above, *_) = family(ONE_IN_42, NOTHING, NOTHING)  # 3 × 6/252 = 0.0714: significant alone, not among three
    assert above.chance == pytest.approx(6 / 252) and above.adjusted == pytest.approx(18 / 252)
    assert above.significant is False and above.kind == "not-shown" and verdict(*map(arm_of, ONE_IN_42)).significant
    (alone_below, *_) = family(ONE_IN_21, NOTHING, NOTHING)  # 1 in 21 alone is significant; among three it is not
    assert alone_below.significant is False and alone_below.adjusted == pytest.approx(36 / 252)


def test_holm_steps_down_and_never_lets_a_weaker_chance_pass_a_stronger_one():
    strong, next_one, last = family(ONE_IN_126, ONE_IN_42, NOTHING)  # 3 × 2/252, then 2 × 6/252 = 0.0476
    assert strong.adjusted == pytest.approx(6 / 252) and next_one.adjusted == pytest.approx(12 / 252)
    assert strong.significant and next_one.significant and last.adjusted == 1.0 and not last.significant
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])  # 0.04 × 1 would be below 0.03 × 2
    assert holm([]) == [] and holm([0.2]) == [0.2] and holm([0.5, 0.5]) == [1.0, 1.0]


def test_with_three_comparisons_four_seeds_cannot_tell_and_five_can():
    four = [(97.4, 97.5, 97.6, 97.7), (97.0, 97.1, 97.2, 97.3)]  # 2/70 alone; Holm's first step wants below 1/60
    judged = family(four, four, four)[0]
    assert judged.kind == "too-few-seeds" and judged.needed == 5 and judged.significant is None
    assert "can't tell with 4 seeds (chance alone: 1 in 35, or 1 in 12 over the 3 comparisons shown together): 5 per " \
           "variant are needed" in judged.text
    assert family(ONE_IN_126, NOTHING, NOTHING)[0].kind == "significant"


def test_the_permutation_p_counts_every_split_exactly():
    assert permutation_p((1.0, 2.0), (3.0, 4.0, 5.0)) == pytest.approx(2 / 10)  # {1,2} and {4,5}: |diff| 2.5
    assert permutation_p(tuple(range(10)), tuple(range(10, 20))) == pytest.approx(2 / math.comb(20, 10))  # 10 each
    assert permutation_test(tuple(range(10)), tuple(range(10, 20))).exact
    lone = verdict(arm_of([99.0]), arm_of([97.0, 97.1, 97.2], "baseline"))
    assert lone.significant is None and lone.low is None and "can't tell with 1 and 3 seeds" in lone.text


def test_beyond_the_exact_size_the_chance_is_a_seeded_estimate_that_says_so():
    ours, theirs = tuple(97 + i / 100 for i in range(11)), tuple(96.9 + i / 100 for i in range(10))  # C(21, 10) splits
    assert math.comb(21, 10) > EXACT_SPLITS
    chance = permutation_test(ours, theirs)
    assert not chance.exact and chance.draws == RANDOM_SPLITS and chance == permutation_test.__wrapped__(ours, theirs)
    judged = verdict(arm_of(list(ours)), arm_of(list(theirs), "baseline"))
    assert "chance alone: about 1 in" in judged.text and "estimated from 10,000 random splits" in judged.text
    assert "environ 1 fois sur" in judged.sentence("la référence", "fr") and "10\u202f000" in judged.sentence(
        "la référence", "fr")


def test_a_hostile_lesson_of_20_seeds_per_variant_is_judged_by_the_estimate_in_bounded_work():
    values = [97 + (seed * 37 % 20) / 100 for seed in range(20)]  # C(40, 20) = 1.4e11 splits: days, if dealt exactly
    runs = [fake_run(variant, CORRECTED, seed, values[seed] + 0.1 * (variant == "batchnorm")) for seed in range(20)
            for variant in PRESETS]
    lesson = Lesson(LessonPlan(seeds=10, epochs=2), "mnist", runs)
    judged = baseline_verdicts(summarize(lesson), CORRECTED)
    assert {v.draws for v in judged.values()} == {RANDOM_SPLITS} and not judged["batchnorm"].exact
    assert judged["batchnorm"].significant and judged["l2"].chance == 1.0
    many = tuple(range(20_000))  # thousands of runs: fewer draws, the same bounded work
    assert permutation_test(many[:10_000], many[10_000:]).draws * len(many) <= RANDOM_VALUES


def test_the_interval_is_welchs_t_interval():
    assert t_quantile(0.975, 4) == pytest.approx(2.7764, abs=1e-4) and t_quantile(0.975, 1) == pytest.approx(12.706,
                                                                                                               abs=1e-3)
    assert t_quantile(0.975, 2.5) == pytest.approx(3.5746, abs=1e-3)
    low, high = welch_interval((97.3, 97.4, 97.5), (97.0, 97.1, 97.2))  # variances 0.01 each: 4 degrees of freedom
    half = 2.7764 * math.sqrt(0.02 / 3)
    assert (low, high) == pytest.approx((0.3 - half, 0.3 + half), abs=1e-4)
    assert welch_interval((1.0, 1.0), (0.0, 0.0)) == (1.0, 1.0)


def test_the_default_lesson_can_reach_a_verdict_and_its_time_is_said_as_a_lecturer_says_it():
    assert LessonPlan().seeds == DEFAULT_SEEDS >= seeds_needed()
    assert i18n.duration(500.0, "en", "long") == "8 minutes" and i18n.duration(42, "fr", "long") == "40\u00a0secondes"


def test_table_compares_each_arm_with_its_own_baseline():
    plan = LessonPlan(seeds=2, epochs=2, slips=("no-eval",))
    runs = [fake_run(v, arm, seed, 97 + seed + (arm == COURSE) * (v == "dropout") * 5) for seed in range(2)
            for v in plan.variants for arm in plan.arms]
    rows = table(summarize(Lesson(plan, "mnist", runs)))
    dropout_course = next(r for r in rows if r["variant"] == "Dropout" and r["arm"] == COURSE)
    assert dropout_course["test accuracy %"] == "102.50 ± 0.71"
    assert dropout_course["vs baseline"] == "+5.00 [+1.96, +8.04] · can't tell with 2 seeds: need 5"  # 3 compared
    assert next(r for r in rows if r["variant"] == "L2")["vs baseline"].startswith("+0.00 [")
    assert next(r for r in rows if r["variant"] == "L2")[GAP_NAME] == pytest.approx(0.1)
    assert [r["vs baseline"] for r in rows if r["variant"] == "Baseline"] == ["—", "—"]


# ---- the slips, measured ----------------------------------------------------------------------------------------

def test_shared_bn_model_applies_one_batchnorm_twice():
    calls = []
    for slips in ((), ("shared-bn",)):
        model = build_model(preset("batchnorm", slips=slips))
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
        for norm in norms:
            norm.register_forward_hook(lambda module, *_: calls.append(module))
        model(torch.rand(8, 784))
        assert len(calls) == 2 and len(set(map(id, calls))) == len(norms)
        calls.clear()
    assert len(norms) == 1  # the slipped model: one module, called for both hidden layers


def test_release_graph_counts_and_frees_what_a_summed_loss_keeps():
    x = torch.ones(100, requires_grad=True)
    total = 0.0
    for _ in range(50):
        total = total + (x * 2).sum()  # Mul, Sum and Add nodes per step, one AccumulateGrad for x
    assert graph_nodes(total) == 3 * 50 + 1
    released = release_graph(total)
    assert released["graph_nodes"] == 151 and total.grad_fn is None
    if heap_in_use() is not None:
        assert released["graph_bytes"] > 0
    assert release_graph(1.5) == {} and release_graph(torch.tensor(1.0)) == {}


def test_loss_graph_slip_keeps_a_graph_that_grows_with_the_batches(tiny_data):
    def graph(batch_size):
        run = train(preset("baseline", epochs=1, batch_size=batch_size, slips=("loss-graph",)), tiny_data)
        return run.history[0]["graph_nodes"], run.history[0]["graph_bytes"]

    (nodes_15, bytes_15), (nodes_30, bytes_30) = graph(32), graph(16)  # 480 images: 15 and 30 batches an epoch
    per_batch = (nodes_30 - nodes_15) / 15
    assert per_batch == int(per_batch) and per_batch >= 10 and nodes_15 >= 15 * per_batch
    if heap_in_use() is not None:
        assert bytes_30 > bytes_15 > 0
        # As after the course's loss.backward(): the nodes stay, their saved tensors are freed (the epoch's images
        # alone would take 1.5 MB here).
        assert bytes_30 < 480 * 784 * 4
    corrected = train(preset("baseline", epochs=1), tiny_data)
    assert "graph_nodes" not in corrected.history[0]


def test_no_eval_changes_validation_only_where_dropout_or_batchnorm_are(tiny_data):
    without_times = lambda run: [{k: v for k, v in row.items() if k != "seconds"} for row in run.history]  # noqa: E731
    for variant in ("baseline", "l2"):  # nothing behaves differently in eval mode: the course arm would be a copy
        course, corrected = (train(preset(variant, epochs=1, slips=slips), tiny_data) for slips in (("no-eval",), ()))
        assert without_times(course) == without_times(corrected)
    plan = LessonPlan(seeds=1, epochs=1, slips=("no-eval",))
    lesson = run_lesson(plan, tiny_data)
    val = {(r.variant, r.arm): r.history[0]["val_loss"] for r in lesson.runs}
    assert val["dropout", COURSE] != val["dropout", CORRECTED]
    assert val["batchnorm", COURSE] != val["batchnorm", CORRECTED]
    assert ("baseline", COURSE) not in val and ("l2", COURSE) not in val  # their corrected runs stand for them
    assert summarize(lesson)["l2"][COURSE].test_accuracy == summarize(lesson)["l2"][CORRECTED].test_accuracy
    assert [(e.variant, e.slips) for e in slip_effects(lesson)] == [(v, ("no-eval",)) for v in ("dropout", "batchnorm")]
    assert LessonPlan(slips=("no-eval", "loss-graph")).slips_for("baseline") == ("loss-graph",)  # its memory differs


# ---- running a lesson ---------------------------------------------------------------------------------------------

def test_a_lesson_trains_each_variant_and_seed_once_reporting_its_progress(tiny_data):
    plan = LessonPlan(seeds=2, epochs=1, slips=("shared-bn",))
    assert len(plan.tasks()) == 4 * 2 + 2  # shared-bn applies to BatchNorm only: the others' course arm is reused
    events = []
    lesson = run_lesson(plan, tiny_data, on_progress=events.append)
    assert lesson.status == "completed" and len(lesson.runs) == 10 and lesson.batches_per_epoch == 8
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(events[-1].finished) == 10
    assert [(r.variant, r.arm, r.seed) for r in lesson.runs] == plan.tasks()  # each its own job, kept in plan order
    assert all(r.seconds > 0 for r in lesson.runs) and max(r.seconds for r in lesson.runs) <= lesson.seconds
    summaries = summarize(lesson)
    assert summaries["baseline"][COURSE].test_accuracy == summaries["baseline"][CORRECTED].test_accuracy
    assert summaries["baseline"][COURSE].slips == () and summaries["batchnorm"][COURSE].slips == ("shared-bn",)
    assert summaries["batchnorm"][CORRECTED].seeds == (0, 1) and len(summaries["dropout"][CORRECTED].val_loss_mean) == 1
    assert lesson.trained_on is not None and lesson_from_bytes(lesson_to_bytes(lesson)).trained_on == lesson.trained_on
    again = run_lesson(LessonPlan(seeds=1, epochs=1), tiny_data)
    assert [r.history[0]["val_loss"] for r in again.runs] == [r.history[0]["val_loss"] for r in lesson.runs
                                                             if r.seed == 0 and r.arm == CORRECTED]


def test_a_stopped_lesson_keeps_its_finished_runs(tiny_data):
    events = []
    stop = lambda: any(event.finished for event in events)  # noqa: E731  (once a run has finished)
    lesson = run_lesson(LessonPlan(seeds=2, epochs=5), tiny_data, events.append, should_stop=stop)
    completed = [r for r in lesson.runs if r.status == "completed"]
    assert lesson.status == "stopped" and f"after {len(completed)} of 8 runs" in str(lesson.message)
    assert 1 <= len(completed) < 8 and {r.status for r in lesson.runs} <= {"completed", "stopped"}
    summaries = summarize(lesson)
    assert sum(len(arms[CORRECTED].seeds) for arms in summaries.values()) == len(completed)


def test_plan_rejects_bad_settings_with_their_range():
    with pytest.raises(ConfigError, match="seeds must be an integer from 1 to 10"):
        LessonPlan(seeds=0)
    with pytest.raises(ConfigError, match="epochs must be an integer from 1 to 100"):
        LessonPlan(epochs=0)
    with pytest.raises(ConfigError, match="slips must be among"):
        LessonPlan(slips=("no-model-eval",))


def test_a_run_that_cannot_train_is_refused_before_the_others_train(tmp_path):
    """81 training images keep 65 for training: BatchNorm's last batch of 64 would hold one row. The three other
    variants trained first, then the lesson ended in that error and their minutes were lost."""
    write_raw_folder(tmp_path, n_train=81)
    data, progress = load_dataset("mnist", tmp_path, download=False), []
    with pytest.raises(ConfigError, match="BatchNorm cannot train on a batch of one row"):
        run_lesson(LessonPlan(seeds=1, epochs=1), data, progress.append)
    assert progress == []


# ---- files ------------------------------------------------------------------------------------------------------

def small_lesson():
    plan = LessonPlan(seeds=2, epochs=2, slips=("loss-graph",))
    runs = [fake_run(v, arm, seed, 97.0 + seed) for seed in range(2) for v in plan.variants for arm in plan.arms]
    return Lesson(plan, "mnist", runs, seconds=12.5, batches_per_epoch=750, created="2025-01-02T03:04:05")


def test_a_saved_lesson_loads_back_identical(tmp_path):
    lesson = small_lesson()
    path = save_lesson(lesson, tmp_path / "runs" / "lessons" / "lesson.json")
    assert [p.name for p in path.parent.iterdir()] == ["lesson.json"]  # the atomic writer leaves no temporary file
    loaded = load_lesson(path)
    assert loaded.to_dict() == lesson.to_dict() and loaded.created == "2025-01-02T03:04:05"
    assert summarize(loaded) == summarize(lesson)


@pytest.mark.parametrize("content, reason", [
    (b"\x89PNG\r\n", "it is not JSON text"),
    (b'{"format": "mnistlab-lesson", ', "it is not JSON text"),
    (b"[1, 2]", "it holds no JSON object"),
    (b"[" * 100_000, "it is not JSON text .*recursion"),
    (json.dumps({"format": "mnistlab-run"}).encode(), "it is not a lesson file"),
    (json.dumps({**small_lesson().to_dict(), "runs": None}).encode(), "not iterable"),
    (json.dumps({k: v for k, v in small_lesson().to_dict().items() if k != "plan"}).encode(), "missing 'plan'"),
])
def test_a_bad_lesson_file_says_what_is_wrong(content, reason):
    with pytest.raises(LessonFileError, match=f"^notes.json is not a saved mnistlab lesson: .*{reason}"):
        lesson_from_bytes(content, "notes.json")


# Each was accepted, then crashed the Lesson page (and came back at every reload).
@pytest.mark.parametrize("change, reason", [
    (lambda v: v | {"created": 5}, "message, device and created must be text"),
    (lambda v: v | {"seconds": "x"}, "seconds is not a number"),
    (lambda v: v | {"dataset": "cifar"}, "unknown data set 'cifar'"),
    (lambda v: v | {"runs": [v["runs"][0] | {"trained_on": "Intel"}]}, "trained_on must be an object of text"),
    (lambda v: v | {"runs": [v["runs"][0] | {"history": []}]}, "a completed run has no epoch in its history"),
    (lambda v: v | {"runs": [v["runs"][0] | {"config": v["runs"][0]["config"] | {"hidden": [float("inf")]}}]},
     "cannot convert float infinity to integer"),
])
def test_a_lesson_with_a_bad_value_is_refused_with_its_reason(change, reason):
    values = change(small_lesson().to_dict())
    with pytest.raises(LessonFileError, match=f"^notes.json is not a saved mnistlab lesson: {reason}"):
        lesson_from_bytes(json.dumps(values).encode(), "notes.json")


def test_a_lesson_with_a_broken_run_or_plan_is_refused(tmp_path):
    values = small_lesson().to_dict()
    del values["runs"][3]["history"][1]["val_loss"]
    with pytest.raises(LessonFileError, match="each history row needs the numbers"):
        lesson_from_bytes(json.dumps(values).encode())
    values = small_lesson().to_dict() | {"plan": {**small_lesson().plan.to_dict(), "seeds": 99}}
    with pytest.raises(LessonFileError, match="seeds must be an integer from 1 to 10"):
        lesson_from_bytes(json.dumps(values).encode())
    with pytest.raises(LessonFileError, match="cannot be read"):
        load_lesson(tmp_path / "absent.json")
    assert lesson_from_bytes(lesson_to_bytes(small_lesson())).plan.slips == ("loss-graph",)


def test_the_committed_lessons_load_with_every_variant_seed_and_epoch():
    (default,) = [load_lesson(p) for p in saved_lessons() if "slips" not in p.name]
    (slipped,) = [load_lesson(p) for p in saved_lessons() if "slips-loss-graph+no-eval+shared-bn" in p.name]
    for lesson, arms in ((default, {CORRECTED}), (slipped, {CORRECTED, COURSE})):
        assert lesson.status == "completed" and lesson.dataset == "mnist" and lesson.plan.epochs == 5
        summaries = summarize(lesson)
        assert all(set(s) == arms and len(s[CORRECTED].seeds) == lesson.plan.seeds
                   and len(s[CORRECTED].val_loss_mean) == 5
                   for s in summaries.values())
    same = [summarize(lesson)["dropout"][CORRECTED] for lesson in (default, slipped)]
    assert same[0].test_accuracy == same[1].test_accuracy and same[0].val_loss_mean == same[1].val_loss_mean  # seeds
    assert summarize(slipped)["batchnorm"][COURSE].graph_nodes > 7500  # over a dozen nodes for each of 750 batches


# ---- the command ------------------------------------------------------------------------------------------------

def test_course_command_prints_one_json_object_and_saves(tiny_root, tmp_path, capsys):
    path = tmp_path / "lesson.json"
    code = main(["course", "--seeds", "1", "--epochs", "1", "--slip", "no-eval", "--slip", "loss-graph", "--json",
                 "--data-dir", str(tiny_root), "--no-download", "--save", str(path)])
    out, err = capsys.readouterr()
    assert code == 0 and "run 8/8" in err
    result = json.loads(out)
    assert list(result) == ["variants", "trained_on"] and result["trained_on"]["threads"] >= 1
    assert list(result["variants"]) == ["baseline", "l2", "dropout", "batchnorm"]
    for arms in result["variants"].values():
        assert set(arms) == {"corrected", "course"}
        course = arms["course"]
        assert len(course["test_accuracy"]) == 1 and course["mean"] == course["test_accuracy"][0]
        assert course["graph_nodes"] > 0 and "graph_nodes" not in arms["corrected"]
    assert load_lesson(path).plan.slips == ("loss-graph", "no-eval")
    main(["course", "--seeds", "1", "--epochs", "1", "--data-dir", str(tiny_root), "--no-download"])
    out, _ = capsys.readouterr()
    assert "Baseline   corrected" in out and " course  " not in out and "less than 1 time in 20" in out


# ---- real MNIST ---------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_dropout_left_on_at_validation_costs_loss_on_real_mnist(mnist):
    lesson = run_lesson(LessonPlan(seeds=1, epochs=1, slips=("no-eval",), variants=("dropout",)), mnist)
    corrected, course = (summarize(lesson)["dropout"][arm] for arm in (CORRECTED, COURSE))
    assert corrected.mean >= 95 and course.mean >= 90
    assert course.val_loss_mean[0] > corrected.val_loss_mean[0]  # random units dropped at validation hurt
    first = {r.arm: r.history[0]["train_loss"] for r in lesson.runs}
    assert first[CORRECTED] == first[COURSE]  # the slip only changes what happens after the first epoch's training


def test_a_lesson_file_larger_than_any_real_lesson_is_refused_before_it_is_parsed():
    with pytest.raises(LessonFileError, match="more than the 32 MB"):
        lesson_from_bytes(b"[" + b"0," * 16_000_001 + b"0]", "huge.json")


# ---- retrained elsewhere, and the course's numbers --------------------------------------------------------------

HERE = {"cpu": "AMD EPYC", "isa": "AVX2", "torch": "2.14.1", "threads": 2, "device": "cpu"}


def test_a_retrain_beside_the_saved_run_says_why_it_differs_where_it_cannot_be_bit_identical():
    seeds = [fake_run("baseline", seed=s, accuracy=a) for s, a in enumerate([97.25, 97.33, 97.54, 97.65, 97.65])]
    saved = seeds[0]
    other = retrain_sentence(97.59, HERE, saved, seeds)  # the saved lesson recorded no fingerprint: unknown
    assert "reached 97.25%, this one 97.59%: it was trained on a processor not recorded, and processors " \
           "round differently" in other and "the size of a change of seed (its 5 seeds: 97.25% to 97.65" in other
    assert "un processeur non enregistré" in retrain_sentence(97.59, HERE, saved, seeds, "fr")
    assert retrain_sentence(97.25, None, saved, seeds).endswith("reached 97.25%; this one too.")
    saved.trained_on = dict(HERE)
    assert "should be the same to the last digit" in retrain_sentence(97.59, HERE, saved, seeds)
    assert "trained on AMD EPYC (AVX2, torch 2.14.1, 2 threads)" in retrain_sentence(97.59, {**HERE, "threads": 1},
                                                                                   saved, seeds)


def test_where_a_run_trained_counts_its_threads_as_each_language_does():
    from mnistlab.fingerprint import described
    assert described({**HERE, "threads": 1}).endswith("2.14.1, 1 thread)")
    assert described({**HERE, "threads": 2}, "fr").endswith("2.14.1, 2 threads)")
    assert described({**HERE, "threads": "many"}).endswith("unknown threads)")


def test_a_saved_lesson_trained_elsewhere_says_so_and_one_trained_alike_says_nothing():
    assert elsewhere_sentence(dict(HERE), dict(HERE), 5) == ""
    said = elsewhere_sentence(None, HERE, 5)
    assert said.startswith("Trained on a processor not recorded: retrained on this computer, a run would not give")
    assert "over 5 epochs the difference grows to the size of a change of seed" in said
    assert "Intel Xeon" in elsewhere_sentence({**HERE, "cpu": "Intel Xeon", "isa": "AVX512"}, HERE, 5, "fr")
    (default,) = [load_lesson(p) for p in saved_lessons() if "slips" not in p.name]
    assert default.trained_on is None  # trained before fingerprints: never called bit-comparable


def test_the_courses_numbers_come_with_what_its_code_does_in_both_languages(tiny_root, capsys):
    assert "never calls model.eval()" in course_numbers_note() and "96.96%" in course_numbers_note()
    assert "n'appelle jamais model.eval()" in course_numbers_note("fr") and "« légère amélioration »" in \
        course_numbers_note("fr")
    main(["course", "--seeds", "1", "--epochs", "1", "--data-dir", str(tiny_root), "--no-download"])
    assert course_numbers_note() in capsys.readouterr().out
