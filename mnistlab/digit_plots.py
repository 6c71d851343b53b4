"""Figures of digits and classes: the confusion matrix, accuracy per class, digit grids, images per class, a drawn
digit's probabilities under each run; sized for a projector."""
from __future__ import annotations

import math
import textwrap

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from . import i18n
from .data import class_names
from .figure_style import SEPARATORS, SMALLEST_TEXT, TRAIN, VAL, styled
from .i18n import text


def confusion_figure(confusion: list[list[int]], classes: list[str],
                     selected: tuple[int, int] | None = None, lang: str = "en") -> go.Figure:
    """A heatmap of confusion[true][predicted] with counts, plus one invisible marker per cell for click selection."""
    n = len(classes)
    counts = torch.tensor(confusion, dtype=torch.float)
    # Colour by the log of the count: the diagonal's thousands would otherwise wash out every mistake.
    figure = go.Figure(go.Heatmap(z=counts.log1p().tolist(), x=classes, y=classes, text=confusion,
                                  texttemplate="%{text}", textfont={"size": SMALLEST_TEXT}, colorscale="Blues",
                                  showscale=False, hoverinfo="skip"))
    cells = [(t, p) for t in range(n) for p in range(n)]
    figure.add_trace(go.Scatter(
        x=[classes[p] for _, p in cells], y=[classes[t] for t, _ in cells], mode="markers",
        marker={"symbol": "square", "size": 30, "opacity": 0.01, "color": "#000000"},
        customdata=[[t, p] for t, p in cells], showlegend=False, name="cells",
        hovertemplate=text(lang, "plots.confusion.hover") + "<extra></extra>",
        text=[confusion[t][p] for t, p in cells]))
    if selected is not None:
        t, p = selected
        figure.add_shape(type="rect", x0=p - 0.5, x1=p + 0.5, y0=t - 0.5, y1=t + 0.5,
                         line={"color": "#D62728", "width": 4})
    named = any(len(name) > 2 for name in classes)  # Fashion-MNIST: names too long to stand over a column
    figure.update_xaxes(title_text=text(lang, "plots.predicted_number" if named else "plots.predicted"),
                        type="category", side="top",
                        showgrid=False, tickangle=0, tickmode="array", tickvals=classes,
                        ticktext=[str(i) for i in range(n)] if named else classes)
    figure.update_yaxes(title_text=text(lang, "plots.true"), type="category", autorange="reversed", showgrid=False,
                        tickmode="array",
                        tickvals=classes, ticktext=[f"{name} · {i}" for i, name in enumerate(classes)] if named
                        else classes)
    figure.update_layout(clickmode="event+select", dragmode=False)
    return styled(figure, height=620, legend=False, lang=lang)


def per_class_figure(per_class_accuracy: list[float], classes: list[str], lang: str = "en") -> go.Figure:
    """Test accuracy of each class as bars, the weakest in red; the axis starts at a round figure below the weakest,
    and the title says where, so that a 4-point spread is not read as a tenfold one."""
    worst = min(range(len(per_class_accuracy)), key=per_class_accuracy.__getitem__)
    colours = [VAL if i == worst else TRAIN for i in range(len(classes))]
    start = axis_start(per_class_accuracy)
    figure = go.Figure(go.Bar(x=classes, y=per_class_accuracy,
                              text=[i18n.number(a, lang, 1) for a in per_class_accuracy],
                              textposition="inside", insidetextanchor="end", textangle=-90,
                              textfont={"color": "white", "size": SMALLEST_TEXT}, marker_color=colours,
                              hovertemplate="%{x}: %{y:.2f} %<extra></extra>"))  # inside: above, they met the top tick
    figure.update_yaxes(title_text=text(lang, "plots.test_accuracy"), range=[start, 100.5])
    figure.update_xaxes(type="category", tickangle=-45 if any(len(c) > 2 for c in classes) else 0)
    if start > 0:  # said only where it is not where a reader expects it
        figure.update_layout(title={"text": text(lang, "plots.axis_starts", start=i18n.number(start, lang, 0)),
                                    "font": {"size": SMALLEST_TEXT},
                                    "x": 0, "xref": "paper", "xanchor": "left", "y": 0.98})
    return styled(figure, height=420, legend=False, margin={"l": 80, "r": 10, "t": 40, "b": 50},  # l: its title
                   lang=lang)


def axis_start(values: list[float]) -> float:
    """A round figure (a multiple of 5, or of 10 when the values spread wider than 20) below the lowest value, by at
    least 1 point or 30 % of the spread."""
    low, spread = min(values), max(values) - min(values)
    step = 10 if spread > 20 else 5
    return max(0.0, step * math.floor((low - max(1.0, 0.3 * spread)) / step))  # the lowest bar stays readable


