"""The class board's figure: test accuracy of every run against one setting, the course's presets marked, the best
value named; the same figure for one person's runs (a sweep)."""
from __future__ import annotations

import math

import plotly.graph_objects as go

from .board import LOG_SETTINGS, SETTINGS, Point, best_value, preset_values, setting_value
from .config import RunConfig
from .figure_style import COLOURS, SMALLEST_TEXT, styled
from .i18n import number, percent, text

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
ZERO_AT = 1e-8  # where a weight decay of 0 sits on the log axis (labelled 0): sweeps go down to 1e-7
BATCHNORM_SPREAD = 0.3  # points of one BatchNorm value spread over this width, so 200 of them do not hide each other
ROOM, MINE, BEST, PRESET = "#4c78a8", COLOURS[1], "#2ca02c", "#7f7f7f"


def axis_value(value: float, setting: str) -> float:
    return ZERO_AT if setting in LOG_SETTINGS and value <= 0 else value


def value_text(value: float, setting: str, lang: str) -> str:
    """A setting's value as the board writes it: 0.001, 1e-05, 256, BatchNorm / no BatchNorm."""
    if setting == "batchnorm":
        return text(lang, "variant.batchnorm") if value else text(lang, "describe.no_batchnorm")
    if setting in ("hidden", "epochs"):
        return str(int(value))
    if value and abs(value) < 1e-3:  # 10⁻⁶, 4,64 × 10⁻⁵: no 1e-06 on a projector
        mantissa, power = f"{value:.2e}".split("e")
        mantissa = f"{float(mantissa):g}"
        exponent = f"10{str(int(power)).translate(SUPERSCRIPTS)}"
        written = exponent if mantissa == "1" else f"{mantissa} × {exponent}"
    else:
        written = f"{value:g}"
    return written.replace(".", ",") if lang == "fr" else written


def _spread(point: Point) -> float:
    """A point's place within its BatchNorm column: fixed by its id, so it does not jump at each redraw."""
    return ((point.id * 0.618033988749895) % 1.0 - 0.5) * BATCHNORM_SPREAD


def _xs(points: list[Point], setting: str) -> list[float]:
    if setting == "batchnorm":
        return [point.value(setting) + _spread(point) for point in points]
    return [axis_value(point.value(setting), setting) for point in points]


def board_figure(points: list[Point], setting: str, lang: str = "en", mine: frozenset[int] = frozenset(),
                 height: int = 500) -> go.Figure:
    """Test accuracy (%) of each point against setting; mine (point ids) highlighted; presets and the best marked."""
    figure = go.Figure()
    best = best_value(points, setting)
    if best is not None:
        figure.add_trace(go.Scatter(
            x=[axis_value(best.value, setting)], y=[best.mean], mode="markers", name=text(lang, "board.best_mean"),
            marker={"symbol": "star-open", "size": 30, "color": BEST, "line": {"width": 3}},
            hovertemplate=f"{text(lang, 'board.best_mean')}: %{{y:.2f}} %<extra></extra>"))
    figure.add_trace(_points_trace(points, setting, lang, text(lang, "board.room_runs"),
                                   {"color": ROOM, "size": 13, "opacity": 0.65}))
    for value, presets in preset_values(setting).items():
        x = axis_value(value, setting)
        figure.add_vline(x=x, line={"color": PRESET, "dash": "dot", "width": 2})
        figure.add_annotation(x=math.log10(x) if setting in LOG_SETTINGS else x, y=1.0, yref="paper", yanchor="bottom",
                              text=" · ".join(text(lang, f"variant.{p}") for p in presets), showarrow=False,
                              font={"size": SMALLEST_TEXT, "color": "#333333"})
    _axis(figure, setting, points, lang)
    figure.update_yaxes(title_text=text(lang, "board.accuracy_axis"), ticksuffix="\u00a0%")
    styled(figure, height, legend=True, lang=lang, margin={"l": 80, "r": 20, "t": 110, "b": 70})
    figure.update_layout(width=800)  # ui.widgets.chart's width, set here: a figure shared by sessions is not written
    return highlighted(figure, [p for p in points if p.id in mine], setting, lang) if mine else figure


