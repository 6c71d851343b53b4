"""Plotly figures and tables drawn from runs: training curves, overlays, the compare table, a lesson's seed bands;
sized for a projector."""
from __future__ import annotations

import dataclasses
import math

import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import i18n
from .compare import identical
from .config import describe, layer_sizes  # noqa: F401 (pages name runs through plots)
from .figure_style import COLOURS, SMALLEST_TEXT, TRAIN, VAL, styled
from .i18n import text
from .inside import best_epoch, step_curve
from .lesson.summary import VARIANT_NAMES, ArmSummary
from .messages import value_in
from .runs import Run
from .training import DIVERGED_LOSS, Progress

RUN_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "pentagon", "hexagon")  # beside colour: runs apart in grey
DIVERGED_MARK = {"symbol": "x", "size": 16, "line": {"width": 2}}


def live_point(progress: Progress) -> tuple[float, float]:
    """Where the epoch under way stands: (fractional epoch, mean training loss so far in it)."""
    steps_per_epoch = progress.steps / progress.epochs
    done_in_epoch = progress.step - progress.epoch * steps_per_epoch
    return progress.epoch + min(done_in_epoch / steps_per_epoch, 1.0), progress.running_loss


def training_curves(history: list[dict], live: tuple[float, float] | None = None,
                    epochs: int | None = None, diverged: bool = False, steps: tuple | list = (),
                    lang: str = "en", height: int = 440) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch for train and validation; `live` extends the train loss, `steps`
    (the epoch under way's smoothed loss) extends the finished epochs' step curve; the best validation epoch is
    marked and the train–validation loss gap shaded.
    A diverged run's last (blown-up) epoch does not set the scale: it is drawn clipped at the top and marked."""
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    x = [row["epoch"] for row in history]
    live_x, live_y = ([live[0]], [live[1]]) if live else ([], [])
    healthy = history[:-1] if diverged and len(history) > 1 else ([] if diverged else history)
    for column, metric, unit in ((1, "loss", ""), (2, "accuracy", " (%)")):
        for part, colour in (("train", TRAIN), ("val", VAL)):
            name = text(lang, f"plots.{part}")
            extra = (live_x, live_y) if (part, metric) == ("train", "loss") else ([], [])
            y = [row[f"{part}_{metric}"] for row in history] + extra[1]
            figure.add_trace(go.Scatter(x=x + extra[0], y=y, name=name, mode="lines+markers",
                                        line={"width": 3, "color": colour}, marker={"size": 10}, legendgroup=part,
                                        showlegend=column == 1,
                                        hovertemplate=text(lang, f"plots.hover.{part}_{metric}")), 1, column)
        figure.update_yaxes(title_text=text(lang, f"plots.{metric}") + unit, row=1, col=column)
    figure.update_yaxes(rangemode="tozero", row=1, col=1)  # a loss is never negative
    _overfitting_marks(figure, healthy, VAL, lang)
    curve = step_curve(history, steps)
    if curve:
        figure.add_trace(go.Scatter(x=[p[0] for p in curve], y=[p[1] for p in curve], mode="lines",
                                    name=i18n.text(lang, "plots.steps"), line={"width": 1.5, "color": TRAIN},
                                    opacity=0.55, hovertemplate=i18n.text(lang, "plots.steps.hover")), 1, 1)
    if diverged and history:
        top = _loss_top([row[k] for row in healthy for k in ("train_loss", "val_loss")] + live_y)
        _mark_diverged(figure, history[-1]["epoch"], max(history[-1]["train_loss"], history[-1]["val_loss"]), top,
                       VAL, epochs or history[-1]["epoch"], lang=lang)
    if not healthy:  # no accuracy before the first epoch ends: show its scale rather than an empty -1…4
        figure.update_yaxes(range=[0, 100], row=1, col=2)
    _epoch_axis(figure, epochs or max(x + live_x, default=1), lang)
    return styled(figure, height=height, lang=lang)


def blew_up(history: list[dict] | tuple) -> bool:
    """Whether a history's last epoch holds a loss the training loop calls diverged (above DIVERGED_LOSS, or not
    finite): what a live chart knows of a divergence before the run itself is returned."""
    return bool(history) and any(not math.isfinite(history[-1][k]) or history[-1][k] > DIVERGED_LOSS
                                 for k in ("train_loss", "val_loss"))


def _loss_top(values: list[float]) -> float:
    """The top of a loss axis fitted to healthy values (1 when there are none: a fresh network's loss is ~2.3)."""
    finite = [v for v in values if math.isfinite(v)]
    return max(finite) * 1.08 if finite else 2.5


def _mark_diverged(figure: go.Figure, x: float, value: float, top: float, colour: str, epochs: float,
                   cell: tuple[int, int] = (1, 1), lang: str = "en") -> None:
    """Fix the loss axis to [0, top] and mark where a run diverged: an ✕ at the top edge, its loss in words."""
    where = {"row": cell[0], "col": cell[1]}
    figure.update_yaxes(range=[0, top], autorange=False, **where)
    side = "middle left" if x > epochs / 2 else "middle right"  # the words stay inside the plot
    figure.add_trace(go.Scatter(x=[x], y=[top * 0.95], mode="markers+text", showlegend=False,
                                marker={**DIVERGED_MARK, "color": colour, "line": {"width": 1, "color": colour}},
                                text=[" " + text(lang, "plots.diverged", loss=i18n.power(value, lang)) + " "],
                                textposition=side,
                                textfont={"size": SMALLEST_TEXT, "color": colour}, cliponaxis=False,
                                hovertemplate=text(lang, "plots.diverged", loss=i18n.power(value, lang))
                                + "<extra></extra>"), **where)


def _epoch_axis(figure: go.Figure, epochs: float, lang: str = "en") -> None:
    """Whole epochs as ticks from 0 to the planned count: a stopped run's 1.84 is drawn at its x, never ticked."""
    last = max(1, math.ceil(epochs))
    figure.update_xaxes(range=[-0.1, last + 0.1], tick0=0, dtick=1 if last <= 12 else math.ceil(last / 10),
                        title_text=text(lang, "inside.epoch"))


def overlay(runs: dict[str, Run], lang: str = "en") -> go.Figure:
    """Loss (left) and accuracy (right) per epoch of every run: validation solid, train dashed, one colour per run.
    The scales fit the runs that did not diverge; a diverged run is drawn clipped at the edge and marked ✕."""
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    healthy = [run for run in runs.values() if run.status != "diverged"]
    crowded = len(runs) > 2  # shadings and stars of more runs pile up: the gaps are in the table instead
    # a run identical to an earlier one is drawn thinner (its star smaller) on top of it, so both stay visible
    again = {label: rank for group in identical(runs) for rank, label in enumerate(group)}
    for i, (label, run) in enumerate(runs.items()):  # beneath the curves; a diverged run's blown-up loss is not shaded
        if run.status != "diverged":
            _overfitting_marks(figure, run.history, COLOURS[i % len(COLOURS)], lang, label, shade=not crowded,
                               star=(16 if crowded else 22) * 0.6 ** again.get(label, 0))
    losses = [row[k] for run in healthy for row in run.history for k in ("train_loss", "val_loss")]
    accuracies = [row[k] for run in healthy for row in run.history for k in ("train_accuracy", "val_accuracy")]
    top = _loss_top(losses)
    bottom = max(0.0, 5 * math.floor(min(accuracies) / 5) - 5) if accuracies else 0.0
    for i, (label, run) in enumerate(runs.items()):
        colour = COLOURS[i % len(COLOURS)]
        x = [row["epoch"] for row in run.history]
        clip = run.status == "diverged" and bool(healthy)
        thinner, symbol = 0.55 ** again.get(label, 0), RUN_SYMBOLS[i % len(RUN_SYMBOLS)]
        for column, metric, low, high in ((1, "loss", 0.0, top), (2, "accuracy", bottom, 100.0)):
            for part, dash, width in (("val", None, 3 * thinner), ("train", "dash", 2 * thinner)):
                values = [row[f"{part}_{metric}"] for row in run.history]
                shown = [min(max(v, low), high) for v in values] if clip else values
                name = text(lang, f"plots.hover.{part}_{metric}.name")
                # One legend entry per run; clicking it hides all four of the run's curves.
                figure.add_trace(go.Scatter(
                    x=x, y=shown, customdata=values, name=label, mode="lines+markers", legendgroup=label,
                    line={"color": colour, "width": width, "dash": dash},
                    marker={"symbol": symbol if part == "val" else f"{symbol}-open", "size": 11 * thinner},
                    showlegend=(column, part) == (1, "val"),
                    hovertemplate=f"{name} %{{customdata:.4g}}<extra>%{{fullData.name}}</extra>"), 1, column)
        if run.status == "diverged" and run.history:
            last = run.history[-1]
            if healthy:
                _mark_diverged(figure, last["epoch"], max(last["train_loss"], last["val_loss"]), top, colour,
                               max(r.config.epochs for r in runs.values()), lang=lang)
    if healthy:
        figure.update_yaxes(range=[0, top], autorange=False, row=1, col=1)
        figure.update_yaxes(range=[bottom, 100.5], autorange=False, row=1, col=2)
    else:  # diverged runs alone: their losses span decades, so a log axis shows each of them
        figure.update_yaxes(type="log", exponentformat="power", row=1, col=1)
        figure.update_yaxes(range=[0, 100.5], row=1, col=2)
    figure.update_yaxes(title_text=text(lang, "plots.overlay.loss"), row=1, col=1)
    figure.update_yaxes(title_text=text(lang, "plots.accuracy") + " (%)", row=1, col=2)
    _epoch_axis(figure, max((max([run.config.epochs, *(r["epoch"] for r in run.history)]) for run in runs.values()),
                            default=1), lang)  # a list: a run stopped before its first step has no history
    return styled(figure, height=520, lang=lang)


def epochs_done(run: Run, lang: str = "en") -> str:
    """How far a run got, in words: '5 of 5', '1 of 5 (stopped in epoch 2)', '0 of 5 (diverged at step 2 in epoch 1)'.
    """
    count, how = epochs_reached(run, lang)
    return text(lang, "epochs.with_note", count=count, note=how) if how else count


def epochs_reached(run: Run, lang: str = "en") -> tuple[str, str]:
    """The whole epochs done of those planned ('1 of 5'), and how the run ended short of them ('' when it did not)."""
    reached = run.history[-1]["epoch"] if run.history else 0.0
    whole = math.floor(reached + 1e-9)
    count = text(lang, "epochs.of", done=whole, planned=run.config.epochs)
    if run.status == "completed":
        return count, ""
    if run.status == "diverged":
        step = value_in(run.message, "run.diverged", "step")
        return count, (text(lang, "epochs.diverged_at", step=step, epoch=whole + 1) if step
                       else text(lang, "epochs.diverged_in", epoch=whole + 1))
    within = reached != whole  # ended inside an epoch
    return count, text(lang, f"epochs.{run.status}_in" if within else f"epochs.{run.status}", epoch=whole + 1)


def compare_rows(runs: dict[str, Run], lang: str = "en") -> list[dict]:
    """One row per run: the settings that differ between the runs, then what each run reached."""
    configs = [dataclasses.asdict(run.config) for run in runs.values()]
    differing = [name for name in configs[0] if len({repr(c[name]) for c in configs}) > 1] if configs else []
    rows = []
    for (label, run), config in zip(runs.items(), configs):
        last = run.history[-1] if run.history else None
        row = {text(lang, "compare.col.run"): label,
               **{text(lang, f"setting.{name}"): _cell(config[name], lang) for name in differing}}
        row[text(lang, "compare.col.best_val_loss")] = _rounded(min((r["val_loss"] for r in run.history), default=None),
                                                                4)
        row[text(lang, "compare.col.test_accuracy")] = _rounded(run.test_accuracy, 2)
        row[text(lang, "gap.name")] = None if last is None else round(last["val_loss"] - last["train_loss"], 4)
        row[text(lang, "compare.col.epochs")] = epochs_done(run, lang)
        row[text(lang, "compare.col.seconds")] = round(run.seconds, 1)
        row[text(lang, "compare.col.status")] = text(lang, f"status.{run.status}")
        rows.append(row)
    return rows


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _cell(value, lang: str = "en"):
    """A setting as a table cell: sequences as text so every column has one type."""
    if isinstance(value, (list, tuple)):
        return "-".join(map(str, value)) or text(lang, "describe.none")
    return value


def seed_bands(summaries: dict[str, ArmSummary], y_range: tuple[float, float] | None = None,
               lang: str = "en") -> go.Figure:
    """Validation loss per epoch of each variant: the mean over seeds as a line, the min–max over seeds as a band."""
    figure = go.Figure()
    for variant, summary in summaries.items():
        colour = COLOURS[list(VARIANT_NAMES).index(variant)]  # a variant keeps its colour whichever are drawn
        epochs = list(range(1, len(summary.val_loss_mean) + 1))
        name = text(lang, f"variant.{variant}")
        red, green, blue = plotly.colors.hex_to_rgb(colour)
        band = list(summary.val_loss_max) + list(summary.val_loss_min)[::-1]  # along the top, back along the bottom
        figure.add_trace(go.Scatter(x=epochs + epochs[::-1], y=band, fill="toself", mode="lines", line={"width": 0},
                                    fillcolor=f"rgba({red},{green},{blue},0.18)", hoverinfo="skip", showlegend=False,
                                    legendgroup=variant))
        figure.add_trace(go.Scatter(x=epochs, y=summary.val_loss_mean, name=name, mode="lines+markers",
                                    line={"color": colour, "width": 3}, marker={"size": 9}, legendgroup=variant,
                                    hovertemplate=text(lang, "plots.bands.hover") + f"<extra>{name}</extra>"))
    figure.update_xaxes(title_text=text(lang, "inside.epoch"), dtick=1)
    figure.update_yaxes(title_text=text(lang, "plots.val_loss"), range=y_range)
    return styled(figure, height=480, lang=lang)


def _overfitting_marks(figure: go.Figure, history: list[dict], colour: str, lang: str = "en",
                       group: str | None = None, shade: bool = True, star: float = 22) -> None:
    """On the loss plot (row 1, col 1): the train–validation gap shaded (where `shade`), the best validation epoch
    starred. With `group` (a run's label in an overlay) both join its legend entry, without entries of their own."""
    rows = [row for row in history if math.isfinite(row["train_loss"]) and math.isfinite(row["val_loss"])]
    best = best_epoch(rows)
    if best is None:
        return
    red, green, blue = plotly.colors.hex_to_rgb(colour) if colour.startswith("#") else (214, 39, 40)
    x = [row["epoch"] for row in rows]
    if shade:
        outline = [r["train_loss"] for r in rows] + [r["val_loss"] for r in rows][::-1]
        figure.add_trace(go.Scatter(x=x + x[::-1], y=outline,
                                    fill="toself", mode="lines", line={"width": 0}, hoverinfo="skip",
                                    fillcolor=f"rgba({red},{green},{blue},{0.08 if group else 0.14})",
                                    name=group or i18n.text(lang, "plots.gap"), legendgroup=group or "gap",
                                    showlegend=group is None), 1, 1)
    at_best = next(row for row in rows if row["epoch"] == best)
    figure.add_trace(go.Scatter(x=[best], y=[at_best["val_loss"]], mode="markers",
                                name=group or i18n.text(lang, "plots.best"),
                                marker={"symbol": "star", "size": star, "color": colour,
                                        "line": {"width": 1.5, "color": "#111111"}},
                                legendgroup=group or "best", showlegend=group is None,
                                hovertemplate=i18n.text(lang, "plots.best.hover") + (
                                    f"<extra>{group}</extra>" if group else "<extra></extra>")), 1, 1)