def digit_grid(images: torch.Tensor, titles: list[str], columns: int = 8, width: int = 1100) -> go.Figure:
    """uint8 images (n, 28, 28) tiled in one picture, dark ink on white, a title above each; a title too long for its
    cell is wrapped (after → or at a space) and its row made taller, so that no two titles overlap."""
    n, side = len(images), images.shape[-1]
    cell = side + 8  # 8 pixels of margin around each digit
    scale = width / (columns * cell)  # screen pixels per image pixel, on a page `width` pixels wide
    characters = max(6, int(cell * scale / (SMALLEST_TEXT * 0.55)))  # Source Sans: ~0.55 em per character
    wrapped = [[line.replace("→ ", "→") for line in textwrap.wrap(title.replace("→", "→ "), characters)] or [""]
               for title in titles]
    lines = max((len(w) for w in wrapped), default=1)
    band = math.ceil(lines * SMALLEST_TEXT * 1.25 / scale)  # title lines, in image pixels
    high = side + band + 4
    rows = max(1, -(-n // columns))
    canvas = torch.full((rows * high, columns * cell), 0, dtype=torch.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        canvas[r * high + band + 2: r * high + band + 2 + side, c * cell + 4: c * cell + 4 + side] = image
    figure = go.Figure(go.Heatmap(z=canvas.tolist(), colorscale="Greys", zmin=0, zmax=255, showscale=False,
                                  hoverinfo="skip"))
    for i, title in enumerate(wrapped):
        r, c = divmod(i, columns)
        figure.add_annotation(x=c * cell + cell / 2 - 0.5, y=r * high + band / 2 + 0.5, text="<br>".join(title),
                              showarrow=False, font={"size": SMALLEST_TEXT, "color": "#111111"})
    figure.update_xaxes(visible=False, range=[-0.5, columns * cell - 0.5], constrain="domain")
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    # Height for a page `width` pixels wide, so the cells fill the width without bands above and below.
    return styled(figure, height=max(160, round(rows * high * scale)), legend=False,
                   margin={"l": 4, "r": 4, "t": 4, "b": 4})


def class_counts_figure(train_counts: list[int], test_counts: list[int], classes: list[str],
                        lang: str = "en") -> go.Figure:
    """Images per class in the training and test files, side by side."""
    figure = go.Figure([go.Bar(x=classes, y=train_counts, name=text(lang, "plots.train_file"), marker_color=TRAIN),
                        go.Bar(x=classes, y=test_counts, name=text(lang, "plots.test_file"), marker_color=VAL)])
    figure.update_layout(barmode="group", yaxis_title=text(lang, "plots.images"))
    figure.update_xaxes(type="category")
    return styled(figure, height=380, lang=lang)


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
        guess = class_names(reading.dataset, lang)[reading.predicted]
        sure = i18n.percent(100 * reading.probabilities[reading.predicted], lang, 0)
        label = "<br>".join(textwrap.wrap(reading.label, max(16, 72 // columns), break_on_hyphens=False))
        titles.append(f"{label}<br><b>{guess}</b> ({sure})")
    lines = max((title.count("<br>") + 1 for title in titles), default=2)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.12,
                           vertical_spacing=0.3 / rows)
    for i, reading in enumerate(readings):
        percents = [100 * p for p in reading.probabilities]
        names = class_names(reading.dataset, lang)
        colours = [VAL if k == reading.predicted else TRAIN for k in range(len(names))]
        figure.add_trace(go.Bar(x=percents, y=names, orientation="h", marker_color=colours, showlegend=False,
                                text=[f"{p:.0f}" if p >= 0.5 else "" for p in percents], textposition="outside",
                                cliponaxis=False, hovertemplate="%{y}: %{x:.1f} %<extra>" + reading.label + "</extra>"),
                         row=i // columns + 1, col=i % columns + 1)
    figure.update_xaxes(range=[0, 125], showticklabels=False, showgrid=False, fixedrange=True)
    figure.update_yaxes(type="category", autorange="reversed", fixedrange=True, tickfont={"size": 18})
    for annotation in figure.layout.annotations:
        annotation.font.size = 18
    figure.update_layout(dragmode=False, separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    top = 36 + 22 * lines  # px: the titles' lines at 18 px
    return styled(figure, height=top - 10 + 330 * rows, legend=False, margin={"l": 10, "r": 40, "t": top, "b": 10})
