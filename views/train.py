"""Train: choose the settings, start a run, watch its curves live, stop it."""
import streamlit as st

from views import _ui
from mnistlab import plots

st.title("Train an MLP")
settings_column, live_column = st.columns([2, 3], gap="large")
with settings_column:
    config = _ui.config_form()
    data = _ui.dataset(config.dataset) if config else None
    if st.button("Start training", type="primary", disabled=data is None, width="stretch"):
        if _ui.start_training(config, data):
            st.rerun()
with live_column:
    if _ui.training_jobs():
        _ui.live_training()
    else:
        runs = _ui.session_runs()
        label = st.session_state.get("last_finished")
        if label in runs:
            run = runs[label]
            _ui.run_summary(label, run)
            _ui.chart(plots.training_curves(run.history, epochs=run.config.epochs), key="last-curves")
            st.page_link("views/results.py", label="See its confusion matrix and mistakes on **Results**",
                         icon=":material/arrow_forward:")
        else:
            st.info("Choose the settings and press **Start training**: the loss and accuracy curves appear here "
                    "while the model learns.")
