"""The figures carry the right traces; the compare table lists only the settings that differ."""
import torch

from mnistlab import plots
from mnistlab.config import RunConfig, preset
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
    assert len(figure.data) == 4
    assert list(by_axis["train", "y"].y) == [0.5, 0.3, 0.25] and list(by_axis["train", "y"].x) == [1.0, 2.0, 2.5]
    assert list(by_axis["validation", "y"].y) == [0.4, 0.35]
    assert list(by_axis["train", "y2"].y) == [85.0, 91.0] and list(by_axis["validation", "y2"].y) == [88.0, 90.0]
    assert list(figure.layout.xaxis.range) == [0, 4.1]


def test_overlay_gives_each_run_its_colour_for_validation_and_train():
    runs = {"1. baseline": Run(RunConfig(), HISTORY, "completed"), "2. L2": Run(preset("l2"), HISTORY[:1], "stopped")}
    figure = plots.overlay(runs)
    assert [t.name for t in figure.data] == ["1. baseline", "1. baseline", "2. L2", "2. L2"]
    assert [t.showlegend for t in figure.data] == [None, False, None, False]  # one legend entry per run
    colours = [t.line.color for t in figure.data]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    assert list(figure.data[2].y) == [0.4] and figure.data[3].line.dash == "dash"


def test_confusion_figure_has_counts_and_one_clickable_marker_per_cell():
    confusion = [[5, 1, 0], [2, 7, 0], [0, 0, 9]]
    figure = plots.confusion_figure(confusion, ["a", "b", "c"], selected=(1, 0))
    heatmap, cells = figure.data
    assert heatmap.type == "heatmap" and [list(r) for r in heatmap.text] == confusion
    assert cells.type == "scatter" and len(cells.x) == 9
    assert [list(c) for c in cells.customdata][3] == [1, 0] and (cells.y[3], cells.x[3]) == ("b", "a")
    assert len(figure.layout.shapes) == 1 and figure.layout.shapes[0].x0 == -0.5


def test_digit_grid_tiles_every_image_under_its_title():
    images = torch.full((5, 28, 28), 200, dtype=torch.uint8)
    figure = plots.digit_grid(images, [f"d{i}" for i in range(5)], columns=3)
    (heatmap,) = figure.data
    canvas = torch.tensor(heatmap.z)
    assert canvas.shape == (2 * 36, 3 * 36)
    assert int((canvas == 200).sum()) == 5 * 28 * 28  # every pixel of every image, nothing else
    assert [a.text for a in figure.layout.annotations] == ["d0", "d1", "d2", "d3", "d4"]


def test_per_class_and_class_count_figures():
    bars = plots.per_class_figure([99.0, 90.0, 95.0], ["0", "1", "2"])
    assert list(bars.data[0].y) == [99.0, 90.0, 95.0] and bars.data[0].marker.color[1] == plots.VAL
    counts = plots.class_counts_figure([5, 6], [1, 2], ["0", "1"])
    assert [t.name for t in counts.data] == ["train file", "test file"] and list(counts.data[1].y) == [1, 2]


def test_compare_rows_list_the_differing_settings_and_each_runs_numbers():
    runs = {"1. baseline": Run(RunConfig(), HISTORY, "completed", seconds=12.34),
            "2. dropout 0.2": Run(preset("dropout", hidden=(128, 64)), HISTORY[:1], "stopped")}
    rows = plots.compare_rows(runs)
    assert set(rows[0]) == {"run", "hidden", "dropout", "best val loss", "test accuracy (%)",
                            "train − val accuracy (points)", "epochs done", "time (s)", "status"}
    assert rows[0]["hidden"] == "256-256" and rows[1]["hidden"] == "128-64" and rows[1]["dropout"] == 0.2
    assert (rows[0]["epochs done"], rows[1]["epochs done"]) == (2.0, 1.0)
    assert rows[0]["best val loss"] == 0.35 and rows[1]["best val loss"] == 0.4
    assert rows[0]["train − val accuracy (points)"] == 1.0 and rows[1]["train − val accuracy (points)"] == -3.0
    assert rows[0]["time (s)"] == 12.3 and rows[1]["status"] == "stopped"


def test_describe_names_what_a_config_changes():
    assert plots.describe(RunConfig()) == "baseline"
    assert plots.describe(preset("l2")) == "L2 1e-05"
    described = plots.describe(preset("batchnorm", epochs=1, dataset="fashion-mnist"))
    assert described == "BatchNorm, epochs 1, fashion-mnist"
    assert plots.describe(RunConfig(hidden=(512, 512))) == "hidden 512-512"
    assert plots.describe(RunConfig(hidden=(64,) + (32,) * 30 + (16,))) == "hidden 64-32×30-16"
