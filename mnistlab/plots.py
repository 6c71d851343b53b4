"""Plotly figures and tables drawn from runs: curves, overlays, confusion matrix, digit grids; sized for a projector."""
from __future__ import annotations

import dataclasses
import itertools
import textwrap

import plotly.colors
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from . import i18n
from .config import RunConfig
from .lesson import VARIANT_NAMES, ArmSummary
from .runs import Run
from .training import Progress

COLOURS = plotly.colors.qualitative.D3
# the app's own font; one family name, as Plotly measures legends with it
FONT = {"size": 20, "family": "Source Sans, sans-serif"}
TRAIN, VAL = "#1F77B4", "#D62728"
SEPARATORS = {"en": ".,", "fr": ",\u202f"}  # Plotly's decimal and thousands marks (hover texts) per language
# Settings named in a run's label when they differ from the course baseline (dataset, device last).
LABEL_FIELDS = ("hidden", "weight_decay", "dropout", "batchnorm", "lr", "epochs", "batch_size", "val_fraction",
                "seed", "slips", "dataset")


def describe(config: RunConfig) -> str:
    """A short name for a config: what it changes from the course's baseline ('baseline' when nothing)."""
    base = RunConfig()
    parts = []
    for name in LABEL_FIELDS:
        value = getattr(config, name)
        if value == getattr(base, name):
            continue
        if name == "batchnorm":
            parts.append("BatchNorm" if value else "no BatchNorm")
        elif name == "weight_decay":
            parts.append(f"L2 {value:g}")
        elif name == "hidden":
            parts.append(f"hidden {layer_sizes(value)}")
        elif name == "slips":
            parts.append(f"slips {'-'.join(value) or 'none'}")
        elif name == "dataset":
            parts.append(value)
        else:
            parts.append(f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}")
    return ", ".join(parts) or "baseline"


def layer_sizes(hidden: tuple[int, ...]) -> str:
    """Hidden sizes joined by '-', three or more equal ones in a row as 'size×count': (256,) * 8 + (10,) is 256×8-10."""
    runs = [(size, len(list(group))) for size, group in itertools.groupby(hidden)]
    return "-".join(f"{size}×{count}" if count >= 3 else "-".join([str(size)] * count) for size, count in runs)


def live_point(progress: Progress) -> tuple[float, float]:
    """Where the epoch under way stands: (fractional epoch, mean training loss so far in it)."""
    steps_per_epoch = progress.steps / progress.epochs
    done_in_epoch = progress.step - progress.epoch * steps_per_epoch
    return progress.epoch + min(done_in_epoch / steps_per_epoch, 1.0), progress.running_loss


