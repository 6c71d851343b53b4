"""The Inside page's figures: weight norms, histograms and first-layer templates, dead units, BatchNorm's running
statistics, accuracy in train and eval mode; from a run's recorded history, or from its weights where it has none."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from . import i18n
from .inside import series
from .figure_style import COLOURS, SEPARATORS, SMALLEST_TEXT, styled
from .runs import Run

TEMPLATES = 32  # first-layer units drawn as 28 × 28 images, the strongest (largest weight norm) first
BINS = 60


def layer_names(count: int, lang: str = "en") -> list[str]:
    """'layer 1', 'layer 2', …, 'output' for a model of `count` linear layers."""
    return [i18n.text(lang, "inside.layer", n=i + 1) for i in range(count - 1)] + [i18n.text(lang, "inside.output")]


def linears(run: Run) -> list[torch.nn.Linear]:
    return [*run.model.hidden, run.model.out] if run.model is not None else []


def layer_spacing(count: int) -> float:
    """The gap between `count` plots side by side: 0.06 of the width, less where that would leave them no room
    (a config may have 32 hidden layers, and Plotly refuses gaps that add up past the figure)."""
    return min(0.06, 0.5 / max(count - 1, 1))


def _final_epoch(run: Run) -> float:
    return run.history[-1]["epoch"] if run.history else run.config.epochs


def per_layer_figure(runs: dict[str, Run], key: str, title_key: str, count: int, names: list[str],
                     from_weights=None, lang: str = "en", height: int = 380) -> go.Figure:
    """One plot per layer, one line per run over the epochs of `key`'s recorded lists; a run without them gets one
    open marker at its last epoch from `from_weights(run)` (its final values), when given."""
    figure = make_subplots(rows=1, cols=count, subplot_titles=names, horizontal_spacing=layer_spacing(count))
    for i, (label, run) in enumerate(runs.items()):
        colour = COLOURS[i % len(COLOURS)]
        epochs, values = series(run.history, key)
        finals = from_weights(run) if (from_weights is not None and not epochs) else None
        for layer in range(count):
            common = {"name": label, "legendgroup": label, "showlegend": layer == 0, "line": {"color": colour}}
            if epochs and layer < len(values[0]):
                figure.add_trace(go.Scatter(x=epochs, y=[v[layer] for v in values], mode="lines+markers",
                                            marker={"size": 8}, hovertemplate="%{y:.4g}<extra>" + label + "</extra>",
                                            **common), 1, layer + 1)
            elif finals and layer < len(finals):
                figure.add_trace(go.Scatter(x=[_final_epoch(run)], y=[finals[layer]], mode="markers",
                                            marker={"size": 12, "symbol": "circle-open", "color": colour,
                                                    "line": {"width": 2}},
                                            hovertemplate="%{y:.4g}<extra>" + label + "</extra>", **common),
                                 1, layer + 1)
    epochs = max((_final_epoch(run) for run in runs.values()), default=1)
    figure.update_xaxes(range=[0.5, math.ceil(epochs) + 0.5], dtick=1 if epochs <= 12 else None,
                        title_text=i18n.text(lang, "inside.epoch"))
    figure.update_yaxes(title_text=i18n.text(lang, title_key), col=1)
    figure.update_layout(separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    _titles_readable(figure)
    return _legend_above_titles(styled(figure, height=height + 50))


def weight_norms_figure(runs: dict[str, Run], lang: str = "en") -> go.Figure:
    """Each layer's weight norm ‖W‖₂ over the epochs, runs overlaid (L2 below the baseline)."""
    count = max((len(linears(run)) or len(run.config.hidden) + 1 for run in runs.values()), default=3)
    finals = lambda run: [float(linear.weight.detach().norm()) for linear in linears(run)]  # noqa: E731
    return per_layer_figure(runs, "weight_norms", "inside.norms.axis", count, layer_names(count, lang), finals, lang)


def dead_units_figure(runs: dict[str, Run], lang: str = "en") -> go.Figure:
    """The share of each hidden layer's ReLU units that never fired on the probe images, over the epochs."""
    count = max((len(run.config.hidden) for run in runs.values()), default=2)
    figure = per_layer_figure(runs, "dead_units", "inside.dead.axis", count, layer_names(count + 1, lang)[:-1],
                              lang=lang)
    figure.update_yaxes(rangemode="tozero")
    return figure


