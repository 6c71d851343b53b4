"""Train: choose the settings, start a run, watch its curves live, stop it."""
import streamlit as st

from mnistlab import plots
from ui import caps, classroom, data_cache, frame, live, main_action, session_keys, sessions, widgets
from ui.language import current, t

frame.served_by_app()
st.title(t("train.title"))
st.markdown(f"{t('train.intro.1')} {t('train.intro.2', button=t('train.start'))}")  # what the app is, what to press
classroom.caps_note()  # in class mode, a student's caps before any setting is chosen
settings_column, live_column = st.columns([2, 3], gap="large")
with settings_column:  # Start first, where the eye lands: the settings it reads are drawn below it
    action = st.container()
    config = widgets.config_form()
    refused = caps.refused(config) if config else None  # the server's caps, said before Start is pressed
    if refused:
        st.warning(refused)
with live_column:  # a missing data set is said at the top, where a newcomer looks, not below the settings
    data = data_cache.dataset(config.dataset) if config else None
with action:
    main_action.start_or_stop(config, data, refused)
with live_column:
    if sessions.training_jobs():
        live.live_training()
    else:
        runs = sessions.session_runs()
        label = st.session_state.get(session_keys.LAST_FINISHED)
        if label in runs:
            run = runs[label]
            widgets.run_summary(label, run)
            widgets.chart(plots.training_curves(run.history, epochs=run.config.epochs,
                                                diverged=run.status == "diverged", lang=current(),
                                                height=live.CURVES_HEIGHT),
                          key="last-curves")
            st.page_link("pages/results.py", label=t("train.see_results"),
                         icon=":material/arrow_forward:")
        elif data is not None:
            st.info(t("train.curves_here"))
