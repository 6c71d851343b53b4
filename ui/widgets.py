"""The settings form and the widgets pages share: run picker, confusion filter, run summary, charts, file uploads."""
from __future__ import annotations

import math
import re
from typing import Any, Callable

import streamlit as st

from mnistlab import plots
from mnistlab.config import DATASETS, PRESETS, SLIPS, ConfigError, RunConfig, preset
from mnistlab.messages import said
from mnistlab.runs import Run
from mnistlab.training import resolve_device

from mnistlab import i18n

from . import frame
from .language import compact, current, labels, message, number, percent, t
from .session_keys import LAST_FINISHED, SETTINGS
from .sessions import session_runs

LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
WEIGHT_DECAYS = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
# a slider's number has a decimal point whatever the language: these show 0,2 in French as options of select_sliders
DROPOUTS = tuple(round(0.05 * i, 2) for i in range(19))  # 0 to 0.9
VAL_FRACTIONS = tuple(round(0.05 * i, 2) for i in range(1, 11))  # 0.05 to 0.5
STATUS_BOX = {"completed": st.success, "stopped": st.warning, "diverged": st.error, "failed": st.error}


def settings() -> dict:
    """The Train settings as last chosen (they outlive the widgets when the user changes page)."""
    defaults = _preset_values("baseline") | {"variant": "baseline", "dataset": "mnist"}
    return st.session_state.setdefault(SETTINGS, defaults)


def _preset_values(name: str) -> dict:
    config = preset(name)
    return {"epochs": config.epochs, "lr": config.lr, "weight_decay": config.weight_decay, "dropout": config.dropout,
            "batchnorm": config.batchnorm, "batch_size": config.batch_size, "seed": config.seed,
            "val_fraction": config.val_fraction, "hidden": ", ".join(map(str, config.hidden)), "slips": []}


def _apply_preset(key: str) -> None:
    """Fill every setting from the chosen course variant."""
    values = _preset_values(st.session_state[f"{key}.variant"])
    settings().update(values)
    for name, value in values.items():
        st.session_state[f"{key}.{name}"] = value


def setting(name: str, widget: Callable, label: str, key: str = "train", **options) -> Any:
    """One settings widget bound to settings()[name]: its value survives page changes."""
    widget_key, shown_in = f"{key}.{name}", f"{key}.{name}.language"
    # set again after a language switch too: the browser keeps showing an option in the words it was chosen in
    if widget_key not in st.session_state or st.session_state.get(shown_in) != current():
        st.session_state[widget_key], st.session_state[shown_in] = settings()[name], current()
    value = widget(label, key=widget_key, **options)
    settings()[name] = value
    return value


def dataset_choice(key: str = "train") -> str:
    return setting("dataset", st.selectbox, t("form.dataset"), key, options=DATASETS,
                   format_func=labels("dataset."))


def val_fraction_choice(key: str = "train") -> float:
    return setting("val_fraction", st.select_slider, t("form.val_fraction"), key, options=VAL_FRACTIONS,
                   format_func=compact(), help=t("form.val_fraction.help", total=number(60_000, 0)))


