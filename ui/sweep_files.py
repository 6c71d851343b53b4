"""The sweep as a file on the Class board page: an ended sweep becomes one (its download), and a sweep file reopens
onto this visitor's own board only: what one visitor opens, no other sees, and the class board never holds it."""
from __future__ import annotations

import streamlit as st

from mnistlab import board_plots, fingerprint, i18n, jobs
from mnistlab.sweep_files import (MAX_SWEEP_BYTES, Sweep, SweepFileError, file_name, held_bytes, sweep_from_bytes,
                                  sweep_to_bytes)

from . import caps, session_keys, widgets
from .language import current, t

UPLOAD = "sweep.upload"


def running() -> list[jobs.Job]:
    """The sweep's runs still running or waiting."""
    return [job for job in st.session_state.get(session_keys.SWEEP_JOBS, []) if job.state != jobs.DONE]


def collect_ended() -> None:
    """Once none of the sweep's runs runs or waits, the sweep it became (its runs' records, no weights) is kept for
    its download, and its jobs are let go: they held the runs' models."""
    jobs_of_sweep, plan = st.session_state.get(session_keys.SWEEP_JOBS), st.session_state.get(session_keys.SWEEP_PLAN)
    if not jobs_of_sweep or running():
        return
    runs = [job.result for job in jobs_of_sweep if job.result is not None]  # None: cancelled before it started
    st.session_state.pop(session_keys.SWEEP_JOBS)
    if plan is not None and runs:
        sweep = Sweep.of(plan, runs)
        st.session_state[session_keys.SWEEP_DONE] = {"sweep": sweep, "source": file_name(sweep),
                                                 "bytes": held_bytes(len(sweep_to_bytes(sweep)))}


def download() -> None:
    """The ended sweep's line and its download: the file reopens its board later, here or elsewhere."""
    done = st.session_state.get(session_keys.SWEEP_DONE)
    if done is None:
        return
    sweep = done["sweep"]
    st.caption(t("sweep.done", done=len(sweep.runs), runs=len(sweep.plan.configs())))
    st.download_button(t("sweep.download"), data=lambda: sweep_to_bytes(sweep), file_name=done["source"],
                       mime="application/json", on_click="ignore", key="sweep.download", icon=":material/download:")


def uploader() -> bool:
    """The sweep file uploader; True when a file was opened now (what is wrong with a bad one is said under it)."""
    shown_bytes = (shown() or {}).get("bytes", 0)

    def read(data: bytes, name: str) -> tuple[Sweep, int]:
        holds = held_bytes(len(data))
        refused = caps.refused_holding(holds, shown_bytes)  # before parsing: parsing is what takes the memory
        if refused:
            raise SweepFileError(refused)
        return sweep_from_bytes(data, name), holds

    st.caption(t("sweep.upload.help"))
    opened = widgets.opened_file(t("sweep.upload"), "json", UPLOAD, read, SweepFileError, MAX_SWEEP_BYTES)
    if opened is None:
        return False
    (sweep, holds), name = opened
    st.session_state[session_keys.SWEEP_SHOWN] = {"sweep": sweep, "source": name, "bytes": holds}
    return True


def shown() -> dict | None:
    """The sweep file opened in this session: {"sweep", "source", "bytes"}, or None."""
    return st.session_state.get(session_keys.SWEEP_SHOWN)


def close() -> None:
    st.session_state.pop(session_keys.SWEEP_SHOWN, None)


def describe(opened: dict) -> None:
    """What the opened file holds, and where and when it was trained (its words shown as text)."""
    sweep, lang = opened["sweep"], current()
    plan, escaped = sweep.plan, widgets.markdown_escaped
    said = t("sweep.shown", source=escaped(opened["source"]), setting=t(f"board.setting.{plan.setting}"),
             low=board_plots.value_text(plan.low, plan.setting, lang),
             high=board_plots.value_text(plan.high, plan.setting, lang), runs=len(sweep.runs),
             planned=len(plan.configs()), trained_on=escaped(fingerprint.described(sweep.trained_on, lang)),
             created=escaped(i18n.date(sweep.created, lang)))
    st.caption(f"{said} {t('sweep.shown.stopped')}" if sweep.status == "stopped" else said)


def close_button() -> None:
    st.button(t("sweep.close"), on_click=close, key="sweep.close", icon=":material/close:")
