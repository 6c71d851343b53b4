"""Train: choose the settings, start a run, watch its curves live, stop it."""
import streamlit as st

from mnistlab import plots
from ui import data_cache, frame, live, sessions, widgets

frame.served_by_app()
st.title("Train an MLP")
settings_column, live_column = st.columns([2, 3], gap="large")
with settings_column:
    config = widgets.config_form()
    data = data_cache.dataset(config.dataset) if config else None
    if st.button("Start training", type="primary", disabled=data is None, width="stretch"):
        if sessions.start_training(config, data):
            st.rerun()
with live_column:
    if sessions.training_jobs():
        live.live_training()
    else:
        runs = sessions.session_runs()
        label = st.session_state.get(sessions.LAST_FINISHED)
        if label in runs:
            run = runs[label]
            widgets.run_summary(label, run)
            widgets.chart(plots.training_curves(run.history, epochs=run.config.epochs,
                                                diverged=run.status == "diverged"), key="last-curves")
            st.page_link("pages/results.py", label="See its confusion matrix and mistakes on **Results**",
                         icon=":material/arrow_forward:")
        else:
            st.info("Choose the settings and press **Start training**: the loss and accuracy curves appear here "
                    "while the model learns.")