def highlighted(figure: go.Figure, own: list[Point], setting: str, lang: str) -> go.Figure:
    """A copy of a board's figure with one student's own points drawn over the room's: the room's figure is built
    once per change of the board, and each student's page adds only its own points."""
    copy = go.Figure(figure)
    copy.add_trace(_points_trace(own, setting, lang, text(lang, "board.my_runs"),
                                 {"color": MINE, "size": 20, "line": {"width": 2, "color": "#111111"}}))
    return copy


def _points_trace(points: list[Point], setting: str, lang: str, name: str, marker: dict) -> go.Scatter:
    hover = (f"{text(lang, f'board.setting.{setting}')}: %{{customdata}}<br>"
             f"{text(lang, 'board.accuracy')}: %{{y:.2f}} %<extra></extra>")
    return go.Scatter(x=_xs(points, setting), y=[p.accuracy for p in points], mode="markers", name=name,
                      customdata=[value_text(p.value(setting), setting, lang) for p in points], hovertemplate=hover,
                      marker=marker)


def _axis(figure: go.Figure, setting: str, points: list[Point], lang: str) -> None:
    title = text(lang, f"board.setting.{setting}")
    if setting == "batchnorm":
        figure.update_xaxes(title_text=title, tickvals=[0, 1], range=[-0.5, 1.5],
                            ticktext=[value_text(0, setting, lang), value_text(1, setting, lang)])
    elif setting in LOG_SETTINGS:
        values = {p.value(setting) for p in points} | set(preset_values(setting))
        logs = [math.log10(axis_value(v, setting)) for v in values]
        span = max(logs) - min(logs)
        pad = 0.1 * span if span >= 3 else 1.0  # Plotly's own range for points of one value is no range at all
        figure.update_xaxes(title_text=title, type="log", exponentformat="power" if setting != "hidden" else "none",
                            range=[min(logs) - pad, max(logs) + pad], dtick=1)  # decades only, labelled 18 px+
        if setting == "weight_decay" and any(v <= 0 for v in values):  # 0 has no place on a log axis: shown apart
            ticks = [ZERO_AT] + [10.0 ** k for k in range(-7, 1)]
            figure.update_xaxes(tickvals=ticks, ticktext=["0"] + [f"10<sup>{k}</sup>" for k in range(-7, 1)])
        if setting == "hidden":
            ticks = [2 ** k for k in range(3, 13)]
            figure.update_xaxes(tickvals=ticks, ticktext=[str(t) for t in ticks])
    else:
        figure.update_xaxes(title_text=title)


def best_line(points: list[Point], setting: str, lang: str) -> str | None:
    """The room's best value of setting in words, None without points."""
    best = best_value(points, setting)
    if best is None:
        return None
    key = "board.best_one" if best.runs == 1 else "board.best"
    top = max(points, key=lambda p: p.accuracy)
    return text(lang, key, setting=text(lang, f"board.setting.{setting}"),
                value=value_text(best.value, setting, lang), mean=percent(best.mean, lang),
                runs=best.runs, top=percent(top.accuracy, lang), settings=settings_text(top, lang))


def settings_text(point: Point, lang: str) -> str:
    """What a run changed from the course's baseline, in the board's words: 'Dropout 0.2, Epochs 10'."""
    base = RunConfig()
    changed = [setting for setting in SETTINGS if point.value(setting) != setting_value(base, setting)]
    return ", ".join(text(lang, f"board.setting.{s}") if s == "batchnorm" else
                     f"{text(lang, f'board.setting.{s}')} {value_text(point.value(s), s, lang)}"
                     for s in changed) or text(lang, "describe.baseline")


def count_line(points: list[Point], lang: str) -> str:
    return text(lang, "board.count_one" if len(points) == 1 else "board.count", n=number(len(points), lang, 0))