def training_curves(history: list[dict], live: tuple[float, float] | None = None,
                    epochs: int | None = None) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch for train and validation; `live` extends the train loss."""
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    x = [row["epoch"] for row in history]
    live_x, live_y = ([live[0]], [live[1]]) if live else ([], [])
    for column, metric, unit in ((1, "loss", ""), (2, "accuracy", " (%)")):
        for part, colour, name in (("train", TRAIN, "train"), ("val", VAL, "validation")):
            extra = (live_x, live_y) if (part, metric) == ("train", "loss") else ([], [])
            figure.add_trace(go.Scatter(x=x + extra[0], y=[row[f"{part}_{metric}"] for row in history] + extra[1],
                                        name=name, mode="lines+markers", line={"width": 3, "color": colour},
                                        marker={"size": 10}, legendgroup=part, showlegend=column == 1), 1, column)
        figure.update_yaxes(title_text=metric + unit, row=1, col=column)
    figure.update_yaxes(rangemode="tozero", row=1, col=1)  # a loss is never negative
    if not history:  # no accuracy before the first epoch ends: show its scale rather than an empty -1…4
        figure.update_yaxes(range=[0, 100], row=1, col=2)
    if epochs:  # a fixed axis: the curves grow into it instead of rescaling at every redraw
        figure.update_xaxes(range=[0, epochs + 0.1])
    figure.update_xaxes(title_text="epoch")
    return _styled(figure, height=440)


def overlay(runs: dict[str, Run]) -> go.Figure:
    """Validation (solid) and train (dashed) loss per epoch of every run, one colour per run."""
    figure = go.Figure()
    for i, (label, run) in enumerate(runs.items()):
        colour = COLOURS[i % len(COLOURS)]
        x = [row["epoch"] for row in run.history]
        # One legend entry per run; clicking it hides both of the run's curves.
        figure.add_trace(go.Scatter(x=x, y=[row["val_loss"] for row in run.history], name=label, mode="lines+markers",
                                    line={"color": colour, "width": 3}, legendgroup=label,
                                    hovertemplate="validation loss %{y:.4f}<extra>%{fullData.name}</extra>"))
        figure.add_trace(go.Scatter(x=x, y=[row["train_loss"] for row in run.history], name=label,
                                    mode="lines+markers", line={"color": colour, "width": 2, "dash": "dash"},
                                    marker={"symbol": "circle-open"}, legendgroup=label, showlegend=False,
                                    hovertemplate="train loss %{y:.4f}<extra>%{fullData.name}</extra>"))
    figure.update_layout(xaxis_title="epoch", yaxis_title="loss: validation ━ train ╌")
    return _styled(figure, height=520)


def confusion_figure(confusion: list[list[int]], classes: list[str],
                     selected: tuple[int, int] | None = None) -> go.Figure:
    """A heatmap of confusion[true][predicted] with counts, plus one invisible marker per cell for click selection."""
    n = len(classes)
    counts = torch.tensor(confusion, dtype=torch.float)
    # Colour by the log of the count: the diagonal's thousands would otherwise wash out every mistake.
    figure = go.Figure(go.Heatmap(z=counts.log1p().tolist(), x=classes, y=classes, text=confusion,
                                  texttemplate="%{text}", textfont={"size": 17}, colorscale="Blues",
                                  showscale=False, hoverinfo="skip"))
    cells = [(t, p) for t in range(n) for p in range(n)]
    figure.add_trace(go.Scatter(
        x=[classes[p] for _, p in cells], y=[classes[t] for t, _ in cells], mode="markers",
        marker={"symbol": "square", "size": 30, "opacity": 0.01, "color": "#000000"},
        customdata=[[t, p] for t, p in cells], showlegend=False, name="cells",
        hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>", text=[confusion[t][p] for t, p in cells]))
    if selected is not None:
        t, p = selected
        figure.add_shape(type="rect", x0=p - 0.5, x1=p + 0.5, y0=t - 0.5, y1=t + 0.5,
                         line={"color": "#D62728", "width": 4})
    figure.update_xaxes(title_text="predicted", type="category", side="top", showgrid=False)
    figure.update_yaxes(title_text="true", type="category", autorange="reversed", showgrid=False)
    figure.update_layout(clickmode="event+select", dragmode=False)
    return _styled(figure, height=620, legend=False)


def per_class_figure(per_class_accuracy: list[float], classes: list[str]) -> go.Figure:
    """Test accuracy of each class as bars, the weakest in red."""
    worst = min(range(len(per_class_accuracy)), key=per_class_accuracy.__getitem__)
    colours = [VAL if i == worst else TRAIN for i in range(len(classes))]
    figure = go.Figure(go.Bar(x=classes, y=per_class_accuracy, text=[f"{a:.1f}" for a in per_class_accuracy],
                              textposition="inside", insidetextanchor="end", textangle=0,
                              textfont={"color": "white", "size": 14},
                              marker_color=colours))  # inside: above the bars they met the axis's top tick
    low = min(per_class_accuracy)
    figure.update_yaxes(title_text="test accuracy (%)", range=[max(0.0, low - (100 - low) * 0.5 - 1), 100.5])
    figure.update_xaxes(type="category")
    return _styled(figure, height=380, legend=False)


def digit_grid(images: torch.Tensor, titles: list[str], columns: int = 8) -> go.Figure:
    """uint8 images (n, 28, 28) tiled in one picture, dark ink on white, a title above each."""
    n, side = len(images), images.shape[-1]
    rows, cell = max(1, -(-n // columns)), side + 8  # 8 pixels of margin around each digit
    canvas = torch.zeros(rows * cell, columns * cell, dtype=torch.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        canvas[r * cell + 6: r * cell + 6 + side, c * cell + 4: c * cell + 4 + side] = image
    figure = go.Figure(go.Heatmap(z=canvas.tolist(), colorscale="Greys", zmin=0, zmax=255, showscale=False,
                                  hoverinfo="skip"))
    for i, title in enumerate(titles):
        r, c = divmod(i, columns)
        figure.add_annotation(x=c * cell + cell / 2 - 0.5, y=r * cell + 2.5, text=title, showarrow=False,
                              font={"size": 16, "color": "#111111"})
    figure.update_xaxes(visible=False, range=[-0.5, columns * cell - 0.5], constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    # Height for a page about 1100 pixels wide, so the square cells fill the width without bands above and below.
    return _styled(figure, height=max(160, rows * 1100 // columns), legend=False,
                   margin={"l": 4, "r": 4, "t": 4, "b": 4})


def class_counts_figure(train_counts: list[int], test_counts: list[int], classes: list[str]) -> go.Figure:
    """Images per class in the training and test files, side by side."""
    figure = go.Figure([go.Bar(x=classes, y=train_counts, name="train file", marker_color=TRAIN),
                        go.Bar(x=classes, y=test_counts, name="test file", marker_color=VAL)])
    figure.update_layout(barmode="group", yaxis_title="images")
    figure.update_xaxes(type="category")
    return _styled(figure, height=380)


def compare_rows(runs: dict[str, Run]) -> list[dict]:
    """One row per run: the settings that differ between the runs, then what each run reached."""
    configs = [dataclasses.asdict(run.config) for run in runs.values()]
    differing = [name for name in configs[0] if len({repr(c[name]) for c in configs}) > 1] if configs else []
    rows = []
    for (label, run), config in zip(runs.items(), configs):
        last = run.history[-1] if run.history else None
        row = {"run": label, **{name: _cell(config[name]) for name in differing}}
        row["best val loss"] = _rounded(min((r["val_loss"] for r in run.history), default=None), 4)
        row["test accuracy (%)"] = _rounded(run.test_accuracy, 2)
        gap = None if last is None else round(last["train_accuracy"] - last["val_accuracy"], 2)
        row["train − val accuracy (points)"] = gap
        row["epochs done"] = None if last is None else last["epoch"]
        row["time (s)"] = round(run.seconds, 1)
        row["status"] = run.status
        rows.append(row)
    return rows


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _cell(value):
    """A setting as a table cell: sequences as text so every column has one type."""
    return ("-".join(map(str, value)) or "none") if isinstance(value, (list, tuple)) else value


def _styled(figure: go.Figure, height: int, legend: bool = True, margin: dict | None = None) -> go.Figure:
    """Large type, white background, legend on top: readable on a projected wall."""
    figure.update_layout(height=height, font=FONT, template="plotly_white", showlegend=legend, uirevision="keep",
                         margin=margin or {"l": 60, "r": 10, "t": 60, "b": 50},
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0})
    for annotation in figure.layout.annotations or ():
        if annotation.font.size is None:
            annotation.font.size = 20
    return figure


def seed_bands(summaries: dict[str, ArmSummary], y_range: tuple[float, float] | None = None) -> go.Figure:
    """Validation loss per epoch of each variant: the mean over seeds as a line, the min–max over seeds as a band."""
    figure = go.Figure()
    for variant, summary in summaries.items():
        colour = COLOURS[list(VARIANT_NAMES).index(variant)]  # a variant keeps its colour whichever are drawn
        epochs = list(range(1, len(summary.val_loss_mean) + 1))
        name = VARIANT_NAMES[variant]
        red, green, blue = plotly.colors.hex_to_rgb(colour)
        band = list(summary.val_loss_max) + list(summary.val_loss_min)[::-1]  # along the top, back along the bottom
        figure.add_trace(go.Scatter(x=epochs + epochs[::-1], y=band, fill="toself", mode="lines", line={"width": 0},
                                    fillcolor=f"rgba({red},{green},{blue},0.18)", hoverinfo="skip", showlegend=False,
                                    legendgroup=variant))
        figure.add_trace(go.Scatter(x=epochs, y=summary.val_loss_mean, name=name, mode="lines+markers",
                                    line={"color": colour, "width": 3}, marker={"size": 9}, legendgroup=variant,
                                    hovertemplate=f"epoch %{{x}}: mean %{{y:.4f}}<extra>{name}</extra>"))
    figure.update_xaxes(title_text="epoch", dtick=1)
    figure.update_yaxes(title_text="validation loss", range=y_range)
    return _styled(figure, height=480)


def probability_bars(readings: list, columns: int = 4, lang: str = "en") -> go.Figure:
    """Each run's ten class probabilities (digits.Reading with probabilities) as bars, side by side, its guess in red.

    Horizontal bars, class 0 on top: Fashion-MNIST's class names stay readable. MNIST's '7 - seven' shows as '7'.
    Numbers as `lang` writes them (97 % / 97,5 %). A long run label wraps, so that side by side titles never overlap.
    """
    n = len(readings)
    columns = max(1, min(columns, n))
    rows = max(1, -(-n // columns))
    titles = []
    for reading in readings:
        guess = reading.classes[reading.predicted].split(" - ")[0]
        sure = i18n.percent(100 * reading.probabilities[reading.predicted], lang, 0)
        label = "<br>".join(textwrap.wrap(reading.label, max(16, 72 // columns), break_on_hyphens=False))
        titles.append(f"{label}<br><b>{guess}</b> ({sure})")
    lines = max((title.count("<br>") + 1 for title in titles), default=2)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.12,
                           vertical_spacing=0.3 / rows)
    for i, reading in enumerate(readings):
        percents = [100 * p for p in reading.probabilities]
        names = [name.split(" - ")[0] for name in reading.classes]
        colours = [VAL if k == reading.predicted else TRAIN for k in range(len(names))]
        figure.add_trace(go.Bar(x=percents, y=names, orientation="h", marker_color=colours, showlegend=False,
                                text=[f"{p:.0f}" if p >= 0.5 else "" for p in percents], textposition="outside",
                                cliponaxis=False, hovertemplate="%{y}: %{x:.1f} %<extra>" + reading.label + "</extra>"),
                         row=i // columns + 1, col=i % columns + 1)
    figure.update_xaxes(range=[0, 115], showticklabels=False, showgrid=False, fixedrange=True)
    figure.update_yaxes(type="category", autorange="reversed", fixedrange=True, tickfont={"size": 18})
    for annotation in figure.layout.annotations:
        annotation.font.size = 18
    figure.update_layout(dragmode=False, separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    top = 36 + 22 * lines  # px: the titles' lines at 18 px
    return _styled(figure, height=top - 10 + 330 * rows, legend=False, margin={"l": 10, "r": 10, "t": top, "b": 10})
