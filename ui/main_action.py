"""The Train page's main action, in one place: Start, which becomes Stop while the run of the settings shown trains
(a second click never queues the same run twice)."""
from __future__ import annotations

import streamlit as st

from mnistlab import jobs
from mnistlab.config import RunConfig
from mnistlab.data import Dataset

from . import sessions
from .language import t

STARTED = "train.started"  # job id → the RunConfig it trains, for this session's jobs started from the Train page
SHOWN = "train.main_job"  # the id of the job whose Stop is the main action (its live view then draws no second Stop)


def running_with(config: RunConfig | None) -> jobs.Job | None:
    """This session's run of exactly these settings while it trains or waits, else None."""
    started = st.session_state.get(STARTED, {})
    return next((job for job in sessions.active_jobs() if config is not None and started.get(job.id) == config), None)


def start_or_stop(config: RunConfig | None, data: Dataset | None, refused: str | None) -> None:
    """Stop (Stopping… once pressed) while these settings' run trains; else Start, enabled when a run can start."""
    job = running_with(config)
    st.session_state[SHOWN] = job and job.id
    if job is not None:
        st.button(t("lesson.stopping") if job.stopped else t("live.stop"), key="train.stop", type="primary",
                  on_click=job.stop, disabled=job.stopped, width="stretch", help=t("live.stop.help"),
                  icon=":material/stop_circle:")
        return
    if st.button(t("train.start"), key="train.start", type="primary", width="stretch",
                 disabled=config is None or data is None or refused is not None, icon=":material/play_arrow:"):
        job = sessions.start_training(config, data)
        if job is not None:
            st.session_state.setdefault(STARTED, {})[job.id] = config
            st.rerun()
