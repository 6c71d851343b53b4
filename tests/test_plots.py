"""The figures carry the right traces; the compare table lists only the settings that differ."""
import torch

from mnistlab import digit_plots, plots
from mnistlab.config import RunConfig, preset
from mnistlab.lesson.verdicts import GAP_NAME
from mnistlab.messages import divergence_message
from mnistlab.runs import Run
from mnistlab.training import Progress

HISTORY = [
    {"epoch": 1.0, "train_loss": 0.5, "train_accuracy": 85.0, "val_loss": 0.4, "val_accuracy": 88.0, "seconds": 1.0},
    {"epoch": 2.0, "train_loss": 0.3, "train_accuracy": 91.0, "val_loss": 0.35, "val_accuracy": 90.0, "seconds": 1.0},
]


def test_training_curves_draw_train_and_validation_loss_and_accuracy_with_the_live_point():
    progress = Progress(epoch=2, epochs=4, step=250, steps=400, running_loss=0.25, elapsed=3, eta=2,
                        history=tuple(HISTORY))
    x, y = plots.live_point(progress)
    assert (x, y) == (2.5, 0.25)
    figure = plots.training_curves(HISTORY, (x, y), epochs=4)
    by_axis = {(t.name, t.yaxis): t for t in figure.data}
    assert sum(t.name in ("train", "validation") for t in figure.data) == 4
    assert list(by_axis["train", "y"].y) == [0.5, 0.3, 0.25] and list(by_axis["train", "y"].x) == [1.0, 2.0, 2.5]
    assert list(by_axis["validation", "y"].y) == [0.4, 0.35]
    assert list(by_axis["train", "y2"].y) == [85.0, 91.0] and list(by_axis["validation", "y2"].y) == [88.0, 90.0]
    assert list(figure.layout.xaxis.range) == [-0.1, 4.1] and figure.layout.xaxis.dtick == 1  # whole epochs only


def test_overlay_gives_each_run_its_colour_for_loss_and_accuracy():
    runs = {"1. baseline": Run(RunConfig(), HISTORY, "completed"), "2. L2": Run(preset("l2"), HISTORY[:1], "stopped")}
    figure = plots.overlay(runs)
    figure.data = [t for t in figure.data if t.fill != "toself" and t.marker.symbol != "star"]  # overfitting marks
    assert [t.name for t in figure.data] == ["1. baseline"] * 4 + ["2. L2"] * 4
    assert [t.showlegend for t in figure.data] == [True, False, False, False] * 2  # one legend entry per run
    colours = [t.line.color for t in figure.data]
    assert len(set(colours[:4])) == 1 and colours[0] != colours[4]
    loss, accuracy = [t for t in figure.data if t.yaxis == "y"], [t for t in figure.data if t.yaxis == "y2"]
    assert list(loss[2].y) == [0.4] and loss[3].line.dash == "dash" and list(accuracy[0].y) == [88.0, 90.0]
    assert figure.layout.xaxis.dtick == 1 and figure.layout.xaxis2.dtick == 1


DIVERGED = Run(RunConfig(lr=10.0), [{"epoch": 0.0013, "train_loss": 1.3e8, "train_accuracy": 9.0, "val_loss": 2.1e8,
                                     "val_accuracy": 9.8, "seconds": 0.1}], "diverged",
               divergence_message(1.3e8, 0, 1, 10.0))


def test_a_diverged_run_in_the_overlay_does_not_rescale_the_others():
    figure = plots.overlay({"1. baseline": Run(RunConfig(), HISTORY, "completed"), "2. lr 10": DIVERGED})
    low, high = figure.layout.yaxis.range
    assert low == 0 and 0.5 <= high < 1  # fitted to the baseline's losses (0.3 to 0.5), not to 2.1e8
    accuracy_low = figure.layout.yaxis2.range[0]
    assert 80 <= accuracy_low <= 85  # the baseline's 85–91 %, not the diverged run's 9 %
    diverged = [t for t in figure.data if t.name == "2. lr 10" and t.yaxis == "y"]
    assert all(y <= high for t in diverged for y in t.y) and list(diverged[0].customdata) == [2.1e8]  # hover: real
    (mark,) = [t for t in figure.data if t.mode == "markers+text"]
    assert mark.text[0].strip() == "diverged: loss 2.1 × 10⁸" and mark.y[0] <= high


