"""Compare: every run of the session overlaid, a table of what differs and what each reached, and the seeds behind
each setting (a difference within a change of seed can be chance: the Lesson page gives verdicts)."""
import streamlit as st

from mnistlab import compare, plots
from mnistlab.lesson.verdicts import gap_note
from ui import frame, kept_sessions, saved_lessons, sessions, widgets
from ui.language import current, t

frame.served_by_app()
st.title(t("compare.title"))
runs = sessions.session_runs()
if not runs:
    st.info(t("compare.no_runs"))
    st.stop()
shown = {label: run for label, run in runs.items() if run.history}
if shown:
    widgets.chart(plots.overlay(shown, current()), key="overlay")
same = compare.identical(shown)
if same:
    st.caption(t("compare.identical", groups="; ".join(" = ".join(group) for group in same)))
widgets.table(plots.compare_rows(runs, current()))
st.caption(f"{t('compare.differing')} {gap_note(current())}" + (f" {t('compare.crowded')}" if len(shown) > 2 else ""))
found = compare.settings(runs)
st.subheader(t("compare.seeds.title"))
widgets.table(compare.seed_rows(found, current()))
st.markdown(compare.seed_note(found, compare.saved_seeds(found, saved_lessons.loaded()), current()))
with st.form("remove-runs", border=False):
    doomed = st.multiselect(t("compare.remove_runs"), list(runs), placeholder=t("compare.remove_placeholder"))
    if st.form_submit_button(t("compare.remove")) and doomed:
        sessions.remove_runs(doomed)
        st.rerun()
kept_sessions.private_link_panel()
