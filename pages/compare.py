"""Compare: every run of the session overlaid, and a table of what differs and what each reached."""
import streamlit as st

from mnistlab import plots
from mnistlab.lesson.verdicts import gap_note
from ui import frame, sessions, widgets
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
widgets.table(plots.compare_rows(runs, current()))
st.caption(f"{t('compare.differing')} {gap_note(current())}")
with st.form("remove-runs", border=False):
    doomed = st.multiselect(t("compare.remove_runs"), list(runs), placeholder=t("compare.remove_placeholder"))
    if st.form_submit_button(t("compare.remove")) and doomed:
        sessions.remove_runs(doomed)
        st.rerun()
sessions.private_link_panel()