def test_a_lone_diverged_run_gets_whole_epochs_and_a_log_axis():
    figure = plots.overlay({"1. lr 10": DIVERGED})
    assert list(figure.layout.xaxis.range) == [-0.1, 5.1] and figure.layout.yaxis.type == "log"
    curves = plots.training_curves(DIVERGED.history, epochs=5, diverged=True)
    assert list(curves.layout.xaxis.range) == [-0.1, 5.1] and curves.layout.yaxis.range[1] < 10
    assert list(curves.layout.yaxis2.range) == [0, 100]


def test_the_live_and_results_curves_keep_the_scale_of_the_epochs_before_a_divergence():
    blown = HISTORY + [{"epoch": 2.31, "train_loss": 340.0, "train_accuracy": 40.0, "val_loss": 5e4,
                        "val_accuracy": 10.0, "seconds": 1.0}]
    figure = plots.training_curves(blown, epochs=5, diverged=True)
    assert 0.5 <= figure.layout.yaxis.range[1] < 1
    assert any(t.mode == "markers+text" and "5.0 × 10⁴" in t.text[0] for t in figure.data)


def test_epochs_done_says_how_far_a_run_got():
    assert plots.epochs_done(Run(RunConfig(epochs=2), HISTORY, "completed")) == "2 of 2"
    stopped = [dict(HISTORY[0]), dict(HISTORY[1], epoch=1.844)]
    assert plots.epochs_done(Run(RunConfig(), stopped, "stopped")) == "1 of 5 (stopped in epoch 2)"
    assert plots.epochs_done(Run(RunConfig(), HISTORY, "stopped")) == "2 of 5 (stopped)"
    assert plots.epochs_done(DIVERGED) == "0 of 5 (diverged at step 2 in epoch 1)"
    assert plots.epochs_done(Run(RunConfig(), [], "stopped")) == "0 of 5 (stopped)"


def test_confusion_figure_has_counts_and_one_clickable_marker_per_cell():
    confusion = [[5, 1, 0], [2, 7, 0], [0, 0, 9]]
    figure = digit_plots.confusion_figure(confusion, ["a", "b", "c"], selected=(1, 0))
    heatmap, cells = figure.data
    assert heatmap.type == "heatmap" and [list(r) for r in heatmap.text] == confusion
    assert cells.type == "scatter" and len(cells.x) == 9
    assert [list(c) for c in cells.customdata][3] == [1, 0] and (cells.y[3], cells.x[3]) == ("b", "a")
    assert len(figure.layout.shapes) == 1 and figure.layout.shapes[0].x0 == -0.5


def test_digit_grid_tiles_every_image_under_its_title():
    images = torch.full((5, 28, 28), 200, dtype=torch.uint8)
    figure = digit_plots.digit_grid(images, [f"d{i}" for i in range(5)], columns=3)
    (heatmap,) = figure.data
    canvas = torch.tensor(heatmap.z)
    assert canvas.shape[1] == 3 * 36 and canvas.shape[0] > 2 * 28  # two rows, each with its title band
    assert int((canvas == 200).sum()) == 5 * 28 * 28  # every pixel of every image, nothing else
    assert [a.text for a in figure.layout.annotations] == ["d0", "d1", "d2", "d3", "d4"]


def test_long_gallery_titles_are_wrapped_so_that_none_overlaps():
    titles = ["T-shirt/top→Ankle boot 100%", "Trouser→Dress 99%", "3→5 98%"]
    figure = digit_plots.digit_grid(torch.zeros((3, 28, 28), dtype=torch.uint8), titles, columns=8)
    texts = [a.text for a in figure.layout.annotations]
    assert texts[0] == "T-shirt/top→<br>Ankle boot<br>100%" and texts[2] == "3→5 98%"
    cell_pixels = 1100 / 8
    assert all(len(line) * digit_plots.SMALLEST_TEXT * 0.55 <= cell_pixels for t in texts for line in t.split("<br>"))
    assert all(a.font.size >= 18 for a in figure.layout.annotations)


def test_the_confusion_matrix_numbers_its_columns_when_class_names_are_long():
    names = ["T-shirt/top", "Trouser", "Ankle boot"]
    figure = digit_plots.confusion_figure([[5, 1, 0], [2, 7, 0], [0, 0, 9]], names)
    assert list(figure.layout.xaxis.ticktext) == ["0", "1", "2"] and list(figure.layout.xaxis.tickvals) == names
    assert list(figure.layout.yaxis.ticktext) == ["T-shirt/top · 0", "Trouser · 1", "Ankle boot · 2"]
    assert figure.layout.xaxis.tickangle == 0 and figure.data[0].textfont.size >= 18
    digits = digit_plots.confusion_figure([[1, 0], [0, 1]], ["0", "1"])
    assert list(digits.layout.xaxis.ticktext) == ["0", "1"]