def batchnorm_figure(runs: dict[str, Run], lang: str = "en") -> go.Figure:
    """BatchNorm's running mean (left) and running variance (right), each the mean over a normalised layer's units,
    over the epochs: solid for the first normalised layer, dashed for the second. Runs without BatchNorm are left out;
    a run without the recorded figures gets its final values, from its saved buffers, as open markers."""
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                           subplot_titles=[i18n.text(lang, "inside.bn.mean"), i18n.text(lang, "inside.bn.var")])
    for i, (label, run) in enumerate(runs.items()):
        colour = COLOURS[i % len(COLOURS)]
        for column, key, buffer in ((1, "bn_running_mean", "running_mean"), (2, "bn_running_var", "running_var")):
            epochs, values = series(run.history, key)
            norms = run.model.norms if run.model is not None else []
            if not epochs and not norms:
                continue
            for layer in range(len(values[0]) if epochs else len(norms)):
                name = f"{label} · {i18n.text(lang, 'inside.bn.layer', n=layer + 1)}"
                style = {"color": colour, "dash": None if layer == 0 else "dash", "width": 3 if layer == 0 else 2}
                shown = {"name": name, "legendgroup": name, "showlegend": column == 1,
                         "hovertemplate": "%{y:.4g}<extra>" + name + "</extra>"}
                if epochs:
                    figure.add_trace(go.Scatter(x=epochs, y=[v[layer] for v in values], mode="lines+markers",
                                                line=style, marker={"size": 8}, **shown), 1, column)
                else:
                    final = float(getattr(norms[layer], buffer).mean())
                    figure.add_trace(go.Scatter(x=[_final_epoch(run)], y=[final], mode="markers",
                                                marker={"size": 12, "symbol": "circle-open", "color": colour,
                                                        "line": {"width": 2}}, **shown), 1, column)
    epochs = max((_final_epoch(run) for run in runs.values()), default=1)
    figure.update_xaxes(range=[0.5, math.ceil(epochs) + 0.5], dtick=1 if epochs <= 12 else None,
                        title_text=i18n.text(lang, "inside.epoch"))
    figure.update_layout(separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    _titles_readable(figure)
    return _legend_above_titles(styled(figure, height=450))


def modes_figure(runs: dict[str, Run], lang: str = "en") -> go.Figure:
    """Accuracy on the probe validation images each epoch, in eval mode (solid) and in train mode (dashed: dropout
    on, BatchNorm on batch statistics), one colour per run."""
    figure = go.Figure()
    for i, (label, run) in enumerate(runs.items()):
        colour = COLOURS[i % len(COLOURS)]
        for key, dash, mode in (("val_accuracy_eval_probe", None, "eval"), ("val_accuracy_train_probe", "dash",
                                                                            "train")):
            epochs, values = series(run.history, key)
            if epochs:  # one legend entry per run: the caption says which line is which mode
                name = f"{label} · {i18n.text(lang, 'inside.mode.' + mode)}"
                figure.add_trace(go.Scatter(x=epochs, y=[v[0] for v in values], name=label, mode="lines+markers",
                                            line={"color": colour, "dash": dash, "width": 3 if dash is None else 2},
                                            marker={"size": 9, "symbol": "circle" if dash is None else "circle-open"},
                                            legendgroup=label, showlegend=dash is None,
                                            hovertemplate="%{y:.2f} %<extra>" + name + "</extra>"))
    epochs = max((_final_epoch(run) for run in runs.values()), default=1)
    figure.update_xaxes(range=[0.5, math.ceil(epochs) + 0.5], dtick=1 if epochs <= 12 else None,
                        title_text=i18n.text(lang, "inside.epoch"))
    figure.update_yaxes(title_text=i18n.text(lang, "inside.modes.axis"))
    figure.update_layout(separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    return styled(figure, height=420)


def histograms_figure(runs: dict[str, Run], lang: str = "en") -> go.Figure:
    """Each layer's weights at the last epoch as a histogram (share of the layer's weights per bin), runs overlaid
    as outlines on a common range; from the saved weights, so runs saved before the recordings have it too."""
    drawn = {label: linears(run) for label, run in runs.items() if linears(run)}
    count = max((len(layers) for layers in drawn.values()), default=3)
    figure = make_subplots(rows=1, cols=count, subplot_titles=layer_names(count, lang),
                           horizontal_spacing=layer_spacing(count))
    for layer in range(count):
        weights = {label: w[w.isfinite()] for label, layers in drawn.items() if layer < len(layers)
                   for w in [layers[layer].weight.detach().flatten()]}  # an uploaded run's NaN drawn as nothing
        weights = {label: w for label, w in weights.items() if len(w)}
        if not weights:
            continue
        # the range holding 99.9 % of every run's weights: one outlier does not squash the histogram
        edge = max(float(torch.quantile(w.abs()[:1_000_000], 0.999)) for w in weights.values()) or 1.0
        for i, (label, w) in enumerate(weights.items()):
            counts, bins = torch.histogram(w.clamp(-edge, edge), bins=BINS, range=(-edge, edge))
            centres = ((bins[:-1] + bins[1:]) / 2).tolist()
            figure.add_trace(go.Scatter(x=centres, y=(100 * counts / len(w)).tolist(), mode="lines",
                                        line={"shape": "hvh", "width": 2.5,
                                              "color": COLOURS[list(runs).index(label) % len(COLOURS)]},
                                        name=label, legendgroup=label, showlegend=layer == 0,
                                        hovertemplate="%{x:.3f}: %{y:.2f} %<extra>" + label + "</extra>"),
                             1, layer + 1)
    figure.update_xaxes(title_text=i18n.text(lang, "inside.hist.axis"))
    figure.update_yaxes(title_text=i18n.text(lang, "inside.hist.share"), col=1, rangemode="tozero")
    figure.update_layout(separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    _titles_readable(figure)
    return _legend_above_titles(styled(figure, height=430))


def templates_figure(run: Run, count: int = TEMPLATES, columns: int = 8, lang: str = "en") -> go.Figure:
    """The first layer's strongest units (largest weight norm) as 28 × 28 images: red where a pixel's ink raises the
    unit's input, blue where it lowers it; each image scaled to its own largest weight, so that its pattern shows."""
    weight = linears(run)[0].weight.detach()
    strength = weight.norm(dim=1)
    order = strength.argsort(descending=True)[:count].tolist()
    side, gap = 28, 2
    rows = max(1, -(-len(order) // columns))
    canvas = torch.full((rows * (side + gap) - gap, columns * (side + gap) - gap), float("nan"))
    units = [[None] * canvas.shape[1] for _ in range(canvas.shape[0])]
    for i, unit in enumerate(order):
        r, c = divmod(i, columns)
        image = weight[unit].reshape(side, side)
        top, left = r * (side + gap), c * (side + gap)
        canvas[top:top + side, left:left + side] = image / image.abs().max().clamp_min(1e-12)
        for y in range(top, top + side):
            units[y][left:left + side] = [unit + 1] * side
    hover = i18n.text(lang, "inside.templates.hover")
    figure = go.Figure(go.Heatmap(z=canvas.tolist(), customdata=units, colorscale="RdBu", reversescale=True,
                                  zmin=-1, zmax=1, zmid=0, showscale=False, hoverongaps=False,
                                  hovertemplate=hover + "<extra></extra>"))
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    return styled(figure, height=max(200, 140 * rows), legend=False, margin={"l": 4, "r": 4, "t": 4, "b": 4})


def _titles_readable(figure: go.Figure) -> None:
    for annotation in figure.layout.annotations or ():
        annotation.font.size = SMALLEST_TEXT


def _legend_above_titles(figure: go.Figure) -> go.Figure:
    """The legend over the plots' own titles rather than on them: hung from the figure's top, so that a legend of two
    rows (long run labels, French ones) grows down into the margin, not onto the titles."""
    return figure.update_layout(legend={"yref": "container", "y": 0.995, "yanchor": "top"}, margin={"t": 120})
