"""Compare: every run of the session overlaid, and a table of what differs and what each reached."""
import streamlit as st

from mnistlab import plots
from ui import frame, sessions, widgets

frame.served_by_app()
st.title("Compare runs")
runs = sessions.session_runs()
if not runs:
    st.info("No runs yet: train a few on the **Train** page (e.g. the four course variants one after another).")
    st.stop()
shown = {label: run for label, run in runs.items() if run.history}
if shown:
    widgets.chart(plots.overlay(shown), key="overlay")
st.dataframe(plots.compare_rows(runs), hide_index=True, width="stretch")
st.caption("Only the settings that differ between runs are listed. Gap: train minus validation accuracy at the "
           "last epoch, in percentage points; a large gap means the model learnt its training images by heart.")
with st.form("remove-runs", border=False):
    doomed = st.multiselect("Remove runs", list(runs), placeholder="Choose runs to remove")
    if st.form_submit_button("Remove") and doomed:
        sessions.remove_runs(doomed)
        st.rerun()
