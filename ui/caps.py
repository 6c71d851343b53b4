"""The owner's caps for this browser: whom they count, and why a run, a sweep, a lesson or an upload is refused.
The caps themselves are the server owner's (mnistlab.server_settings) and class mode's (mnistlab.classroom)."""
from __future__ import annotations

import streamlit as st

from mnistlab import classroom, jobs, server_settings
from mnistlab.config import RunConfig
from mnistlab.runs import Run

from .kept_sessions import SESSION_BROWSER, SESSION_TOKEN, held_by_this_browser
from .language import current, message, t


def owner() -> str | None:
    """Whom the queue takes turns between and the caps count: this browser, however many tabs and sessions it has;
    this session's token where the browser is unknown (no cookie)."""
    browser = st.session_state.get(SESSION_BROWSER)
    return f"browser:{browser}" if browser is not None else st.session_state.get(SESSION_TOKEN)


def _settings() -> server_settings.ServerSettings | str:
    """The owner's settings, or what to say when they cannot be read (the owner's typo: said to every visitor)."""
    try:
        return server_settings.from_environment()
    except server_settings.SettingsError as error:
        return t("server.settings_wrong", error=message(error))


def _active_runs() -> int:
    """This browser's runs running or waiting: a lesson's and a sweep's runs are queued one job each."""
    return jobs.default_queue().owned(owner())


def refused(config: RunConfig) -> str | None:
    """Why the server's owner (MNISTLAB_MAX_EPOCHS, MNISTLAB_MAX_RUN_COST, MNISTLAB_MAX_RUNS_PER_SESSION counting its
    running and waiting runs in every tab, MNISTLAB_MAX_BROWSER_MB) or class mode does not let this browser queue
    this run, in words; None when it may."""
    return refused_work([config])


def refused_work(configs: list[RunConfig]) -> str | None:
    """The same for several runs queued at once (a sweep): all of them, or none, are within the caps."""
    settings = _settings()
    if isinstance(settings, str):
        return settings
    active = _active_runs()
    room = classroom.default_classroom()
    return (settings.refuse_work(configs, active, held_by_this_browser(), current())
            or next(filter(None, (room.refuse_run(config, active + len(configs) - 1, owner(), current())
                                  for config in configs)), None))  # class mode's caps


def refused_keeping(run: Run) -> str | None:
    """Why this browser may not keep one more run (an upload) within MNISTLAB_MAX_BROWSER_MB; None when it may."""
    return refused_holding(server_settings.kept_run_bytes(run))


def refused_holding(adding: int, replacing: int = 0) -> str | None:
    """Why this browser may not hold `adding` more bytes (in place of `replacing` it holds) within
    MNISTLAB_MAX_BROWSER_MB; None when it may."""
    settings = _settings()
    if isinstance(settings, str):
        return settings
    return settings.refuse_keeping(adding, held_by_this_browser() - replacing, current())


def refused_lesson(configs: list[RunConfig]) -> str | None:
    """Why this browser may not queue a lesson of these runs: class mode's rule, or the owner's caps counting it as its
    runs, each held to the caps of one run; None when it may."""
    settings = _settings()
    return classroom.default_classroom().refuse_many(owner(), current()) or (
        settings if isinstance(settings, str) else settings.refuse_work(
            configs, _active_runs(), held_by_this_browser(), current(), keeps_weights=False))
