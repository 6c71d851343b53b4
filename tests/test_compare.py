"""Compare: the session's runs grouped by setting, their seeds and spread, identical runs kept visible, five runs
readable, and the page pointing to the Lesson for a verdict."""
import pytest

from mnistlab import compare, plots
from mnistlab.config import preset
from mnistlab.evaluation import Evaluation
from mnistlab.runs import Run


def run(variant="baseline", seed=0, accuracy=97.25, val=(0.15, 0.12, 0.1, 0.09, 0.09), **changes):
    history = [{"epoch": float(e + 1), "train_loss": v - 0.05, "train_accuracy": 96.0, "val_loss": v,
                "val_accuracy": 96.5 + e + seed / 10} for e, v in enumerate(val)]
    evaluation = Evaluation(0.1, accuracy, [accuracy] * 10, [[0] * 10 for _ in range(10)], [])
    return Run(preset(variant, seed=seed, epochs=len(val), **changes), history, "completed", "", evaluation)


def test_runs_are_grouped_by_setting_with_their_seeds_and_spread():
    runs = {"1. baseline": run(), "2. baseline, seed 1": run(seed=1, accuracy=97.66), "3. dropout": run("dropout"),
            "4. baseline again": run()}
    baseline, dropout = compare.settings(runs)
    assert baseline.labels == ("1. baseline", "2. baseline, seed 1", "4. baseline again")
    assert baseline.seeds == (0, 1) and baseline.test_accuracy == (97.25, 97.66)  # seed 0 twice is one seed
    assert baseline.spread == (97.25, 97.66) and dropout.seeds == (0,) and dropout.spread is None
    rows = compare.seed_rows([baseline, dropout])
    assert rows[0] == {"setting": "baseline", "seeds": 2, "test accuracy (%), mean ± sd": "97.45 ± 0.29",
                       "lowest – highest seed (%)": "97.25 – 97.66"}
    assert rows[1]["lowest – highest seed (%)"] == "—" and rows[1]["seeds"] == 1


def test_the_note_gives_the_seed_spread_and_points_to_the_lesson_in_both_languages():
    runs = {"1": run(), "2": run(seed=1, accuracy=97.66), "3": run("batchnorm", accuracy=97.51)}
    note = compare.seed_note(compare.settings(runs), None)
    assert "a change of seed alone moves the test accuracy of baseline by 0.41 points (over its 2 seeds)" in note
    assert "the **Lesson** page trains each variant on several seeds and says which differences are significant" in note
    assert "de 0,41 points (sur ses 2 graines)" in compare.seed_note(compare.settings(runs), None, "fr")
    alone = compare.settings({"1": run(), "3": run("batchnorm")})
    saved = (preset("baseline"), (97.25, 97.33, 97.54, 97.65, 97.65))
    assert "In the saved lesson, 5 seeds of baseline spread from 97.25 to 97.65 % (0.40 points) by chance alone" in \
        compare.seed_note(alone, saved) and "Each setting here has one seed" not in compare.seed_note(alone, saved)
    both = compare.seed_note(compare.settings(runs), saved)
    assert both.index("by 0.41 points (over its 2 seeds)") < both.index("In the saved lesson, 5 seeds")
    assert "a few tenths of a point" in compare.seed_note(alone, None)


def test_the_saved_lessons_seeds_of_a_setting_are_found_else_the_baselines():
    from mnistlab.lesson.files import load_lesson, saved_lessons
    lessons = [load_lesson(path) for path in saved_lessons()]
    config, accuracies = compare.saved_seeds(compare.settings({"1": run("dropout")}), lessons)
    assert config.dropout > 0 and len(accuracies) == 5
    config, accuracies = compare.saved_seeds(compare.settings({"1": run(lr=0.01)}), lessons)  # none saved: baseline's
    assert config == preset("baseline").replace(device="cpu") and accuracies == (97.25, 97.33, 97.54, 97.65, 97.65)


def test_identical_runs_are_found_and_drawn_thinner_on_top_so_both_show():
    runs = {"1. baseline": run(), "2. dropout": run("dropout", val=(0.14, 0.10, 0.1, 0.09, 0.09)), "3. baseline": run()}
    assert compare.identical(runs) == [("1. baseline", "3. baseline")]
    figure = plots.overlay(runs)
    widths = {trace.name: trace.line.width for trace in figure.data if trace.mode == "lines+markers" and
              trace.line.dash is None and trace.xaxis == "x"}
    assert widths["3. baseline"] < widths["1. baseline"] == widths["2. dropout"]
    stars = {trace.name: trace.marker.size for trace in figure.data if trace.marker.symbol == "star"}
    assert stars["3. baseline"] < stars["1. baseline"]
    assert compare.identical({"1": run(), "2": run(seed=1)}) == []


def test_five_runs_stay_readable_no_gap_shadings_smaller_stars_and_a_symbol_each():
    runs = {f"{i}. baseline": run(seed=i, val=(0.15, 0.12 + i / 100, 0.1, 0.09, 0.09)) for i in range(5)}
    figure = plots.overlay(runs)
    assert not [trace for trace in figure.data if trace.fill == "toself"]  # the gaps are the table's column
    assert {trace.marker.size for trace in figure.data if trace.marker.symbol == "star"} == {16}
    symbols = {trace.marker.symbol for trace in figure.data if trace.mode == "lines+markers" and trace.xaxis == "x"
               and trace.line.dash is None}
    assert len(symbols) == 5
    two = plots.overlay(dict(list(runs.items())[:2]))
    assert len([trace for trace in two.data if trace.fill == "toself"]) == 2


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_setting_name_and_its_counts_are_said_in_the_language(lang):
    rows = compare.seed_rows(compare.settings({"1": run("dropout"), "2": run("dropout", seed=3, accuracy=97.5)}), lang)
    assert list(rows[0].values())[1] == 2 and ("97,38" if lang == "fr" else "97.38") in list(rows[0].values())[2]