def test_per_class_and_class_count_figures():
    bars = digit_plots.per_class_figure([99.0, 90.0, 95.0], ["0", "1", "2"])
    assert list(bars.data[0].y) == [99.0, 90.0, 95.0] and bars.data[0].marker.color[1] == plots.VAL
    start = bars.layout.yaxis.range[0]
    assert start == 85 and "axis starts at 85 %" in bars.layout.title.text  # round, below the lowest, said
    assert digit_plots.axis_start([97.1, 98.9]) == 95 and digit_plots.axis_start([62.0, 97.3]) == 50
    assert digit_plots.axis_start([3.0, 99.0]) == 0
    counts = digit_plots.class_counts_figure([5, 6], [1, 2], ["0", "1"])
    assert [t.name for t in counts.data] == ["train file", "test file"] and list(counts.data[1].y) == [1, 2]


def test_compare_rows_list_the_differing_settings_and_each_runs_numbers():
    runs = {"1. baseline": Run(RunConfig(), HISTORY, "completed", seconds=12.34),
            "2. dropout 0.2": Run(preset("dropout", hidden=(128, 64)), HISTORY[:1], "stopped")}
    rows = plots.compare_rows(runs)
    assert set(rows[0]) == {"run", "hidden layers", "dropout", "best val loss", "test accuracy (%)", GAP_NAME, "epochs done",
                            "time (s)", "status"}
    assert rows[0]["hidden layers"] == "256-256" and rows[1]["hidden layers"] == "128-64" and rows[1]["dropout"] == 0.2
    assert (rows[0]["epochs done"], rows[1]["epochs done"]) == ("2 of 5", "1 of 5 (stopped)")
    assert rows[0]["best val loss"] == 0.35 and rows[1]["best val loss"] == 0.4
    assert rows[0][GAP_NAME] == 0.05 and rows[1][GAP_NAME] == -0.1  # validation − training loss, last epoch
    assert rows[0]["time (s)"] == 12.3 and rows[1]["status"] == "stopped"


def test_describe_names_what_a_config_changes():
    assert plots.describe(RunConfig()) == "baseline"
    assert plots.describe(preset("l2")) == "L2 10⁻⁵"
    described = plots.describe(preset("batchnorm", epochs=1, dataset="fashion-mnist"))
    assert described == "BatchNorm, epochs 1, fashion-mnist"
    assert plots.describe(RunConfig(hidden=(512, 512))) == "hidden 512-512"
    assert plots.describe(RunConfig(hidden=(64,) + (32,) * 30 + (16,))) == "hidden 64-32×30-16"


def test_loss_charts_mark_the_best_validation_epoch_shade_the_gap_and_draw_the_step_curve():
    history = [row | {"step_losses": [[row["epoch"] - 0.5, row["train_loss"] + 0.1]]} for row in HISTORY]
    history.append({**HISTORY[1], "epoch": 3.0, "val_loss": 0.5, "train_loss": 0.2})
    figure = plots.training_curves(history, epochs=4, steps=[(3.4, 0.15)], lang="fr")
    traces = {t.name: t for t in figure.data}
    assert list(traces["meilleure validation"].x) == [2.0] and list(traces["meilleure validation"].y) == [0.35]
    assert traces["écart entraînement–validation"].fill == "toself"
    assert list(traces["entraînement, tous les 25 pas"].x) == [0.5, 1.5, 3.4]
    runs = {"a": Run(preset("baseline"), history, "completed"), "b": Run(preset("l2"), HISTORY, "completed")}
    stars = [t for t in plots.overlay(runs).data if t.marker.symbol == "star"]
    assert [(t.legendgroup, list(t.x)) for t in stars] == [("a", [2.0]), ("b", [2.0])]



def test_the_overlay_draws_a_run_stopped_before_its_first_step():
    empty = Run(RunConfig(epochs=3), [], "stopped", "Stopped by the user during epoch 1.", seconds=0.1)
    figure = plots.overlay({"1. stopped": empty})
    assert tuple(figure.layout.xaxis.range) == (-0.1, 3.1)  # its planned epochs, though it has none to draw