def config_form(key: str = "train") -> RunConfig | None:
    """The run settings as widgets; the RunConfig they make, or None after showing what is wrong."""
    dataset_name = dataset_choice(key)  # a row of its own: 'Fashion-MNIST (vêtements)' is shown whole
    left, right = st.columns(2, vertical_alignment="bottom")
    with left:
        setting("variant", st.selectbox, t("form.variant"), key, options=list(PRESETS),
                format_func=labels("variant."), on_change=_apply_preset, args=(key,),
                help=t("form.variant.help"))
    with right:  # choosing the variant already shown fires no change: this puts its values back after any edit
        st.button(t("train.course_values"), key=f"{key}.course-values", on_click=_apply_preset, args=(key,),
                  help=t("train.course_values_help"), icon=":material/restart_alt:")
    left, right = st.columns(2)
    with left:
        # number inputs without bounds: a value out of range gets RunConfig's message (Start disabled); with bounds,
        # Streamlit keeps showing it in red while a run would take the last valid value
        epochs = setting("epochs", st.number_input, t("form.epochs"), key, step=1)
        lr = setting("lr", st.select_slider, t("form.lr"), key, options=LEARNING_RATES, format_func=compact())
        dropout = setting("dropout", st.select_slider, t("form.dropout"), key, options=DROPOUTS,
                          format_func=compact())
        batch_size = setting("batch_size", st.select_slider, t("form.batch_size"), key, options=BATCH_SIZES)
    with right:
        weight_decay = setting("weight_decay", st.select_slider, t("form.weight_decay"), key, options=WEIGHT_DECAYS,
                               format_func=compact())
        batchnorm = setting("batchnorm", st.toggle, t("form.batchnorm"), key)
        seed = setting("seed", st.number_input, t("form.seed"), key, step=1)
        val_fraction = val_fraction_choice(key)
    with st.expander(t("form.more")):
        hidden_text = setting("hidden", st.text_input, t("form.hidden"), key, help=t("form.hidden.help"))
        slip_words, slip_names, colon = labels("slip."), labels("lesson.switch."), " : " if current() == "fr" else ": "
        slips = setting("slips", st.multiselect, t("form.slips"), key, options=list(SLIPS), placeholder=t("form.none"),
                        format_func=lambda s: slip_names(s) + colon + slip_words(s))
    try:
        hidden = tuple(int(part) for part in hidden_text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        st.error(t("form.hidden_not_numbers", value=hidden_text))
        return None
    try:
        config = RunConfig(dataset=dataset_name, hidden=hidden, dropout=float(dropout), batchnorm=bool(batchnorm),
                           weight_decay=float(weight_decay), lr=float(lr), epochs=int(epochs),
                           batch_size=int(batch_size), val_fraction=float(val_fraction), seed=int(seed),
                           slips=tuple(slips))
    except ConfigError as error:
        st.error(t("form.config_error", error=message(error)))
        return None
    device = str(resolve_device(config.device)).upper()  # CPU, CUDA
    st.caption(t("form.device_line", device=device, name=plots.describe(config, current())))
    return config


def run_picker(label: str | None = None, key: str = "run-picker") -> tuple[str, Run] | None:
    """A choice among the session's runs, the latest finished by default; None (with a hint) when there are none."""
    runs = session_runs()
    if not runs:
        st.info(t("picker.no_runs"))
        return None
    labels = list(runs)
    last = st.session_state.get(LAST_FINISHED)
    if last in runs and st.session_state.get(f"{key}.shown") != last:  # a new run: show it
        st.session_state[key] = st.session_state[f"{key}.shown"] = last
    if st.session_state.get(key) not in runs:
        st.session_state[key] = labels[-1]
    chosen = st.selectbox(label or t("picker.run"), labels, key=key)
    return chosen, runs[chosen]


CONFUSION_KEY = "confusion"


def confusion_filter(classes: list[str]) -> tuple[int | None, int | None]:
    """A true/predicted class pair to filter mistakes by (None: any); a click on the confusion matrix sets it."""
    options = [None, *range(len(classes))]
    any_class = t("filter.any")
    describe = lambda i: any_class if i is None else classes[i]  # noqa: E731
    true_column, predicted_column = st.columns(2)
    true_class = true_column.selectbox(t("filter.true"), options, format_func=describe, key="filter.true")
    predicted = predicted_column.selectbox(t("filter.predicted"), options, format_func=describe, key="filter.predicted")
    return true_class, predicted


def pick_confusion_cell() -> None:
    """on_select of the confusion matrix: the clicked cell becomes the true/predicted filter."""
    points = st.session_state[CONFUSION_KEY].selection.points
    if points and points[0].get("customdata"):
        st.session_state["filter.true"], st.session_state["filter.predicted"] = map(int, points[0]["customdata"])


def run_summary(label: str, run: Run, per_row: int = 4) -> None:
    """How a run ended (its message says what to change) and its headline numbers, per_row metrics a row."""
    ending = markdown_escaped(said(run.message, current()))  # a run's message comes from its file
    # the message says how it ended ("Stopped by the user during epoch 2."): said once, after the run's name
    STATUS_BOX[run.status](t("summary.with_message", label=markdown_escaped(label), message=ending) if ending else
                           t(f"summary.{run.status}", label=markdown_escaped(label))
                           + t("summary.in_seconds", time=i18n.seconds(run.seconds, current())))
    best = min((r["val_loss"] for r in run.history), default=None)
    done, how = plots.epochs_reached(run, current())
    metrics = [
        (t("summary.test_accuracy"), "—" if run.test_accuracy is None else percent(run.test_accuracy), None),
        (t("summary.best_val_loss"), i18n.UNKNOWN if best is None else i18n.number(best, current(), 4)
         if best < 1e4 else i18n.power(best, current()), None),  # a diverged run's is huge: 9.1 × 10⁷
        (t("summary.epochs"), done, how or None),
        (t("summary.time"), i18n.seconds(run.seconds, current(), 1), None)]
    for first in range(0, len(metrics), per_row):
        for column, (name, value, note) in zip(st.columns(per_row), metrics[first:first + per_row]):
            column.metric(name, value, note, delta_color="off", delta_arrow="off")


def chart(figure, key: str | None = None, **options):
    """A Plotly figure as mnistlab.plots styled it (large type), without the mode bar's clutter."""
    # Streamlit remounts a Plotly chart whose figure changed, and shows it hidden for one frame when its layout has
    # no width: a blink at every live redraw. Any width avoids that; Streamlit replaces it with the column's own.
    figure.update_layout(width=figure.layout.width or 800)
    return st.plotly_chart(figure, key=key, theme=None, height=figure.layout.height,
                           config={"displaylogo": False, "displayModeBar": False}, **options)


def table(rows: list[dict]) -> None:
    """Rows as an HTML table (st.dataframe draws on a canvas, in a type smaller than the page's that no setting
    enlarges; the page style sets this one's at 18 px): numbers as the library rounded them, text as it is written."""
    def written(value):
        if value is None:
            return "—"
        if isinstance(value, bool):
            return t(f"cell.{value}")
        if isinstance(value, float):  # 97.69, not pandas' 97.6900; a diverged run's loss as 9.1 × 10⁷
            if abs(value) >= 1e5 or not math.isfinite(value):
                return i18n.power(value, current())
            return i18n.short(value, current())
        return markdown_escaped(value) if isinstance(value, str) else value

    st.table([{name: written(value) for name, value in row.items()} for row in rows], hide_index=True)


def markdown_escaped(value: str) -> str:
    """Text that Markdown shows as it is: st.table reads its cells as Markdown ('1. baseline' became a list), and text
    from a file in an alert must not become a link, a remote image, math, a colour or an icon."""
    value = re.sub(r"([\\`*_\[\]<>|~$!#&])", r"\\\1", value)
    value = re.sub(r":(?=[A-Za-z])", r"\\:", value)  # :red[…] a colour, :material/…: an icon, :smile: an emoji
    # A bare URL or e-mail address becomes a link whatever is escaped (GFM finds them in the text after escapes are
    # undone): an invisible word joiner breaks the pattern, and the text reads the same.
    value = value.replace("://", ":\u2060//").replace("@", "@\u2060")
    value = re.sub(r"(?i)\bwww\.", "www\u2060.", value)
    value = re.sub(r"^(\d+)\.(?=\s)", r"\1\\.", value)  # "1. " opens a numbered list
    return re.sub(r"^([-+#])(?=\s)", r"\\\1", value)  # "- " a list, "# " a heading


def opened_file(label: str, kind: str, key: str, parse: Callable[[bytes, str], Any],
                errors: type[Exception], most_bytes: int) -> tuple[Any, str] | None:
    """An uploader whose file is parsed once: (what parse made, file name) the first time, else None.

    The uploader says, and the browser keeps to, the largest file parse reads (most_bytes), not the server's 200 MB.
    A file that cannot be parsed says why for as long as it stays in the uploader.
    """
    most_mb = max(1, math.ceil(most_bytes / 1e6))
    frame.uploader_note(key, most_mb * 1_000_000)
    upload = st.file_uploader(label, type=[kind], key=key, max_upload_size=most_mb)
    if upload is None or st.session_state.get(f"{key}.opened") == upload.file_id:
        return None
    try:
        value = parse(upload.getvalue(), upload.name)
    except errors as error:
        st.error(t("files.cannot_open", error=markdown_escaped(message(error))))  # it quotes the file
        return None
    st.session_state[f"{key}.opened"] = upload.file_id
    return value, upload.name
