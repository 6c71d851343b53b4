"""Inside: what L2, Dropout and BatchNorm change in the network, from the runs' recorded figures and their weights."""
import streamlit as st

from mnistlab import inside, inside_plots
from ui import frame, sessions, widgets
from ui.language import current, number, t

RUNS_KEY = "inside.runs"

frame.served_by_app()
st.title(t("inside.title"))
st.caption(t("inside.intro"))
runs = sessions.session_runs()
if not runs:
    st.info(t("inside.no_runs"))
    st.stop()
if RUNS_KEY in st.session_state:  # a run removed on Compare leaves the choice
    st.session_state[RUNS_KEY] = [label for label in st.session_state[RUNS_KEY] if label in runs]
else:
    # a diverged run's weights would flatten every other curve: the last four of the others are shown first
    st.session_state[RUNS_KEY] = ([label for label, run in runs.items() if run.status != "diverged"] or list(runs))[-4:]
chosen = st.multiselect(t("inside.runs"), list(runs), key=RUNS_KEY, placeholder=t("form.choose_runs"))
shown = {label: runs[label] for label in chosen}
if not shown:
    st.info(t("inside.pick"))
    st.stop()
lang = current()
older = [label for label, run in shown.items() if not inside.has_figures(run.history)]
if older:
    st.info(t("inside.older", runs=", ".join(f"**{label}**" for label in older)))

st.subheader(t("inside.norms"))
st.caption(t("inside.norms.caption"))
widgets.chart(inside_plots.weight_norms_figure(shown, lang), key="inside-norms")
st.subheader(t("inside.modes"))
st.caption(t("inside.modes.caption", rows=number(inside.PROBE_ROWS, 0)))
widgets.chart(inside_plots.modes_figure(shown, lang), key="inside-modes")
st.subheader(t("inside.dead"))
st.caption(t("inside.dead.caption", rows=number(inside.PROBE_ROWS, 0)))
widgets.chart(inside_plots.dead_units_figure(shown, lang), key="inside-dead")
normalised = {label: run for label, run in shown.items() if run.config.batchnorm}
st.subheader(t("inside.bn"))
if normalised:
    st.caption(t("inside.bn.caption"))
    widgets.chart(inside_plots.batchnorm_figure(normalised, lang), key="inside-bn")
else:
    st.info(t("inside.bn.none"))

weighted = {label: run for label, run in shown.items() if run.model is not None}
if not weighted:
    st.info(t("inside.no_weights"))
    st.stop()
st.subheader(t("inside.hist"))
st.caption(t("inside.hist.caption"))
widgets.chart(inside_plots.histograms_figure(weighted, lang), key="inside-hist")
st.subheader(t("inside.templates", count=inside_plots.TEMPLATES))
label = st.selectbox(t("inside.templates.run"), list(weighted), index=len(weighted) - 1, key="inside.templates.run")
st.caption(t("inside.templates.caption"))
widgets.chart(inside_plots.templates_figure(weighted[label], lang=lang), key="inside-templates")
