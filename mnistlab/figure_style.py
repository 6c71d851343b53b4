"""How every figure looks on a projector: large type, white background, the legend on top, numbers in hover texts as
the reader's language writes them."""
from __future__ import annotations

import plotly.colors
import plotly.graph_objects as go
import plotly.io

COLOURS = plotly.colors.qualitative.D3
# the app's own font; one family name, as Plotly measures legends with it
FONT = {"size": 20, "family": "Source Sans, sans-serif"}
SMALLEST_TEXT = 18  # pixels: the least a projector's back row reads, for cell counts, bar labels, titles, hover
TRAIN, VAL = "#1F77B4", "#D62728"
# plotly_white, as the app draws with it: its layout and the defaults of the trace types drawn here. The whole
# template (defaults of 40-odd trace types) is copied into every figure, a live chart's too (BENCHMARKS.md, "Workers").
_WHITE = plotly.io.templates["plotly_white"]
TEMPLATE = go.layout.Template(layout=_WHITE.layout,
                              data={kind: _WHITE.data[kind] for kind in ("scatter", "heatmap", "bar")})
SEPARATORS = {"en": ".,", "fr": ",\u202f"}  # Plotly's decimal and thousands marks (hover texts) per language


def styled(figure: go.Figure, height: int, legend: bool = True, margin: dict | None = None,
           lang: str | None = None) -> go.Figure:
    """Large type, white background, legend on top: readable on a projected wall; numbers in hover texts as `lang`
    writes them (when given)."""
    if lang is not None:
        figure.update_layout(separators=SEPARATORS.get(lang, SEPARATORS["en"]))
    figure.update_layout(height=height, font=FONT, template=TEMPLATE, showlegend=legend, uirevision="keep",
                         margin=margin or {"l": 60, "r": 10, "t": 60, "b": 50},
                         hoverlabel={"font": {"size": SMALLEST_TEXT, "family": FONT["family"]}},
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0})
    for annotation in figure.layout.annotations or ():
        if annotation.font.size is None:
            annotation.font.size = 20
    return figure
